"""An `export --overwrite` killed while it deletes the export it replaced leaves a hidden
`.out.old-PID-XXXXXX` folder; the next export beside it must recognise and remove it even
when the delete had already taken its manifest (the marker goes in first, comes out last),
and must still leave alone anything LabelDesk did not make."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from labeldesk.core import exchange
from labeldesk.core.staging import MARKER, remove_stale
from labeldesk.interop.export import ExportOptions, export
from labeldesk.interop.export_target import MANIFEST


class Killed(BaseException):
    """Stands for SIGKILL: nothing after it runs, no except clause catches it."""


def dead_pid() -> int:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    return dead.pid


def asides(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.name.startswith(".out.old-"))


def test_a_replaced_export_half_deleted_is_removed_next_time(project, tmp_path, monkeypatch):
    out = tmp_path / "out"
    export(project, out)
    real_unlink = os.unlink

    def unlink(path, *args, **kwargs):
        real_unlink(path, *args, **kwargs)
        if os.path.basename(path) == MANIFEST and asides(tmp_path):
            raise Killed  # the manifest is gone, the rest of the old export is not

    monkeypatch.setattr(os, "unlink", unlink)
    with pytest.raises(Killed):
        export(project, out, options=ExportOptions(overwrite=True))
    monkeypatch.undo()
    [left] = asides(tmp_path)
    assert not (left / MANIFEST).exists() and (left / MARKER).is_file()
    assert any(p.is_file() for p in left.rglob("*") if p.name != MARKER)  # half deleted
    left.rename(left.with_name(f".out.old-{dead_pid()}-abcdef"))  # its process has died
    export(project, out, options=ExportOptions(overwrite=True))
    assert asides(tmp_path) == [] and (out / MANIFEST).is_file()


def test_a_folder_named_like_a_set_aside_export_but_not_made_by_labeldesk_is_kept(tmp_path):
    theirs = tmp_path / f".out.old-{dead_pid()}-abcdef"
    (theirs / "sub").mkdir(parents=True)
    (theirs / "sub" / "notes.txt").write_text("mine")
    assert remove_stale(tmp_path / "out") == []
    assert (theirs / "sub" / "notes.txt").read_text() == "mine"


def test_a_marked_old_export_is_deleted_not_put_back(tmp_path):
    """Marked means its delete had begun: putting it back would restore a partial export."""
    old = tmp_path / f".out.old-{dead_pid()}-abcdef"
    (old / "train").mkdir(parents=True)
    (old / "train" / "a.jpg").write_bytes(b"x")
    (old / MARKER).write_text("{}")
    assert remove_stale(tmp_path / "out") == [old]
    assert not old.exists() and not (tmp_path / "out").exists()


def test_an_earlier_export_holding_a_stale_staging_marker_is_put_back(tmp_path):
    """A run killed just after putting an export in place leaves its staging marker in
    it; an `--overwrite` killed after setting that export aside then had it deleted as a
    delete under way, and the earlier export was lost."""
    old = tmp_path / f".out.old-{dead_pid()}-abcdef"
    (old / "train").mkdir(parents=True)
    (old / "train" / "a.jpg").write_bytes(b"x")
    (old / MANIFEST).write_text("{}")
    (old / MARKER).write_text('{"pid": 1, "target": "/x/out", "created_at": 0}')
    assert remove_stale(tmp_path / "out") == []
    assert (tmp_path / "out" / "train" / "a.jpg").read_bytes() == b"x"


@pytest.mark.parametrize("exchange_works", [True, False], ids=["swapped", "two renames"])
def test_overwrite_drops_a_stale_staging_marker_before_setting_the_export_aside(
    project, tmp_path, monkeypatch, exchange_works
):
    """Set aside by the swap (Linux) or by the first of two renames (where folders
    cannot be swapped), the earlier export holds no staging marker a killed run left."""
    out = tmp_path / "out"
    export(project, out)
    (out / MARKER).write_text('{"pid": 1, "target": "x", "created_at": 0}')  # a killed run's
    if not exchange_works:
        monkeypatch.setattr(exchange, "RENAME_EXCHANGE", 1 << 30)  # the kernel: EINVAL
    real_replace, real_swap = os.replace, exchange.swap

    def replace(src, dst):
        real_replace(src, dst)
        if Path(src) == out:
            assert not (Path(dst) / MARKER).exists()
            raise Killed  # set aside, the new one not yet in place

    def swap(a, b):
        swapped = real_swap(a, b)
        if swapped:
            assert not (Path(a) / MARKER).exists()
            raise Killed  # swapped: the earlier export set aside where the new one waited
        return swapped

    monkeypatch.setattr(os, "replace", replace)
    monkeypatch.setattr(exchange, "swap", swap)
    with pytest.raises(Killed):
        export(project, out, options=ExportOptions(overwrite=True))
    monkeypatch.undo()
    assert len(asides(tmp_path)) == (1 if exchange_works else 2)  # (and the new one)
    for n, left in enumerate(asides(tmp_path)):
        left.rename(left.with_name(f".out.old-{dead_pid()}-abcde{n}"))
    for staged in tmp_path.glob(".out.partial-*"):
        staged.rename(staged.with_name(f".out.partial-{dead_pid()}-abcdef"))
    remove_stale(out)
    assert (out / MANIFEST).is_file() and asides(tmp_path) == []


def test_a_killed_exports_staging_is_removed_by_an_export_to_another_name(project, tmp_path):
    """A run killed mid-export, retried under another name, left a hidden full copy for
    good: only an export to the same name removed it. One this computer made goes now;
    one another computer made (a shared folder: its process may be running there) or
    one without a readable marker stays."""
    import json

    from labeldesk.core.staging import make_staging

    pid = dead_pid()
    ours = make_staging(tmp_path / "first")
    (ours / "images").mkdir()
    (ours / "images" / "a.png").write_bytes(b"x")
    ours = ours.rename(tmp_path / f".first.partial-{pid}-abcdef")
    theirs = make_staging(tmp_path / "shared")
    info = json.loads((theirs / MARKER).read_text())
    (theirs / MARKER).write_text(json.dumps({**info, "made_in": "another-computer"}))
    theirs = theirs.rename(tmp_path / f".shared.partial-{pid}-abcdef")
    older = tmp_path / f".older.partial-{pid}-abcdef"  # a marker without a computer
    older.mkdir()
    (older / MARKER).write_text(json.dumps({"pid": pid}))

    export(project, tmp_path / "second")
    assert not ours.exists()
    assert theirs.is_dir() and older.is_dir() and (tmp_path / "second" / MANIFEST).is_file()


def test_a_half_deleted_export_of_another_name_is_removed(project, tmp_path):
    """A replaced export marked for deletion (by this computer) whose delete was killed:
    an export beside it under another name finishes the delete; an unmarked one, which
    only its own name's next export may put back, stays."""
    from labeldesk.core.staging import mark_for_deletion

    export(project, tmp_path / "first")
    marked = (tmp_path / "first").rename(tmp_path / f".first.old-{dead_pid()}-abcdef")
    mark_for_deletion(marked)
    export(project, tmp_path / "third")
    unmarked = (tmp_path / "third").rename(tmp_path / f".third.old-{dead_pid()}-abcdef")
    export(project, tmp_path / "second")
    assert not marked.exists() and unmarked.is_dir()
    export(project, tmp_path / "fourth")  # (it stays until an export to its own name)
    assert unmarked.is_dir()
    export(project, tmp_path / "third", options=ExportOptions(overwrite=True))
    assert not unmarked.exists() and (tmp_path / "third" / MANIFEST).is_file()


