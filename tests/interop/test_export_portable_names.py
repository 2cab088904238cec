"""Exports to disks that hold fewer names than Linux: USB sticks (FAT32, exFAT), Windows
shares, macOS disks. Nothing of an export may be merged or lost there.

- Names alike but for case (the project's ``Cat/`` and ``cat/`` folders, ``a.png`` and
  ``A.png``) are written apart on every destination: a case-insensitive disk (or a later
  copy onto one) keeps every file, and the export read back leads each to its image.
- A destination that cannot hold a name (``a:b``, ``what?``, ``x.``, ``CON``: simulated
  here by replacing the probe, since this machine has no FAT) refuses a class whose
  folder it would be, with nothing written, and gets an image's file or folder name made
  safe (recorded in the manifest, so importing the export finds the image).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from helpers import made_project

from labeldesk.cli import main
from labeldesk.core.project import open_project
from labeldesk.interop import export_portable
from labeldesk.interop.export import ExportOptions, export, parse_class_map
from labeldesk.interop.export_portable import (
    ExportNameError,
    fold_path,
    holds,
    safe_name,
    windows_problem,
)
from labeldesk.interop.export_target import MANIFEST

IMAGE_FORMATS = ("imagefolder", "hf", "csv", "parquet", "labelstudio", "fiftyone")
LABEL_FILES = {"csv": "labels.csv", "parquet": "labels.parquet", "labelstudio": "tasks.json"}


@pytest.fixture
def fat_destination(monkeypatch):
    """The export's disk holds only the names Windows does (FAT, exFAT, a Windows
    share); the names it was asked about are recorded."""
    asked: list[str] = []

    def fat_holds(folder: Path, name: str) -> bool:
        asked.append(name)
        return windows_problem(name) is None

    monkeypatch.setattr(export_portable, "holds", fat_holds)
    return asked


def written_files(out: Path) -> list[str]:
    return sorted(
        p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file() and p.name != MANIFEST
    )


def import_changes(capsys, project: Path, source: Path) -> dict[str, int]:
    capsys.readouterr()
    assert main(["import", str(project), str(source), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["unmatched"] == [] and report["skipped"] == []
    return report["changed"]


@pytest.mark.parametrize(
    "name",
    ["a:b", "what?", "x|y", "star*", 'say"hi"', "a<b>", "tab\there", "x.", "y ", "CON",
     "nul", "com1", "LPT1.txt", "Aux.tar.gz", "con .txt"],
)  # fmt: skip
def test_names_windows_cannot_hold(name):
    assert windows_problem(name) is not None
    safe = safe_name(name, "some/path", is_file=True)
    assert windows_problem(safe) is None


@pytest.mark.parametrize("name", ["cat", "a.b", "console", "com", "lpt10", "café", "x. y"])
def test_names_windows_holds(name):
    assert windows_problem(name) is None


def test_the_probe_leaves_nothing_behind(tmp_path):
    (tmp_path / "mine.txt").write_text("a person's file")
    assert holds(tmp_path, "a:b") is True  # Linux holds it
    assert holds(tmp_path, "what?") is True
    assert [p.name for p in tmp_path.iterdir()] == ["mine.txt"]


def test_the_probe_sees_a_name_the_disk_changes(tmp_path, monkeypatch):
    """FAT drops a trailing dot without a word: ``x.`` is stored as ``x``."""
    real_open = open

    def fat_open(path, mode="r", *args, **kwargs):
        path = Path(path)
        return real_open(path.with_name(path.name.rstrip(".")), mode, *args, **kwargs)

    monkeypatch.setattr("builtins.open", fat_open)
    assert holds(tmp_path, "x.") is False
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("fmt", ["imagefolder", "hf"])
def test_class_folders_the_destination_cannot_hold_are_refused(tmp_path, fat_destination, fmt):
    path = made_project(
        tmp_path,
        ["a:b/x.png", "what?/y.png", "dog/d.png", "cat/c.png"],
    )
    target = tmp_path / "usb" / "out"
    target.parent.mkdir()
    (target.parent / "notes.txt").write_text("mine")
    with open_project(path) as project, pytest.raises(ExportNameError) as error:
        export(project, target, fmt)
    message = str(error.value)
    assert "nothing was exported" in message
    assert "'a:b' (it holds :)" in message and "'what?' (it holds ?)" in message
    assert "--class-map" in message and "--rename" in message
    assert re.search(r"--class-map .*a:b=a-b", message)
    # nothing written: no export, no staging folder, no probe; the person's file kept
    assert sorted(p.name for p in target.parent.iterdir()) == ["notes.txt"]
    assert {"a:b", "what?"} <= set(fat_destination)
    # renamed for the export, it goes through
    options = ExportOptions(class_map=parse_class_map("a:b=a-b,what?=what"))
    with open_project(path) as project:
        report = export(project, target, fmt, options)
    assert report.written == 4
    assert all(
        windows_problem(part) is None for f in written_files(target) for part in f.split("/")
    )


def test_class_folders_a_linux_disk_holds_are_written_as_before(tmp_path):
    path = made_project(tmp_path, ["a:b/x.png", "what?/y.png", "dog/d.png"])
    with open_project(path) as project:
        export(project, tmp_path / "out", "imagefolder")
    assert written_files(tmp_path / "out") == [
        "train/a:b/x.png", "train/dog/d.png", "train/what?/y.png"
    ]  # fmt: skip


@pytest.mark.parametrize("fmt", ["imagefolder", "hf"])
def test_device_named_class_folders_are_written_where_the_disk_holds_them(tmp_path, fmt):
    """``CON``, ``aux``: Linux (and an exFAT stick mounted there) holds them, so the
    export writes them as they are, as it writes ``a:b``."""
    path = made_project(tmp_path, ["CON/c.png", "aux/a.png", "aux.x/x.png", "dog/d.png"])
    with open_project(path) as project:
        report = export(project, tmp_path / "out", fmt)
    assert report.written == 4
    folders = {f.rsplit("/", 1)[0] for f in written_files(tmp_path / "out")}
    assert {"CON", "aux", "aux.x", "dog"} <= {f.rsplit("/", 1)[-1] for f in folders}


def test_device_named_class_folders_are_refused_where_the_disk_cannot_hold_them(
    tmp_path, fat_destination
):
    path = made_project(tmp_path, ["CON/c.png", "a:b/x.png", "dog/d.png"])
    target = tmp_path / "share" / "out"
    with open_project(path) as project, pytest.raises(ExportNameError) as error:
        export(project, target, "imagefolder")
    message = str(error.value)
    assert "nothing was exported" in message and not target.exists()
    assert "'CON' (it is a name Windows keeps for a device)" in message
    assert re.search(r"--class-map '?CON=CON-class,a:b=a-b", message), message
    options = ExportOptions(class_map=parse_class_map("CON=CON-class,a:b=a-b"))
    with open_project(path) as project:
        assert export(project, target, "imagefolder", options).written == 3
    assert written_files(target) == [
        "train/CON-class/c.png", "train/a-b/x.png", "train/dog/d.png"
    ]  # fmt: skip


@pytest.mark.parametrize("fmt", ["csv", "parquet", "labelstudio", "fiftyone"])
def test_image_names_the_destination_cannot_hold_are_made_safe(
    tmp_path, fat_destination, capsys, fmt
):
    files = ["a:b/x.png", "what?/y.png", "dog/star*.png", "dog/d.png", "x./w.png"]
    path = made_project(tmp_path, files, {"x./w.png": "dog"})
    out = tmp_path / "out"
    with open_project(path) as project:
        report = export(project, out, fmt)
    assert report.written == 5
    written = written_files(out)
    assert all(windows_problem(part) is None for f in written for part in f.split("/")), written
    assert any(f.endswith("/d.png") for f in written)  # a normal name as it was
    manifest = json.loads((out / MANIFEST).read_text())
    assert sorted(manifest["renamed"].values()) == [
        "a:b/x.png",
        "dog/star*.png",
        "what?/y.png",
        "x./w.png",
    ]
    with open_project(path) as project:
        project.set_labels({p: "cat" for p in files}, create_classes=True)  # undone below
    changed = import_changes(capsys, path, out / LABEL_FILES.get(fmt, ""))
    assert changed["labels"] == 5 and changed["splits"] == 0
    with open_project(path) as project:
        frame = project.images()
        labels = dict(zip(frame.path, frame.label, strict=True))
    assert labels == {"a:b/x.png": "a:b", "what?/y.png": "what?", "dog/star*.png": "dog",
                      "dog/d.png": "dog", "x./w.png": "dog"}  # fmt: skip


@pytest.mark.parametrize("fmt", IMAGE_FORMATS)
def test_names_alike_but_for_case_are_written_apart(tmp_path, capsys, fmt):
    """On a case-insensitive disk ``cat/a.png`` would land in ``Cat/a.png``'s folder (or
    be refused as taken): every written path differs from every other in more than case,
    on any destination, and the export read back changes nothing."""
    files = ["dog/D.png", "dog/d.png", "Cat/a.png", "cat/a.png", "cat/b.png"]
    labels = {"Cat/a.png": "Cat", "cat/a.png": "cat", "cat/b.png": "cat"}
    if fmt in ("imagefolder", "hf"):  # Cat/ and cat/ class folders are refused (one folder)
        files, labels = [*files[:2], "cat/e.png"], {}
    path = made_project(tmp_path, files, labels)
    out = tmp_path / "out"
    with open_project(path) as project:
        report = export(project, out, fmt)
    assert report.written == len(files)
    written = written_files(out)
    assert len({fold_path(f) for f in written}) == len(written), written
    if fmt in LABEL_FILES:
        assert import_changes(capsys, path, out / LABEL_FILES[fmt]) == {
            "labels": 0, "labels_removed": 0, "splits": 0, "statuses": 0
        }  # fmt: skip
