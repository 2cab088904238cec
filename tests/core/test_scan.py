from __future__ import annotations

import os
import shutil
import time

import pytest
from helpers import GOOD_MESSY_FILES, make_messy_folder, write_image

from labeldesk.core import probe_pool, scanner
from labeldesk.core.create import create_and_index
from labeldesk.core.progress import CancelToken
from labeldesk.core.project import Project


def _state(project: Project) -> dict[str, tuple]:
    return {
        r["path"]: (r["label"], r["split"], r["skip_reason"])
        for r in project.db.query("SELECT * FROM images WHERE removed_at IS NULL")
    }


def test_imagefolder_layout_sets_labels_and_splits(project, imagefolder):
    _, expected = imagefolder
    state = _state(project)
    assert {p: s[0] for p, s in state.items()} == expected
    assert state["val/dog/dog0.jpg"][1] == "val"
    assert state["_unlabeled/u0.png"][1] is None
    assert project.classes() == ["cat", "dog"]
    frame = project.images()
    assert frame.set_index("path").split.isna()["_unlabeled/u0.png"]


@pytest.mark.timeout(60)
@pytest.mark.parametrize("workers", [1, 2])
def test_messy_folder_scan_records_every_bad_file(tmp_path, workers):
    root = tmp_path / "messy"
    bad = make_messy_folder(root)
    project, _ = create_and_index(tmp_path / "proj", root, workers=workers)
    with project:
        state = _state(project)
        usable = {p for p, s in state.items() if s[2] is None}
        # The symlink loop exposes good/ a second time at most once, never forever.
        assert usable >= GOOD_MESSY_FILES
        assert all(p.startswith("good/") for p in usable)
        skipped = {p: s[2] for p, s in state.items() if s[2]}
        assert set(skipped) == set(bad)
        for path, reason in bad.items():
            assert skipped[path].startswith(reason), (path, skipped[path])
        assert not any(".hidden" in p or ".cache" in p or p.endswith(".txt") for p in state)
        stats = project.stats()
        assert stats["skipped"] == len(bad)
        assert stats["skipped_by_reason"]["truncated file"] == 2


def test_parallel_and_in_process_scans_agree(tmp_path, imagefolder):
    root, _ = imagefolder
    for i in range(60):  # above the in-process threshold
        write_image(root / "train" / "cat" / f"extra{i}.jpg", seed=1000 + i)
    one, _ = create_and_index(tmp_path / "one", root, workers=1)
    two, _ = create_and_index(tmp_path / "two", root, workers=2)
    with one, two:
        cols = "path, hash, width, height, label, split, skip_reason"
        q = f"SELECT {cols} FROM images ORDER BY path"
        assert [tuple(r) for r in one.db.query(q)] == [tuple(r) for r in two.db.query(q)]
        assert len(list((two.thumbs_dir).rglob("*.jpg"))) == len(one.images())


def test_unchanged_rescan_decodes_nothing(project, monkeypatch):
    monkeypatch.setattr(probe_pool, "probe_file", lambda *a, **k: pytest.fail("decoded a file"))
    counts = project.scan(workers=1)
    assert (counts.added, counts.removed, counts.changed, counts.moved) == (0, 0, 0, 0)
    assert counts.unchanged == len(project.images())


def test_incremental_add_delete_modify_move(project, imagefolder):
    root, _ = imagefolder
    project.set_label("train/cat/cat1.jpg", "dog")  # a human correction to keep across the move
    before = project.history("train/cat/cat1.jpg")

    write_image(root / "train" / "dog" / "new.jpg", seed=500)
    (root / "test" / "cat" / "cat0.jpg").unlink()
    changed = root / "val" / "cat" / "cat0.jpg"
    write_image(changed, seed=501)
    os.utime(changed, ns=(time.time_ns(), time.time_ns() + 5_000_000_000))
    (root / "train" / "cat" / "renamed").mkdir()
    shutil.move(root / "train/cat/cat1.jpg", root / "train/cat/renamed/moved.jpg")
    shutil.move(root / "train/cat/cat2.jpg", root / "val/dog/from_cat.jpg")

    counts = project.scan(workers=1)
    assert (counts.added, counts.removed, counts.changed, counts.moved) == (1, 1, 1, 2)

    state = _state(project)
    assert state["train/dog/new.jpg"][:2] == ("dog", "train")
    assert "test/cat/cat0.jpg" not in state
    # The human label survived the move and the history followed the file.
    assert state["train/cat/renamed/moved.jpg"][0] == "dog"
    assert len(project.history("train/cat/renamed/moved.jpg")) == len(before)
    # A file moved by hand into another class folder takes that folder's label and split.
    assert state["val/dog/from_cat.jpg"][:2] == ("dog", "val")
    assert project.history("val/dog/from_cat.jpg")[0].old_label == "cat"


