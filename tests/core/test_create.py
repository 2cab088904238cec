"""Creating a project: the empty one the GUI fills in, and its failure modes."""

from __future__ import annotations

import pytest

from labeldesk.core.create import create_empty
from labeldesk.core.errors import ImageRootError, ProjectError
from labeldesk.core.project import open_project


def test_empty_project_is_renamed_into_place_and_a_scan_fills_it(tmp_path, imagefolder):
    root, _ = imagefolder
    path = create_empty(tmp_path / "proj", root, classes=["cat", "dog"])
    assert path == (tmp_path / "proj").resolve()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    with open_project(path) as project:
        assert len(project.images()) == 0 and project.classes() == ["cat", "dog"]
        assert project.root == root.resolve()
        counts = project.scan(workers=1)
        assert counts.added == len(project.images()) > 0


def test_empty_project_refuses_a_used_folder_or_a_missing_image_folder(tmp_path, imagefolder):
    root, _ = imagefolder
    used = tmp_path / "used"
    used.mkdir()
    (used / "notes.txt").write_text("mine")
    with pytest.raises(ProjectError):
        create_empty(used, root)
    assert (used / "notes.txt").read_text() == "mine"
    with pytest.raises(ImageRootError):
        create_empty(tmp_path / "new", tmp_path / "no-such-folder")
    assert not (tmp_path / "new").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".new")]  # no staging left


def test_a_crashed_creations_staging_folder_is_removed_but_nothing_else(tmp_path, imagefolder):
    import subprocess
    import sys

    root, _ = imagefolder
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f".proj.partial-{dead.pid}-abcdef"
    stale.mkdir()
    (stale / ".labeldesk-staging").write_text("{}")
    (stale / "labeldesk.db").write_bytes(b"half")
    unmarked = tmp_path / f".proj.partial-{dead.pid}-123456"  # our name, no marker: kept
    unmarked.mkdir()
    (unmarked / "precious.txt").write_text("not ours")
    path = create_empty(tmp_path / "proj", root)
    assert path.is_dir() and not stale.exists()
    assert (unmarked / "precious.txt").read_text() == "not ours"
    assert not (path / ".labeldesk-staging").exists()  # the marker never lands


def test_a_project_folder_is_refused_as_an_image_folder(tmp_path, imagefolder, capsys):
    """`new myproj2 --images myproj` indexed the thumbnail cache: one class, `thumbs`."""
    from labeldesk.cli import main
    from labeldesk.core.create import create_and_index

    root, _ = imagefolder
    project, _ = create_and_index(tmp_path / "proj", root, workers=1)
    project.close()
    for make in (create_and_index, create_empty):
        with pytest.raises(ImageRootError, match="is a LabelDesk project folder") as caught:
            make(tmp_path / "proj2", tmp_path / "proj")
        assert f"the image folder that project indexes ({root.resolve()})" in str(caught.value)
        assert not (tmp_path / "proj2").exists()
    assert main(["new", str(tmp_path / "proj2"), "--images", str(tmp_path / "proj")]) == 1
    assert "is a LabelDesk project folder (it holds labeldesk.db)" in capsys.readouterr().err
    assert not (tmp_path / "proj2").exists()
    # Nor may a project be pointed at one (scan --images): nothing changes.
    other, _ = create_and_index(tmp_path / "other", root, workers=1)
    with other:
        with pytest.raises(ImageRootError, match="is a LabelDesk project folder"):
            other.relocate(tmp_path / "proj", force=True)
        assert other.db.get_meta("image_root") == str(root.resolve())


def test_the_marker_a_new_killed_as_it_finished_left_goes_when_the_project_opens(
    tmp_path, imagefolder
):
    """`labeldesk new` killed between renaming its project into place and deleting the
    staging marker in it left the marker there for good; the next open removes it, and
    only a marker it wrote (not a folder or another file of that name, not the marker of
    a project still being built in its staging folder)."""
    import json
    import shutil

    from labeldesk.core.staging import MARKER, make_staging

    root, _ = imagefolder
    path = create_empty(tmp_path / "proj", root)
    marker = {"pid": 4242, "target": str(path), "created_at": 0.0, "made_in": "x"}
    (path / MARKER).write_text(json.dumps(marker))
    open_project(path).close()
    assert not (path / MARKER).exists()

    for theirs in ("notes", json.dumps({"pid": 1}), json.dumps([marker])):
        (path / MARKER).write_text(theirs)  # a file of that name LabelDesk did not write
        open_project(path).close()
        assert (path / MARKER).read_text() == theirs
    (path / MARKER).unlink()
    (path / MARKER).mkdir()  # a folder of that name
    (path / MARKER / "mine.txt").write_text("mine")
    open_project(path).close()
    assert (path / MARKER / "mine.txt").read_text() == "mine"

    building = make_staging(tmp_path / "other")  # a project being built: its marker stays
    shutil.copy2(path / "labeldesk.db", building / "labeldesk.db")
    open_project(building).close()
    assert json.loads((building / MARKER).read_text())["target"] == str(tmp_path / "other")
