"""An export onto a disk that fills part-way named no folder: Python's file write raises
ENOSPC without a file name, so `labeldesk export` on a real full disk (a 20 MB tmpfs,
every format) said only "no space left on the disk; free some space …", although README
says the export folder is named. The error now names the export folder (the hidden
staging folder it was writing into is gone by then), and nothing is left behind."""

from __future__ import annotations

import errno
import json
import os

import pytest

from labeldesk.cli import main
from labeldesk.interop import placing


@pytest.mark.parametrize("fmt", ["imagefolder", "csv"])
def test_a_disk_that_fills_while_copying_names_the_export_folder(
    tmp_path, project, monkeypatch, capsys, fmt
):
    real = placing._copy_new
    copied = 0

    def fills_up(source, dest):
        nonlocal copied
        copied += 1
        if copied == 3:  # part-way: two images are in the staging folder
            dest.write_bytes(b"")
            dest.unlink()
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))  # as file.write says it
        return real(source, dest)

    monkeypatch.setattr(placing, "_copy_new", fills_up)
    out = tmp_path / "usb" / "out"
    out.parent.mkdir()
    assert main(["export", str(project.path), str(out), "--format", fmt, "--json"]) == 1
    error = json.loads(capsys.readouterr().out)
    assert error["kind"] == "DiskFull"
    assert error["error"].startswith(f"no space left on the disk: {out}; free some space")
    assert list(out.parent.iterdir()) == []  # nothing left behind


def test_a_full_disk_error_that_names_a_file_elsewhere_keeps_it(tmp_path):
    from labeldesk.interop.export import _name_the_target

    staging, target = tmp_path / ".out.partial-1", tmp_path / "out"
    inside = OSError(errno.ENOSPC, "full", str(staging / "a" / "b.png"))
    elsewhere = OSError(errno.ENOSPC, "full", str(tmp_path / "project" / "labeldesk.db"))
    unread = OSError(errno.EIO, "read error")  # not a write: no folder is guessed for it
    for exc in (inside, elsewhere, unread):
        _name_the_target(exc, staging, target)
    assert inside.filename == str(target)
    assert elsewhere.filename == str(tmp_path / "project" / "labeldesk.db")
    assert unread.filename is None