def test_copy_then_delete_is_a_move_found_by_hash(project, imagefolder):
    root, _ = imagefolder
    src = root / "train/dog/dog0.jpg"
    data = src.read_bytes()
    src.unlink()
    (root / "train/dog/copied.jpg").write_bytes(data)  # new mtime: found by content
    counts = project.scan(workers=1)
    assert (counts.moved, counts.added, counts.removed) == (1, 0, 0)


def test_cancelled_scan_keeps_finished_batches_and_resumes(tmp_path, imagefolder, monkeypatch):
    root, _ = imagefolder
    project = Project.create(tmp_path / "p", root)
    monkeypatch.setattr(scanner, "WRITE_BATCH", 4)
    token = CancelToken()
    seen = []

    def progress(p):
        seen.append(p)
        if p.done >= 4:
            token.cancel()

    counts = project.scan(progress=progress, cancel=token, workers=1)
    assert counts.cancelled and 4 <= counts.added < 19
    first = counts.added
    counts = project.scan(workers=1)
    assert not counts.cancelled
    assert counts.added == 19 - first and counts.unchanged == first
    assert len(project.images()) == 19
    project.close()


def test_a_different_picture_at_a_removed_images_path_is_a_new_image(project, imagefolder):
    root, _ = imagefolder
    rel = "train/dog/dog1.jpg"
    original = project.ids_for([rel])[rel]
    project.set_label(rel, "cat")  # a person's label and status on the old picture
    project.set_status([rel], "excluded")
    (root / rel).unlink()
    assert project.scan(workers=1).removed == 1
    write_image(root / rel, seed=999)  # a different picture at the same path
    assert project.scan(workers=1).added == 1
    assert project.ids_for([rel])[rel] != original  # the old one keeps its own history
    row = project.images().set_index("path").loc[rel]
    assert row.label == "dog" and row.status != "excluded"  # its folder's, nothing else


def test_project_folder_inside_image_root_is_not_indexed(tmp_path, imagefolder):
    root, expected = imagefolder
    project, _ = create_and_index(root / "project-here", root, workers=1)
    with project:
        project.scan(workers=1)
        assert set(project.images().path) == set(expected)


def test_missing_image_root_is_a_clear_error(tmp_path, imagefolder):
    root, _ = imagefolder
    project, _ = create_and_index(tmp_path / "p", root, workers=1)
    moved = tmp_path / "moved"
    root.rename(moved)
    with project:
        from labeldesk.core.errors import ImageRootError

        with pytest.raises(ImageRootError, match="--images"):
            project.scan()
        project.relocate(moved)
        assert project.scan(workers=1).unchanged == 19


def test_a_crash_mid_scan_never_leaves_rows_without_their_folder_labels(
    tmp_path, imagefolder, monkeypatch
):
    root, expected = imagefolder
    project = Project.create(tmp_path / "p", root)
    monkeypatch.setattr(scanner, "WRITE_BATCH", 4)

    def crash(p):
        if p.done >= 4:
            raise RuntimeError("power cut")

    with pytest.raises(RuntimeError):
        project.scan(progress=crash, workers=1)
    written = project.images()
    assert 4 <= len(written) < 19
    for path, label in zip(written.path, written.label, strict=True):
        assert (label if isinstance(label, str) else None) == expected[path]
    project.scan(workers=1)
    final = project.images().set_index("path").label
    assert {p: (v if isinstance(v, str) else None) for p, v in final.items()} == expected
    project.close()
