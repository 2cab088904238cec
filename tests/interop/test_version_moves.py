"""An image moved or renamed since a version is read from where it is now but named as
the version names it: exporting the version later writes the very same files as
exporting it at the time, in every format."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from labeldesk.core.version_state import items_at
from labeldesk.core.versions import create_version
from labeldesk.interop.export import EXPORTERS, ExportOptions, export
from labeldesk.interop.placing import CHANGED_SINCE_INDEXED


def tree(folder):
    """{relative path: SHA-256} of every file under ``folder`` (the manifest included)."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.mark.parametrize("fmt", EXPORTERS.names())
def test_a_version_exported_after_moves_writes_the_same_files_as_then(
    project, imagefolder, tmp_path, fmt
):
    root, _ = imagefolder
    v1 = create_version(project.db, "v1")
    options = ExportOptions(version="v1", include_unlabeled=True)
    export(project, tmp_path / "then", fmt, options)

    (root / "elsewhere").mkdir()
    (root / "train/dog/dog0.jpg").rename(root / "elsewhere/renamed.jpg")
    (root / "val/cat/cat0.jpg").rename(root / "val/cat/zz-last.jpg")  # sorts differently
    project.scan(workers=1)
    moved = {i.recorded_path: i.path for i in items_at(project.db, v1) if i.recorded_path}
    assert moved == {
        "train/dog/dog0.jpg": "elsewhere/renamed.jpg",
        "val/cat/cat0.jpg": "val/cat/zz-last.jpg",
    }  # read from where they are now

    report = export(project, tmp_path / "again", fmt, options)
    assert report.failed == [] and report.missing == []
    assert tree(tmp_path / "again") == tree(tmp_path / "then")


@pytest.mark.parametrize("fmt", EXPORTERS.names())
@pytest.mark.parametrize("version", ["v1", None])
def test_a_file_rewritten_since_it_was_indexed_is_not_exported_under_its_label(
    project, imagefolder, tmp_path, fmt, version
):
    """A dog photo copied over cat0.jpg without a rescan was once written as a cat,
    silently: the label, and the version, are about the bytes that were indexed."""
    root, _ = imagefolder
    create_version(project.db, "v1")
    before = export(project, tmp_path / "before", fmt, ExportOptions(version=version))
    assert before.failed == []
    changed = root / "train/cat/cat0.jpg"
    changed.write_bytes((root / "train/dog/dog0.jpg").read_bytes())  # no rescan

    report = export(project, tmp_path / "after", fmt, ExportOptions(version=version))

    assert _why(report.failed) == [("train/cat/cat0.jpg", CHANGED_SINCE_INDEXED)]
    assert report.written == before.written - 1


@pytest.mark.parametrize("fmt", ["csv", "webdataset"])
def test_a_file_whose_time_alone_moved_is_still_exported(project, imagefolder, tmp_path, fmt):
    """`touch`, a restore or a copied folder moves the time, not the bytes: the image is
    the one the label is about, and was once left out as changed."""
    import os

    root, _ = imagefolder
    create_version(project.db, "v1")
    for path in root.rglob("*.jpg"):  # every file's time, as a copy of the folder would
        st = path.stat()
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    before = export(project, tmp_path / "now", fmt, ExportOptions())
    assert before.failed == [] and before.written == 16
    again = export(project, tmp_path / "v1", fmt, ExportOptions(version="v1"))
    assert again.failed == [] and again.written == 16


def test_webdataset_writes_the_bytes_it_checked(project, imagefolder, tmp_path, monkeypatch):
    """A file whose time moved is hashed to see whether its bytes are still the indexed
    ones; they were then read a second time, and a rewrite in between went into the shard
    under the old label. The bytes written are now the bytes hashed."""
    import json
    import os
    import tarfile

    from labeldesk.interop import placing

    root, _ = imagefolder
    cat = root / "train/cat/cat0.jpg"
    cat_bytes, dog_bytes = cat.read_bytes(), (root / "train/dog/dog0.jpg").read_bytes()
    st = cat.stat()
    os.utime(cat, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))  # the time alone
    real_hash = placing.hash_file

    def hash_then_rewrite(path):
        digest = real_hash(path)
        if path == cat:
            path.write_bytes(dog_bytes)  # another program writes just after the check
        return digest

    monkeypatch.setattr(placing, "hash_file", hash_then_rewrite)
    report = export(project, tmp_path / "out", "webdataset", ExportOptions())
    assert report.failed == []
    samples: dict[str, dict[str, bytes]] = {}
    for shard in (tmp_path / "out").glob("*.tar"):
        with tarfile.open(shard) as tar:
            for m in tar.getmembers():
                key, _, suffix = m.name.partition(".")
                samples.setdefault(key, {})[suffix] = tar.extractfile(m).read()
    by_path = {json.loads(s["json"])["path"]: s for s in samples.values()}
    assert by_path["train/cat/cat0.jpg"]["jpg"] == cat_bytes  # the bytes it checked


