"""`labeldesk similar P PATH` on an image whose file was deleted (or moved) since the
last scan, or with such images among its neighbours, listed them from the stored
embeddings as if nothing were amiss; now a note on stderr says how many of the images
shown are gone, names them and gives `labeldesk scan P` as the way on. Only the images
shown are looked at."""

from __future__ import annotations

import json
import os

import pytest
from ml.fake_embeddings import make_clustered_project

from labeldesk.cli import main


@pytest.fixture
def proj(tmp_path):
    project, _ = make_clustered_project(tmp_path)
    path, root = str(project.path), project.root
    project.close()
    return path, root


def _similar(capsys, path, *args):
    assert main(["--json", "similar", path, *args]) == 0
    captured = capsys.readouterr()
    return [r["path"] for r in json.loads(captured.out)], captured.err


def test_all_there_no_note(proj, capsys):
    path, _ = proj
    _, err = _similar(capsys, path, "_unlabeled/u0.png", "-k", "3")
    assert err == ""


def test_the_image_asked_about_and_a_neighbour_gone_are_named(proj, capsys):
    path, root = proj
    shown, _ = _similar(capsys, path, "_unlabeled/u0.png", "-k", "3")
    os.remove(root / "_unlabeled/u0.png")
    os.remove(root / shown[1])
    again, err = _similar(capsys, path, "_unlabeled/u0.png", "-k", "3")
    assert again == shown  # still listed: the project has not been scanned since
    assert err == (
        "note: 2 of the 4 images shown are no longer in the image folder (deleted, moved "
        "or renamed since the last scan; the listing comes from the stored embeddings): "
        f"_unlabeled/u0.png (the image asked about), {shown[1]}; run `labeldesk scan "
        f"{path}` to bring the project up to date (a moved or renamed file is found "
        "again, labels and all)\n"
    )


def test_many_gone_are_counted_and_three_named(proj, capsys):
    path, root = proj
    shown, _ = _similar(capsys, path, "_unlabeled/u0.png", "-k", "5")
    for rel in shown:
        os.remove(root / rel)
    _, err = _similar(capsys, path, "_unlabeled/u0.png", "-k", "5")
    assert err.startswith(
        "note: 5 of the 6 images shown are no longer in the image folder (deleted, moved "
        f"or renamed since the last scan; the listing comes from the stored embeddings): "
        f"{shown[0]}, {shown[1]}, {shown[2]} and 2 more; run `labeldesk scan "
    )


def test_an_image_folder_not_there_is_said_once(proj, capsys):
    path, root = proj
    shown, _ = _similar(capsys, path, "_unlabeled/u0.png", "-k", "3")
    os.rename(root, root.with_name("unplugged"))
    again, err = _similar(capsys, path, "_unlabeled/u0.png", "-k", "3")
    assert again == shown
    assert err == (
        f"note: the image folder {root} is not there (a drive not connected?): the listing "
        "comes from the stored embeddings\n"
    )


def test_the_listing_marks_each_image_whose_file_is_gone(proj, capsys):
    """ld.similar's frame had no word of it (the note is the command's): a
    ``file_missing`` column now, in --json too, and the text marks the row."""
    import labeldesk as ld
    from labeldesk.core.project import open_project

    path, root = proj
    shown, _ = _similar(capsys, path, "_unlabeled/u0.png", "-k", "3")
    os.remove(root / shown[1])
    with open_project(path) as project:
        table = ld.similar(project, "_unlabeled/u0.png", k=3)
    assert list(table.path) == shown and table.file_missing.dtype == bool
    assert list(table.file_missing) == [False, True, False]
    assert main(["--json", "similar", path, "_unlabeled/u0.png", "-k", "3"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["file_missing"] for r in rows] == [False, True, False]
    assert main(["similar", path, "_unlabeled/u0.png", "-k", "3"]) == 0
    lines = capsys.readouterr().out.splitlines()[1:]
    assert [line.endswith("  (file missing)") for line in lines] == [False, True, False]
    assert shown[1] in lines[1]
