"""A PROJECT argument that is not a project folder says which mistake it is and what to
give instead: a path that does not exist, the image folder given where the project was
meant, the project's own database file, or some other file. Each was one sentence, "X is
not a LabelDesk project (no labeldesk.db)", which for the database file contradicted
itself and named no way out."""

from __future__ import annotations

import json

import pytest
from helpers import make_imagefolder

from labeldesk.cli import main
from labeldesk.core.errors import ProjectError
from labeldesk.core.project import open_project


@pytest.fixture
def made(tmp_path):
    root = tmp_path / "my images"
    make_imagefolder(root)
    proj = tmp_path / "proj"
    assert main(["new", str(proj), "--images", str(root), "--workers", "1", "--json"]) == 0
    return proj, root


def _error(capsys, *args: str) -> str:
    capsys.readouterr()
    assert main([*args, "--json"]) == 1
    document = json.loads(capsys.readouterr().out)
    assert document["kind"] == "ProjectError"
    return document["error"]


def test_a_path_that_does_not_exist_says_so(made, capsys):
    proj, _ = made
    error = _error(capsys, "stats", str(proj.parent / "porj"))
    assert "not a LabelDesk project" in error and "there is no such folder" in error


def test_the_image_folder_given_as_the_project_says_how_to_make_one(made, capsys):
    _, root = made
    error = _error(capsys, "stats", str(root))
    assert "not a LabelDesk project" in error and "it holds images" in error
    assert f"labeldesk new PROJECT --images '{root}'" in error


def test_the_database_file_given_as_the_project_names_its_folder(made, capsys):
    proj, _ = made
    error = _error(capsys, "stats", str(proj / "labeldesk.db"))
    assert "database file" in error and f"give its folder instead: {proj}" in error
    assert "(no labeldesk.db)" not in error  # it is the labeldesk.db


def test_another_file_says_a_project_is_a_folder(made, capsys):
    proj, _ = made
    notes = proj.parent / "labels.csv"
    notes.write_text("path,label\n")
    error = _error(capsys, "stats", str(notes))
    assert "is a file" in error and "a project is a folder" in error


def test_an_empty_folder_keeps_the_plain_words(tmp_path):
    with pytest.raises(ProjectError) as caught:
        open_project(tmp_path)
    assert str(caught.value) == f"{tmp_path} is not a LabelDesk project (no labeldesk.db)"


def test_the_folder_above_projects_names_them(made, capsys, monkeypatch):
    proj, _ = made
    monkeypatch.chdir(proj.parent)  # `labeldesk stats .` typed beside the project
    error = _error(capsys, "stats", ".")
    assert error.endswith("(no labeldesk.db), but it holds projects: proj")


def test_a_huge_folder_is_not_listed_to_its_end(tmp_path, monkeypatch):
    """The look for images and projects inside a folder that is not a project stops after
    its budget of entries: it went on reading every entry of a folder it had started
    (a flat folder of a million images, over a network, before the message showed; in the
    app on the GUI thread)."""
    import os

    from labeldesk.core import given_folders

    for i in range(300):
        (tmp_path / f"notes-{i:03d}.txt").write_text("")
    (tmp_path / "zz-last.png").write_bytes(b"")
    read: list[str] = []
    real = os.scandir

    class Counted:
        def __init__(self, path):
            self.inner = real(path)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.inner.close()

        def __iter__(self):
            for entry in self.inner:
                read.append(entry.name)
                yield entry

    monkeypatch.setattr(given_folders.os, "scandir", Counted)
    projects, _ = given_folders._look_inside(tmp_path, budget=20)
    monkeypatch.undo()
    assert projects == []
    assert len(read) <= 21  # its budget, not all 301 entries


def test_the_folder_above_an_image_folder_suggests_the_one_new_accepts(tmp_path, capsys):
    """`stats sample_data` suggested `new PROJECT --images sample_data`, which `new` then
    refused as one level too high (every image would get the class 'fashion'): the hint
    names the folder `new` would take, and that command works as given."""
    top = tmp_path / "sample data"
    make_imagefolder(top / "fashion")  # fashion/ holds train/, val/, test/, _unlabeled/
    error = _error(capsys, "stats", str(top))
    inner = top / "fashion"
    assert f"labeldesk new PROJECT --images '{inner}'" in error
    assert f"--images '{top}'`" not in error
    assert "one level too high" in error
    capsys.readouterr()
    assert main(["new", str(tmp_path / "p"), "--images", str(inner), "--workers", "1"]) == 0
    assert main(["new", str(tmp_path / "q"), "--images", str(top), "--workers", "1"]) != 0
    assert "one level too high" in capsys.readouterr().err  # the folder the hint left out


def test_a_relative_folder_above_an_image_folder_keeps_the_path_as_typed(
    tmp_path, capsys, monkeypatch
):
    make_imagefolder(tmp_path / "sample_data" / "fashion")
    monkeypatch.chdir(tmp_path)
    error = _error(capsys, "stats", "sample_data")
    assert "`labeldesk new PROJECT --images sample_data/fashion`" in error
