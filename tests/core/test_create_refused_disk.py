"""`labeldesk new` (and an export) on a disk that is full or refuses writes: the message
says what is wrong and what to do, and no hidden half-made folder is left beside the
target (a full disk used to leave `.NAME.partial-…` with an empty marker in it)."""

from __future__ import annotations

import errno
import json
import sqlite3
from pathlib import Path

import pytest

from labeldesk.cli import main
from labeldesk.core import staging
from labeldesk.core.create import create_and_index
from labeldesk.core.errors import ProjectError
from labeldesk.core.failures import full_disk_of, says_disk_full


def _marker_write_fails(monkeypatch, code: int) -> None:
    real = Path.write_text

    def write_text(self, *args, **kwargs):
        if self.name == staging.MARKER:
            real(self, "")  # the file is made, its bytes are not: as on a full disk
            raise OSError(code, "refused")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", write_text)


@pytest.mark.parametrize(
    ("code", "advice"),
    [
        (errno.ENOSPC, "free some space there and run the command again"),
        (errno.EACCES, "pick a folder you may write to"),
        (errno.EROFS, "pick a folder on a disk that can be written to"),
    ],
)
def test_new_on_a_disk_that_refuses_writes_says_what_to_do_and_leaves_nothing(
    tmp_path, imagefolder, monkeypatch, code, advice
):
    root, _ = imagefolder
    _marker_write_fails(monkeypatch, code)
    with pytest.raises(ProjectError, match=advice) as caught:
        create_and_index(tmp_path / "proj", root, workers=1)
    assert "nothing was created" in str(caught.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["images"]


def test_a_full_disk_while_indexing_says_what_to_do(tmp_path, imagefolder, monkeypatch):
    root, _ = imagefolder
    from labeldesk.core import project as project_module

    def full(*args, **kwargs):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(project_module.Project, "scan", full)
    with pytest.raises(ProjectError, match="no space left on the disk holding") as e:
        create_and_index(tmp_path / "proj", root, workers=1)
    assert type(e.value).__name__ == "DiskFull"  # the kind a full disk has everywhere
    assert full_disk_of(e.value) == tmp_path  # the disk carried (the nearest folder there)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["images"]


@pytest.mark.parametrize("target", ["proj", "made/for/it/proj"])
def test_new_on_a_full_disk_names_the_disk_as_other_commands_do(
    tmp_path, imagefolder, monkeypatch, target
):
    """Every other command says "no space left on the disk holding …" with a folder on it
    (the project, its database); `new` said only "no space left on the disk", with no
    folder to free space in (seen on a real full tmpfs). It names the nearest folder
    that is there: the folders it would have made above the project are gone again."""
    root, _ = imagefolder
    _marker_write_fails(monkeypatch, errno.ENOSPC)
    with pytest.raises(ProjectError) as caught:
        create_and_index(tmp_path / target, root, workers=1)
    assert str(caught.value) == (
        f"cannot create a project at {tmp_path / target}: no space left on the disk holding "
        f"{tmp_path}; free some space there and run the command again; nothing was created"
    )
    assert says_disk_full(str(caught.value))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["images"]


def test_new_on_a_full_disk_reports_the_kind_disk_full(tmp_path, imagefolder, monkeypatch, capsys):
    root, _ = imagefolder
    _marker_write_fails(monkeypatch, errno.ENOSPC)
    assert main(["new", str(tmp_path / "proj"), "--images", str(root), "--json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["kind"] == "DiskFull" and "nothing was created" in doc["error"]
    monkeypatch.undo()
    _marker_write_fails(monkeypatch, errno.EACCES)
    assert main(["new", str(tmp_path / "proj"), "--images", str(root), "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["kind"] == "ProjectError"


def test_an_export_onto_a_full_disk_names_the_target_and_leaves_nothing(
    project, tmp_path, monkeypatch, capsys
):
    _marker_write_fails(monkeypatch, errno.ENOSPC)
    out = tmp_path / "elsewhere" / "out"
    out.parent.mkdir()
    assert main(["export", str(project.path), str(out), "--json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["kind"] == "DiskFull"
    assert str(out) in doc["error"]  # which disk: the export's, not the project's
    assert list(out.parent.iterdir()) == []
