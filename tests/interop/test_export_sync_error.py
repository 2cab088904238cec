"""A disk error (EIO) or another failure after an export was renamed into place, as its
folder's entry is synced: the export is undone, so `out` is as it was (the earlier export
whole, or no folder) and nothing of the run stays beside it. Before, the new export stayed
in place holding its staging marker while the command said it failed, and with
--overwrite the earlier export stayed set aside, hidden and unmarked, for good unless a
later export to the same folder came."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest
from safety.killed_runs import tree

from interop.test_export_replaced_cleanup import dead_pid
from labeldesk.cli import main
from labeldesk.core import exchange
from labeldesk.core.staging import MARKER
from labeldesk.interop.export import ExportOptions, export
from labeldesk.interop.export_target import MANIFEST


@pytest.fixture
def fail_sync_once_in_place(monkeypatch):
    """``arm(out, name)``: the first fsync of ``out``'s parent folder once ``out`` holds a
    file of that name (the new export is in place) raises EIO, as a failing disk does
    (``arm(out, name, error)``: raises ``error``)."""
    real = os.fsync
    armed: list[tuple[Path, str, BaseException]] = []

    def fsync(fd: int) -> None:
        if armed:
            out, new_file, error = armed[0]
            st = os.fstat(fd)
            parent = out.parent.exists() and os.stat(out.parent).st_ino == st.st_ino
            if stat.S_ISDIR(st.st_mode) and parent and next(out.rglob(new_file), None):
                armed.clear()
                raise error
        real(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    eio = OSError(errno.EIO, os.strerror(errno.EIO))
    return lambda out, new_file, error=eio: armed.append((out, new_file, error))


def beside(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir())


def test_an_overwrite_undone_after_a_disk_error_leaves_the_earlier_export(
    project, tmp_path, fail_sync_once_in_place, capsys
):
    out = tmp_path / "exports" / "out"
    export(project, out)
    earlier = tree(out)
    project.set_label("_unlabeled/u0.png", "dog")
    fail_sync_once_in_place(out, "u0.png")
    code = main(["export", str(project.path), str(out), "--overwrite"])
    assert code == 1
    said = capsys.readouterr().err
    assert "input/output error" in said
    assert f"nothing was replaced: {out} holds the earlier export, as before" in said
    assert tree(out) == earlier  # whole, and no marker in it
    assert beside(out) == ["out"]  # neither the new export nor a set-aside one
    export(project, out, options=ExportOptions(overwrite=True))  # as if nothing happened
    assert next(out.rglob("u0.png")) and beside(out) == ["out"]


def test_the_two_rename_replacement_is_undone_too(
    project, tmp_path, fail_sync_once_in_place, monkeypatch
):
    monkeypatch.setattr(exchange, "swap", lambda a, b: False)  # no RENAME_EXCHANGE here
    out = tmp_path / "out"
    export(project, out)
    earlier = tree(out)
    project.set_label("_unlabeled/u0.png", "dog")
    fail_sync_once_in_place(out, "u0.png")
    with pytest.raises(OSError, match="nothing was replaced") as raised:
        export(project, out, options=ExportOptions(overwrite=True))
    assert raised.value.errno == errno.EIO
    assert tree(out) == earlier
    assert [name for name in beside(out) if name.startswith(".")] == []


def test_ctrl_c_there_undoes_the_overwrite_too(project, tmp_path, fail_sync_once_in_place):
    out = tmp_path / "out"
    export(project, out)
    earlier = tree(out)
    project.set_label("_unlabeled/u0.png", "dog")
    fail_sync_once_in_place(out, "u0.png", KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        export(project, out, options=ExportOptions(overwrite=True))
    assert tree(out) == earlier
    assert [name for name in beside(out) if name.startswith(".")] == []


def test_a_new_export_undone_after_a_disk_error_leaves_no_folder(
    project, tmp_path, fail_sync_once_in_place
):
    out = tmp_path / "exports" / "out"
    fail_sync_once_in_place(out, MANIFEST)
    with pytest.raises(OSError, match=f"nothing was exported to {out}"):
        export(project, out)
    assert not (tmp_path / "exports").exists()  # the folder it made for it went too
    export(project, out)
    assert (out / MANIFEST).is_file() and not (out / MARKER).exists()


def test_when_the_undo_fails_too_both_exports_are_kept_and_named(
    project, tmp_path, fail_sync_once_in_place, monkeypatch
):
    out = tmp_path / "out"
    export(project, out)
    earlier = tree(out)
    project.set_label("_unlabeled/u0.png", "dog")
    fail_sync_once_in_place(out, "u0.png")
    real_swap = exchange.swap
    swaps: list[int] = []

    def swap_once(a, b):  # the swap in works; the swap back meets the disk's error again
        swaps.append(1)
        if len(swaps) > 1:
            raise OSError(errno.EIO, os.strerror(errno.EIO), str(a), None, str(b))
        return real_swap(a, b)

    monkeypatch.setattr(exchange, "swap", swap_once)
    with pytest.raises(OSError, match="could not be undone") as raised:
        export(project, out, options=ExportOptions(overwrite=True))
    [aside] = [p for p in tmp_path.iterdir() if p.name.startswith(".out.old-")]
    message = str(raised.value.__notes__)
    assert str(aside) in message and str(out) in message
    assert tree(aside) == earlier  # the earlier export, whole, where the message says
    assert next(out.rglob("u0.png")) and (out / MARKER).exists()  # the new one in place
    monkeypatch.setattr(exchange, "swap", real_swap)
    pid = aside.name.split("-")[1]  # the next export runs in a process of its own:
    aside.rename(aside.with_name(aside.name.replace(f"-{pid}-", f"-{dead_pid()}-")))
    export(project, out, options=ExportOptions(overwrite=True))  # it tidies up
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out")] == []
    assert not (out / MARKER).exists()