def test_a_copy_is_judged_by_the_bytes_copied(project, imagefolder, tmp_path, monkeypatch):
    """The same for copies: a source rewritten between its hash and its copy was copied
    under the old label. The copy itself is judged now."""
    import os

    from labeldesk.interop import placing

    root, _ = imagefolder
    cat = root / "train/cat/cat0.jpg"
    cat_bytes, dog_bytes = cat.read_bytes(), (root / "train/dog/dog0.jpg").read_bytes()
    st = cat.stat()
    os.utime(cat, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    real_hash = placing.hash_file

    def hash_then_rewrite(path):
        digest = real_hash(path)
        if path == cat:
            path.write_bytes(dog_bytes)
        return digest

    monkeypatch.setattr(placing, "hash_file", hash_then_rewrite)
    report = export(project, tmp_path / "out", "csv", ExportOptions())
    copy = tmp_path / "out/images/train/cat/cat0.jpg"
    assert report.failed == [] and copy.read_bytes() == cat_bytes

    (tmp_path / "out2").mkdir()
    cat.write_bytes(dog_bytes)  # now really rewritten, same time as the touch
    os.utime(cat, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    again = export(project, tmp_path / "out2" / "x", "csv", ExportOptions())
    assert _why(again.failed) == [("train/cat/cat0.jpg", CHANGED_SINCE_INDEXED)]
    assert not (tmp_path / "out2/x/images/train/cat/cat0.jpg").exists()  # copy removed
    assert (tmp_path / "out2/x/images/val/cat/cat0.jpg").exists()


@pytest.mark.parametrize("then_deleted", [False, True])
def test_a_rewrite_just_before_the_copy_is_caught(
    project, imagefolder, tmp_path, monkeypatch, then_deleted
):
    """With the time not yet moved at the check, a rewrite between the check and the copy
    went out under the old label: the copy is what gets judged. With the source deleted
    just after the copy, the check raised before the copy it could not vouch for was
    removed, and a dog went out labeled cat."""
    from labeldesk.interop import placing

    root, _ = imagefolder
    cat = root / "train/cat/cat0.jpg"
    dog_bytes = (root / "train/dog/dog0.jpg").read_bytes()
    real_copy = placing._copy_new

    def rewrite_then_copy(src, dst):
        if Path(src) != cat:
            return real_copy(src, dst)
        cat.write_bytes(dog_bytes)  # another program saves over it right now
        done = real_copy(src, dst)
        if then_deleted:
            cat.unlink()
        return done

    monkeypatch.setattr(placing, "_copy_new", rewrite_then_copy)
    report = export(project, tmp_path / "out", "imagefolder", ExportOptions())
    assert _why(report.failed) == [("train/cat/cat0.jpg", CHANGED_SINCE_INDEXED)]
    assert not (tmp_path / "out/train/cat/cat0.jpg").exists()


def test_a_target_with_coarse_times_does_not_make_the_export_hash_everything(
    project, tmp_path, monkeypatch
):
    """On a drive that keeps times to 2 s (FAT), the copies' times never match the
    index: every image was read back and hashed."""
    import os

    from labeldesk.interop import placing

    real_utime, hashed = os.utime, []

    def coarse_utime(path, times=None, *, ns=None, **kwargs):
        if ns is not None:
            ns = tuple(t // 2_000_000_000 * 2_000_000_000 for t in ns)
        return real_utime(path, times, ns=ns, **kwargs) if ns else real_utime(path, times)

    monkeypatch.setattr(os, "utime", coarse_utime)
    monkeypatch.setattr(placing, "hash_file", lambda p: hashed.append(p) or "")
    report = export(project, tmp_path / "out", "imagefolder", ExportOptions())
    assert report.failed == [] and report.written > 0 and hashed == []


@pytest.mark.parametrize("fmt", ["csv", "imagefolder", "hf", "webdataset"])
def test_a_file_replaced_with_the_same_size_and_time_is_not_exported_under_its_label(
    project, imagefolder, tmp_path, fmt
):
    """Another image of the same size copied over one since the last scan, its time put
    back (``cp -p`` or a restore from an archive whose files share a time): its size and
    time are the indexed ones, and the export shipped it under the old label. A copy is
    judged by its bytes. (A re-scan would see it: its change time moved.)"""
    import os

    from PIL import Image

    root, _ = imagefolder
    cat = root / "train/cat/cat0.jpg"
    st = cat.stat()
    other = tmp_path / "other.jpg"
    Image.new("RGB", (8, 8), (1, 2, 3)).save(other)
    data = other.read_bytes()
    data = data[: st.st_size].ljust(st.st_size, b"\0")  # the same size: bytes a JPEG
    cat.write_bytes(data)  # reader stops short of are padding, and no scan reads them
    os.utime(cat, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert (cat.stat().st_size, cat.stat().st_mtime_ns) == (st.st_size, st.st_mtime_ns)

    report = export(project, tmp_path / "out", fmt, ExportOptions())
    assert _why(report.failed) == [("train/cat/cat0.jpg", CHANGED_SINCE_INDEXED)]
    assert all(data not in p.read_bytes() for p in (tmp_path / "out").rglob("*") if p.is_file())


def _why(failed: list[dict]) -> list[tuple[str, str]]:
    """(path, reason) of each failed image (each also says its hash, label and split)."""
    return [(row["path"], row["reason"]) for row in failed]
