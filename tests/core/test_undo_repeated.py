"""A batch that changes one image twice (two of its label events in one batch): its
undo gives the image the state it had before the batch, not the one between its two
events; an image someone else changed since stays as they left it; the redo makes the
batch's end state again; and a chunked undo (the image's events in two chunks) does the
same."""

from __future__ import annotations

import pytest

from labeldesk.core import take_back
from labeldesk.core.labels import Change, apply_changes, history


def state(project, image_id: int) -> tuple:
    rows = project.db.query("SELECT label, status, split FROM images WHERE id = ?", (image_id,))
    return tuple(rows[0])


def ids_of(project) -> list[int]:
    return [int(r[0]) for r in project.db.query("SELECT id FROM images ORDER BY path")]


@pytest.mark.parametrize("chunk", [1, 2, 20_000])
def test_undo_of_an_image_changed_twice_in_one_batch_gives_its_state_before(
    project, monkeypatch, chunk
):
    monkeypatch.setattr(take_back, "CHUNK", chunk)
    monkeypatch.setenv("LABELDESK_USER", "ann")
    first, other = ids_of(project)[:2]
    apply_changes(project.db, [Change(first, label=None, split=None)], source="human")
    before = state(project, first)
    assert before == (None, None, None)
    apply_changes(
        project.db,
        [
            Change(first, label="cat", split="val"),
            Change(other, label="cat"),  # (between the two, so chunks of 1 or 2 split them)
            Change(first, label="dog", status="verified"),
        ],
        source="human",
        create_classes=True,
        description="twice",
    )
    assert state(project, first) == ("dog", "verified", "val")
    events = [e for e in history(project.db, first) if e.description == "twice"]
    assert len(events) == 2  # the core API records both

    undone = project.undo()
    assert state(project, first) == before
    assert undone.kept == 0
    assert sorted(undone.image_ids) == sorted({first, other})  # each image once
    assert "2 images changed back" in undone.summary()

    redone = project.redo()
    assert state(project, first) == ("dog", "verified", "val")
    assert redone.kept == 0 and sorted(redone.image_ids) == sorted({first, other})

    project.undo()  # the redo taken back: before the batch again
    assert state(project, first) == before


@pytest.mark.parametrize("chunk", [1, 20_000])
def test_an_image_changed_twice_then_by_someone_else_is_kept_once(project, monkeypatch, chunk):
    monkeypatch.setattr(take_back, "CHUNK", chunk)
    monkeypatch.setenv("LABELDESK_USER", "ann")
    first, other = ids_of(project)[:2]
    apply_changes(project.db, [Change(first, label=None)], source="human")
    apply_changes(
        project.db,
        [Change(first, label="cat"), Change(other, label="cat"), Change(first, label="dog")],
        source="human",
        create_classes=True,
    )
    monkeypatch.setenv("LABELDESK_USER", "bob")
    # bob puts it back to the label between ann's two events: still his change, kept
    apply_changes(project.db, [Change(first, label="cat")], source="human")
    bobs = state(project, first)
    monkeypatch.setenv("LABELDESK_USER", "ann")
    undone = project.undo()
    assert state(project, first) == bobs
    assert undone.kept == 1  # the image, counted once
    assert undone.image_ids == (other,)
