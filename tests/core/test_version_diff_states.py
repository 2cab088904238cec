"""A version's state is one SQL query read a row at a time (so a million-image diff or
export holds only what it needs): its states must be the label events replayed, through
relabels, splits set and cleared, statuses, undos, a class rename and a rescan; and an
export of an old version written later must be the export written at the time."""

from __future__ import annotations

import hashlib

import pytest

from labeldesk.core.labels import state_as_of
from labeldesk.core.version_diff import diff
from labeldesk.core.version_state import Recorded, recorded_state, states
from labeldesk.core.versions import create_version, members
from labeldesk.interop.export import ExportOptions, export


def replayed(db, event_id: int) -> dict:
    """Every image's (label, status, split) right after event ``event_id``, the label
    events replayed in Python (how LabelDesk rebuilt states until the SQL replaced it):
    labels and statuses start empty, a split as the folder gave it."""
    state = {r[0]: [None, None, r[1]] for r in db.query("SELECT id, split FROM images")}
    for image_id, split in db.query(
        "SELECT image_id, old_split FROM label_events WHERE id IN (SELECT MIN(id) "
        "FROM label_events WHERE old_split IS NOT new_split GROUP BY image_id)"
    ):
        state[image_id][2] = split
    for image_id, label, status, old_split, new_split in db.query(
        "SELECT image_id, new_label, new_status, old_split, new_split FROM label_events "
        "WHERE id <= ? ORDER BY id",
        (event_id,),
    ):
        state[image_id][:2] = [label, status]
        if old_split != new_split:
            state[image_id][2] = new_split
    return {k: tuple(v) for k, v in state.items()}


def rebuilt(db, version) -> dict:
    """The version's images, their labels replayed: what :func:`recorded_state` gave."""
    state = replayed(db, version.label_event_id)
    out = {}
    for image_id, path, content in members(db, version):
        label, status, split = state.get(image_id, (None, None, None))
        out[image_id] = Recorded(path, content, label, status, split or (label and "train"))
    return out


def states_read(project, version) -> dict:
    with project.db.snapshot() as conn:
        rows = list(states(conn, version))
    assert [i for i, _ in rows] == sorted(i for i, _ in rows)  # in image id order
    return dict(rows)


def test_the_states_diff_reads_are_the_versions_as_rebuilt(project, imagefolder):
    root, _ = imagefolder
    versions = [create_version(project.db, "v0")]
    project.set_splits({"train/cat/cat0.jpg": "test", "val/dog/dog0.jpg": None})
    project.set_label("_unlabeled/u0.png", "cat")
    project.set_status(["train/dog/dog1.jpg"], "verified")
    versions.append(create_version(project.db, "v1"))
    project.set_splits({"train/cat/cat0.jpg": "val"})
    project.set_labels({"train/dog/dog1.jpg": "cat", "train/cat/cat1.jpg": None})
    project.set_status(["val/cat/cat0.jpg"], "excluded")
    project.undo()
    project.rename_class("dog", "hound")
    versions.append(create_version(project.db, "v2"))
    (root / "train/cat/cat2.jpg").unlink()
    project.scan()
    project.set_splits({"val/dog/dog0.jpg": "train"})
    for version in versions:
        assert states_read(project, version) == rebuilt(project.db, version)
        assert recorded_state(project.db, version) == rebuilt(project.db, version)
    assert states_read(project, None) == recorded_state(project.db, None)
    (newest,) = project.db.query("SELECT MAX(id) FROM label_events")[0]
    for event in range(newest + 1):  # the state after any event, not only a version's
        assert state_as_of(project.db, event) == replayed(project.db, event)
    # (as the diff that read both states whole gave it: checked against it)
    changed = diff(project.db, versions[0], None).to_json()
    assert changed["labels_changed"] == [
        {"path": "_unlabeled/u0.png", "old": None, "new": "cat"},
        {"path": "train/cat/cat1.jpg", "old": "cat", "new": None},
        {"path": "train/dog/dog1.jpg", "old": "dog", "new": "cat"},
    ]
    assert changed["classes_renamed"] == [{"old": "dog", "new": "hound", "images": 7}]
    assert changed["splits_changed"] == [
        {"path": "_unlabeled/u0.png", "old": None, "new": "train"},
        {"path": "train/cat/cat0.jpg", "old": "train", "new": "val"},
        {"path": "val/dog/dog0.jpg", "old": "val", "new": "train"},
    ]
    assert changed["removed"] == [{"path": "train/cat/cat2.jpg", "label": "cat"}]
    assert changed["counts"]["excluded"] == changed["counts"]["verified"] == 0
    assert not diff(project.db, versions[2], versions[2]).to_json()["counts"]["removed"]


def tree(folder) -> dict:
    """{relative path: SHA-256} of every file under ``folder`` (the manifest included)."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.mark.parametrize("fmt", ["imagefolder", "csv"])
def test_an_old_version_exported_later_is_the_export_written_then(
    project, imagefolder, tmp_path, fmt
):
    """`export --version` (and `--since`) reads the version's state in SQL: written after
    relabels, splits, statuses, an undo, a class rename, a file moved and a rescan, it is
    the very export written when the version was made."""
    root, _ = imagefolder
    create_version(project.db, "v0")
    project.set_splits({"train/cat/cat0.jpg": "test", "val/dog/dog0.jpg": None})
    project.set_label("_unlabeled/u0.png", "cat")
    project.set_status(["train/dog/dog1.jpg"], "verified")
    project.set_status(["train/cat/cat1.jpg"], "excluded")
    create_version(project.db, "v1")
    asked = {
        "all": ExportOptions(version="v1", include_unlabeled=True, include_excluded=True),
        "plain": ExportOptions(version="v1"),
        "since": ExportOptions(version="v1", since="v0", include_unlabeled=True),
    }
    for name, options in asked.items():
        report = export(project, tmp_path / f"then-{name}", fmt, options)
        assert report.written >= (3 if name == "since" else 10)

    project.set_splits({"train/cat/cat0.jpg": "val"})
    project.set_labels({"train/dog/dog1.jpg": "cat", "val/cat/cat0.jpg": None})
    project.set_status(["train/cat/cat1.jpg"], None)
    project.undo()
    project.rename_class("dog", "hound")
    project.set_label("_unlabeled/u1.png", "hound")
    (root / "train/dog/dog0.jpg").rename(root / "train/dog/renamed.jpg")
    project.scan(workers=1)
    project.set_splits({"val/dog/dog0.jpg": "train"})

    for name, options in asked.items():
        report = export(project, tmp_path / f"later-{name}", fmt, options)
        assert report.missing == [] and report.failed == []
        assert tree(tmp_path / f"later-{name}") == tree(tmp_path / f"then-{name}")