@pytest.mark.parametrize(
    "name", [".data.partial-1733250000123", ".data.partial-1733250000123-abcdef", "...partial-7"]
)
def test_a_folder_only_named_like_a_staging_folder_stops_nothing(project, tmp_path, name):
    """A millisecond timestamp where the pid goes made every export beside it fail
    (os.kill's OverflowError); so did a marked folder whose name leaves no target."""
    import json

    theirs = tmp_path / name
    theirs.mkdir()
    (theirs / "notes.txt").write_text("mine")
    if name.startswith("..."):
        (theirs / MARKER).write_text(json.dumps({"pid": dead_pid()}))
    export(project, tmp_path / "out")
    assert (theirs / "notes.txt").read_text() == "mine" and (tmp_path / "out" / MANIFEST).is_file()


def test_a_timestamp_where_the_pid_goes_of_the_same_name_is_not_probed(tmp_path):
    """(os.kill raised OverflowError for it: the export beside it failed.)"""
    theirs = tmp_path / ".out.partial-1733250000123"
    theirs.mkdir()
    assert remove_stale(tmp_path / "out") == [] and theirs.is_dir()


def test_an_empty_folder_a_killed_delete_left_goes_once_a_minute_old(tmp_path):
    """Killed between a delete's last two steps (the marker, then the folder), a run left
    an empty `.out.old-PID-XXXXXX` that nothing recognised. Empty and a minute old, it
    goes; a younger one (a run may be making it) and one holding anything stay."""
    empty = tmp_path / f".out.old-{dead_pid()}-abcdef"
    empty.mkdir()
    other = tmp_path / f".other.partial-{dead_pid()}-abcdef"  # another name: same
    other.mkdir()
    full = tmp_path / f".out.old-{dead_pid()}-123456"
    full.mkdir()
    (full / "notes.txt").write_text("mine")
    assert remove_stale(tmp_path / "out") == [] and empty.is_dir()
    then = time.time() - 120
    for folder in (empty, other, full):
        os.utime(folder, (then, then))
    assert sorted(remove_stale(tmp_path / "out")) == sorted([empty, other])
    assert (full / "notes.txt").read_text() == "mine"
