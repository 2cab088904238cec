"""``--symlink`` onto a disk that holds no symbolic links (a FAT or exFAT USB stick on
Linux: the kernel says EPERM, the FUSE exFAT driver ENOSYS). Found on a real exFAT mount:
the export stopped with 'Function not implemented: <the first image>'; with the
kernel's EPERM each image failed as unreadable and the export said 'none of the 16 images
could be read from the image folder … if the folder moved, run labeldesk scan --images'.
Now it is refused, nothing written, saying why and what to do."""

from __future__ import annotations

import errno
import os

import pytest

from labeldesk.cli import main
from labeldesk.interop import placing
from labeldesk.interop.export import ExportOptions, export
from labeldesk.interop.export_target import ExportTargetError


def _no_symlinks(monkeypatch, code: int) -> None:
    def refuse(src, dst, *args, **kwargs):
        raise OSError(code, os.strerror(code), src, None, dst)  # as symlink() names them

    monkeypatch.setattr(placing.os, "symlink", refuse)


@pytest.mark.parametrize("code", [errno.EPERM, errno.ENOSYS, errno.EOPNOTSUPP])
def test_a_symlink_export_to_a_disk_without_links_is_refused(project, tmp_path, monkeypatch, code):
    out = tmp_path / "stick" / "linked"
    out.parent.mkdir()
    _no_symlinks(monkeypatch, code)
    with pytest.raises(ExportTargetError, match="cannot hold symbolic links") as caught:
        export(project, out, "imagefolder", ExportOptions(link="symlink"))
    assert str(out.parent) in str(caught.value) and "without --symlink" in str(caught.value)
    assert list(out.parent.iterdir()) == []  # nothing written, no staging left


def test_the_command_says_so(project, tmp_path, monkeypatch, capsys):
    out = tmp_path / "linked"
    _no_symlinks(monkeypatch, errno.EPERM)
    assert main(["export", str(project.path), str(out), "--symlink"]) == 1
    err = capsys.readouterr().err
    assert "cannot hold symbolic links" in err and "without --symlink" in err
    assert not out.exists()
