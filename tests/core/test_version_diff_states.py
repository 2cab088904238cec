"""`version diff` reads each state a row at a time in SQL (so a million-image diff holds
only what differs): the states it compares must be those a version is rebuilt to
(:func:`recorded_state`, from the label events replayed), through relabels, splits set
and cleared, statuses, undos, a class rename and a rescan."""

from __future__ import annotations

from labeldesk.core.version_state import _states, diff, recorded_state
from labeldesk.core.versions import create_version


def states_read(project, version) -> dict:
    with project.db.snapshot() as conn:
        rows = list(_states(conn, version))
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
    for version in [*versions, None]:
        assert states_read(project, version) == recorded_state(project.db, version)
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
