"""Undo and redo read, judge and write a batch's label events a chunk at a time (so a
million-label batch is not held whole): the result must be the one the whole batch at
once gives, also when an image has two events in the batch on either side of a chunk's
end, and when someone else changed one of its images since."""

from __future__ import annotations

import pytest

from labeldesk.core import take_back
from labeldesk.core.create import create_and_index
from labeldesk.core.labels import Change, apply_changes


def state(project) -> list[tuple]:
    rows = project.db.query("SELECT path, label, status, split FROM images ORDER BY path")
    return [tuple(r) for r in rows]


def story(project, monkeypatch) -> list[object]:
    """A batch of every image (labels, one status, one split; the first image twice, at
    the batch's start and end), bob changes one of its images, then undo, redo, undo:
    what each step returned and left."""
    ids = [int(r[0]) for r in project.db.query("SELECT id FROM images ORDER BY path")]
    monkeypatch.setenv("LABELDESK_USER", "ann")
    changes = [Change(ids[0], label="cat")]
    changes += [Change(i, label="dog" if k % 2 else "cat") for k, i in enumerate(ids[1:])]
    changes += [Change(ids[1], status="verified"), Change(ids[2], split="test")]
    changes.append(Change(ids[0], label="dog"))  # the first image again, last
    apply_changes(project.db, changes, source="human", description="everything")
    monkeypatch.setenv("LABELDESK_USER", "bob")
    apply_changes(project.db, [Change(ids[4], label=None)], source="human")
    monkeypatch.setenv("LABELDESK_USER", "ann")
    seen: list[object] = []
    for step in (project.undo, project.redo, project.undo):
        done = step()
        seen.append((done.image_ids, done.kept, done.classes_changed, state(project)))
    return seen


def test_a_chunked_undo_and_redo_do_what_the_whole_batch_at_once_does(
    tmp_path, imagefolder, monkeypatch
):
    root, _ = imagefolder
    whole, _ = create_and_index(tmp_path / "whole", root, workers=1)
    chunked, _ = create_and_index(tmp_path / "chunked", root, workers=1)
    try:
        images = len(state(whole))
        assert images > 8  # more than two chunks of 3 events
        expected = story(whole, monkeypatch)
        monkeypatch.setattr(take_back, "CHUNK", 3)
        assert story(chunked, monkeypatch) == expected
    finally:
        whole.close()
        chunked.close()
    undone, redone, undone_again = expected
    # kept: bob's image only; the first image (two labels in the batch) and the second
    # (a label, then verified) go back to what they were before the batch
    assert undone[1] == 1
    assert undone[3][0][1:] == (None, None, None) and redone[3][0][1] == "dog"
    assert undone[3][1][1:] == (None, None, None) and redone[3][1][1:3] == ("cat", "verified")
    assert undone[3][4][1] is None and redone[3][4][1] is None  # bob's change stands
    assert undone_again[3] == undone[3]


@pytest.mark.parametrize("chunk", [1, 2, 5])
def test_any_chunk_size_gives_the_same_undo(project, monkeypatch, chunk):
    before = state(project)
    ids = [int(r[0]) for r in project.db.query("SELECT id FROM images ORDER BY path")]
    monkeypatch.setenv("LABELDESK_USER", "ann")
    apply_changes(
        project.db,
        [Change(i, label="dog" if k == 0 else "cat", split="val") for k, i in enumerate(ids)],
        source="human",
    )
    after = state(project)
    monkeypatch.setattr(take_back, "CHUNK", chunk)
    undone = project.undo()
    assert state(project) == before
    assert undone.kept == 0
    redone = project.redo()
    assert state(project) == after and redone.kept == 0
    assert after[0][1:] == ("dog", None, "val") and {r[1] for r in after[1:]} == {"cat"}
