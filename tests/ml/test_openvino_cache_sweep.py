"""OpenVINO's compiled models stay bounded: a model's folder goes once unused for a month,
and beyond model_cache.MAX_BYTES the least recently loaded go; only what LabelDesk made."""

from __future__ import annotations

import os
import time

from labeldesk.ml import model_cache

DAY = 86400


def model(version, name, *, used_days_ago, blob_bytes=8, extra=None):
    """A model's folder as LabelDesk leaves it: one compiled model, its mark of use."""
    folder = version / name
    folder.mkdir(parents=True)
    (folder / f"{name}.blob").write_bytes(b"x" * blob_bytes)
    (folder / model_cache.USED_NAME).write_bytes(b"")
    when = time.time() - used_days_ago * DAY
    os.utime(folder / model_cache.USED_NAME, (when, when))
    if extra:
        (folder / extra).write_text("a person's file\n")
    return folder


def aged(path, days):
    when = time.time() - days * DAY
    os.utime(path, (when, when), follow_symlinks=False)
    return path


def test_models_unused_for_a_month_go_and_nothing_that_is_not_labeldesks(tmp_path):
    version = tmp_path / "openvino" / "2026.4.1"
    unused = model(version, "old-v1", used_days_ago=model_cache.UNUSED_DAYS + 1)
    shared = model(version, "shared-v1", used_days_ago=model_cache.UNUSED_DAYS + 1, extra="notes")
    recent = model(version, "recent-v1", used_days_ago=model_cache.UNUSED_DAYS - 1)
    unmarked = version / "someone-elses"  # no mark: not a folder LabelDesk made
    unmarked.mkdir()
    (unmarked / "9.blob").write_bytes(b"x")
    aged(unmarked / "9.blob", 400)
    (version / "loose-old.blob").write_bytes(b"x")  # the layout before model folders
    aged(version / "loose-old.blob", model_cache.UNUSED_DAYS + 1)
    (version / "loose-new.blob").write_bytes(b"x")  # an older LabelDesk still reads it
    (version / "notes.txt").write_text("a person's file\n")
    aged(version / "notes.txt", 400)
    (version / "link.blob").symlink_to(tmp_path / "elsewhere.blob")
    (tmp_path / "elsewhere.blob").write_bytes(b"x")
    aged(version / "link.blob", 400)

    removed = model_cache.sweep(version.parent.parent, version=version.name)

    assert sorted(p.name for p in removed) == ["loose-old.blob", "old-v1", "shared-v1"]
    assert not unused.exists()
    assert sorted(p.name for p in shared.iterdir()) == ["notes"]  # the folder stays
    assert sorted(p.name for p in recent.iterdir()) == [model_cache.USED_NAME, "recent-v1.blob"]
    assert sorted(p.name for p in unmarked.iterdir()) == ["9.blob"]
    left = sorted(p.name for p in version.iterdir())
    assert left == [
        "link.blob",
        "loose-new.blob",
        "notes.txt",
        "recent-v1",
        "shared-v1",
        "someone-elses",
    ]
    assert (tmp_path / "elsewhere.blob").exists()


def test_beyond_the_size_bound_the_least_recently_loaded_go_but_none_in_use(tmp_path, monkeypatch):
    monkeypatch.setattr(model_cache, "MAX_BYTES", 250)
    version = tmp_path / "openvino" / "2026.4.1"
    loading = model(version, "loading-v1", used_days_ago=0, blob_bytes=100)
    oldest = model(version, "a-v1", used_days_ago=20, blob_bytes=100)
    older = model(version, "b-v1", used_days_ago=10, blob_bytes=100)
    today = model(version, "c-v1", used_days_ago=0.5, blob_bytes=100)
    yesterday = model(version, "d-v1", used_days_ago=2, blob_bytes=100)

    removed = model_cache.sweep(version.parent.parent, loading.name, version.name)

    # 500 bytes: a-v1 (20 days), then b-v1 (10 days), then d-v1 (2 days) go, which
    # leaves 200; c-v1, loaded within the day, and the model being loaded stay
    assert removed == [oldest, older, yesterday]
    assert loading.exists() and today.exists()

    monkeypatch.setattr(model_cache, "MAX_BYTES", 50)  # over the bound, but all in use
    assert model_cache.sweep(version.parent.parent, loading.name, version.name) == []
    assert loading.exists() and today.exists()


def test_other_openvino_versions_compiled_models_go_by_the_same_rules(tmp_path):
    # Two virtual environments with different OpenVINO versions may share the model
    # cache: each removing the other's compiled models at its first load (as before)
    # made every run of each compile its models again
    root = tmp_path / "openvino"
    version = root / "2026.4.1"
    version.mkdir(parents=True)
    month = model_cache.UNUSED_DAYS + 1
    in_use = model(root / "2026.3.0", "m-v1", used_days_ago=0)  # the other venv's
    (root / "2026.3.0" / "loose.blob").write_bytes(b"x")  # read lately
    unused = model(root / "2026.3.0", "n-v1", used_days_ago=month)
    shared = model(root / "2026.2.0", "m-v1", used_days_ago=month, extra="notes")
    unmarked = root / "2026.2.0" / "someone-elses"
    unmarked.mkdir()
    (unmarked / "9.blob").write_bytes(b"x")
    gone = model(root / "2025.1.0", "m-v1", used_days_ago=month)  # all of it unused
    (gone.parent / "old.blob").write_bytes(b"x")
    aged(gone.parent / "old.blob", month)

    removed = model_cache.sweep(version.parent.parent, version=version.name)

    assert sorted(removed) == sorted([unused, shared, gone, gone.parent / "old.blob"])
    assert sorted(p.name for p in in_use.iterdir()) == [model_cache.USED_NAME, "m-v1.blob"]
    assert (root / "2026.3.0" / "loose.blob").exists()
    assert sorted(p.name for p in shared.iterdir()) == ["notes"]
    assert sorted(p.name for p in unmarked.iterdir()) == ["9.blob"]
    assert sorted(p.name for p in root.iterdir()) == ["2026.2.0", "2026.3.0", "2026.4.1"]


def test_beyond_the_size_bound_another_versions_least_recently_loaded_go_first(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(model_cache, "MAX_BYTES", 250)
    root = tmp_path / "openvino"
    ours = model(root / "2026.4.1", "m-v1", used_days_ago=3, blob_bytes=100)
    theirs = model(root / "2026.3.0", "m-v1", used_days_ago=5, blob_bytes=100)
    recent = model(root / "2026.3.0", "n-v1", used_days_ago=0.5, blob_bytes=100)

    assert model_cache.sweep(tmp_path, version="2026.4.1") == [theirs]
    assert ours.exists() and recent.exists()


def test_folders_in_the_openvino_folder_not_named_like_a_version_stay(tmp_path):
    # e.g. LABELDESK_RUNTIME_CACHE set to a folder of one's own models, with an
    # openvino/ folder of compiled .blob files (the format of Myriad/OAK devices)
    root = tmp_path / "openvino"
    (root / "2026.4.1").mkdir(parents=True)
    mine = root / "face-detection"
    mine.mkdir()
    (mine / "face.blob").write_bytes(b"x")
    aged(mine / "face.blob", 400)
    marked = model(root / "my-models", "m-v1", used_days_ago=400)

    assert model_cache.sweep(tmp_path, version="2026.4.1") == []
    assert sorted(p.name for p in mine.iterdir()) == ["face.blob"]
    assert sorted(p.name for p in marked.iterdir()) == [model_cache.USED_NAME, "m-v1.blob"]
