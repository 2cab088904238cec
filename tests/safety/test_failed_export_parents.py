"""An export (or a new project) into a folder whose parent folders were not there made
them, and a run that failed afterwards (nothing readable, refused, cancelled, an error)
left them behind: empty folders the person never made. A failed run now removes the
folders it made above its target, each only while it is empty, and nothing else: the
folders that were there before, and a made one that something was put in since (with
those above it), stay."""

from __future__ import annotations

import pytest
from helpers import make_imagefolder

import labeldesk.interop.export as export_module
from labeldesk.cli import main
from labeldesk.core.create import create_and_index
from labeldesk.core.errors import LabelDeskError
from labeldesk.interop.export import export


def test_a_failed_export_removes_the_parent_folders_it_made(tmp_path, capsys):
    images = tmp_path / "images"
    make_imagefolder(images)
    project = tmp_path / "p"
    assert main(["new", str(project), "--images", str(images), "--workers", "1"]) == 0
    images.rename(tmp_path / "away")  # its drive unplugged: an empty mount point left
    images.mkdir()
    (tmp_path / "there").mkdir()  # a folder that was there: it stays, empty as it is
    for out in (tmp_path / "new" / "a" / "b" / "out", tmp_path / "there" / "c" / "out"):
        assert main(["export", str(project), str(out)]) == 1
        assert "nothing was exported" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["away", "images", "p", "there"]
    assert not any((tmp_path / "there").iterdir())


def test_only_made_folders_that_are_still_empty_go(tmp_path, project, monkeypatch):
    """A file put into a made folder while the export ran keeps it, and those above."""
    out = tmp_path / "new" / "a" / "b" / "out"

    def fails(*_args, **_kwargs):
        (tmp_path / "new" / "a" / "mine.txt").write_text("put here meanwhile")
        raise RuntimeError("the disk went away")

    monkeypatch.setattr(export_module, "find_leakage", fails)
    with pytest.raises(RuntimeError, match="the disk went away"):
        export(project, out)
    assert sorted(p.name for p in (tmp_path / "new").rglob("*")) == ["a", "mine.txt"]


def test_a_finished_export_keeps_the_folders_it_made(tmp_path, project):
    out = tmp_path / "new" / "a" / "out"
    export(project, out)
    assert (out / "labeldesk-export.json").is_file()


def test_a_failed_new_project_removes_the_parent_folders_it_made(tmp_path):
    images = tmp_path / "images"
    make_imagefolder(images)
    labels = tmp_path / "labels.csv"
    labels.write_text("path,label\nno/such.png,cat\n")
    target = tmp_path / "projects" / "x" / "p"
    with pytest.raises(LabelDeskError, match=r"such\.png"):
        create_and_index(target, images, labels_file=labels, workers=1)
    assert not (tmp_path / "projects").exists()


def test_a_made_folder_is_removed_only_while_empty_and_never_a_link(tmp_path):
    from labeldesk.core.staging import missing_parents, remove_made_parents

    target = tmp_path / "a" / "b" / "c" / "out"
    made = missing_parents(target)
    assert made == [tmp_path / "a" / "b" / "c", tmp_path / "a" / "b", tmp_path / "a"]
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "a" / "b" / "c").symlink_to(tmp_path / "elsewhere")  # not a folder it made
    remove_made_parents(made)
    assert (tmp_path / "a" / "b" / "c").is_symlink() and (tmp_path / "elsewhere").is_dir()
