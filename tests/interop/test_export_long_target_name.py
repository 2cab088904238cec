"""An export (or a new project) to a folder whose name is legal but long, 232 to 255
bytes: its hidden staging folder ``.NAME.partial-PID-XXXXXX`` (and a replaced export's
``.NAME.old-PID-XXXXXX``) would be longer than the 255 bytes a file name may have, so
every such export failed. Those names now carry a shortened NAME and a digest of the
whole one; a killed run's leftovers under them are still found and removed (or put
back) by the next run, and only LabelDesk's own."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from labeldesk.core.create import create_empty
from labeldesk.core.staging import MARKER, aside_name, make_staging, remove_stale
from labeldesk.interop.export import ExportOptions, export
from labeldesk.interop.export_target import MANIFEST

ASCII_250 = "x" * 250
CJK_234 = "数据集" * 26  # 78 characters, 234 bytes


def dead_pid() -> int:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    return dead.pid


def as_dead(folder: Path, pid: int) -> Path:
    """``folder`` renamed as if the run that made it had been process ``pid``."""
    return folder.rename(folder.with_name(re.sub(r"-\d+-", f"-{pid}-", folder.name)))


def hidden(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.name.startswith("."))


@pytest.mark.parametrize("name", [ASCII_250, CJK_234, "y" * 255], ids=["250", "cjk", "255"])
def test_an_export_to_a_long_name_is_written(project, tmp_path, name):
    assert len(name.encode()) in (234, 250, 255)
    out = tmp_path / name
    report = export(project, out, "csv")
    assert report.written == 16 and (out / MANIFEST).is_file()
    again = export(project, out, "csv", ExportOptions(overwrite=True))
    assert again.written == 16 and hidden(tmp_path) == []


def test_a_project_with_a_long_name_is_created(tmp_path, imagefolder):
    root, _ = imagefolder
    assert create_empty(tmp_path / ASCII_250, root).is_dir()
    assert create_empty(tmp_path / CJK_234, root).is_dir() and hidden(tmp_path) == []


@pytest.mark.parametrize("name", [ASCII_250, CJK_234], ids=["250", "cjk"])
def test_staging_names_fit_and_stay_apart(tmp_path, name):
    twin = name[:-1] + ("z" if name.isascii() else "库")  # same shortened prefix
    names = []
    for target in (tmp_path / name, tmp_path / twin):
        staging = make_staging(target)
        names += [staging.name, aside_name(target).name]
    assert all(len(n.encode()) <= 255 for n in names)  # whatever the process id's length
    assert all(name not in n for n in names)
    assert names[0].startswith("." + name[:40]) and names[0] != names[2]
    stems = {n.rsplit(".partial-", 1)[0] for n in names[::2]}
    assert len(stems) == 2  # the digest of the whole name tells them apart


@pytest.mark.parametrize("name", [ASCII_250, CJK_234], ids=["250", "cjk"])
def test_a_killed_exports_shortened_staging_is_removed_by_the_next(project, tmp_path, name):
    out = tmp_path / name
    staging = make_staging(out)
    (staging / "images").mkdir()
    (staging / "images" / "a.png").write_bytes(b"half")
    # another computer's marker: only an export to its own name may remove it
    info = json.loads((staging / MARKER).read_text())
    (staging / MARKER).write_text(json.dumps({**info, "made_in": "another-computer"}))
    left = as_dead(staging, dead_pid())
    export(project, tmp_path / "elsewhere", "csv")
    assert left.is_dir()
    export(project, out, "csv")
    assert not left.exists() and hidden(tmp_path) == [] and (out / MANIFEST).is_file()


def test_a_folder_named_like_a_shortened_staging_but_not_labeldesks_is_kept(tmp_path):
    out = tmp_path / ASCII_250
    theirs = as_dead(make_staging(out), dead_pid())
    (theirs / MARKER).unlink()
    (theirs / "notes.txt").write_text("mine")
    assert remove_stale(out) == []
    assert (theirs / "notes.txt").read_text() == "mine"


def test_a_long_named_export_set_aside_by_a_killed_run_is_put_back(project, tmp_path):
    out = tmp_path / CJK_234
    export(project, out, "csv")
    aside = aside_name(out)
    os.replace(out, aside)  # killed between setting it aside and the new one's rename
    left = as_dead(aside, dead_pid())
    assert CJK_234 not in left.name and len(left.name.encode()) <= 255
    assert remove_stale(out) == []
    assert (out / MANIFEST).is_file() and not left.exists()


def test_a_long_named_export_is_put_back_by_an_export_to_another_name(project, tmp_path):
    """Set aside holding the staging marker a run killed just after its rename left (the
    marker records its target): an export beside it under another name, on the computer
    that made it, puts it back under its whole name, which the folder's name lacks."""
    from labeldesk.core.staging import process_space

    out = tmp_path / ASCII_250
    export(project, out, "csv")
    info = {"pid": 1, "target": str(out), "created_at": 0, "made_in": process_space()}
    (out / MARKER).write_text(json.dumps(info))
    left = as_dead(out.rename(aside_name(out)), dead_pid())
    export(project, tmp_path / "other", "csv")
    assert not left.exists() and (out / MANIFEST).is_file()
