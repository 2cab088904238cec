"""A folder named like another tool's split (``dev/``, ``eval/``, ``holdout/``) beside
``train/``: LabelDesk reads only train, val and test (and training, valid, validation,
testing) as splits, so ``dev/cat/a.png`` is an image of a class "dev" with no split. That
stays so (a project indexed so keeps its labels on a rescan), but ``new``, ``scan`` and
the new-project form say so, and what to rename the folder to."""

from __future__ import annotations

import json

import pytest
from helpers import write_image

from labeldesk.cli import main
from labeldesk.core.layout import placement
from labeldesk.core.layout_check import check_layout


def made(root, rels):
    for i, rel in enumerate(sorted(rels)):
        write_image(root / rel, seed=i)
    return root


@pytest.mark.parametrize(
    ("top", "meant"),
    [("dev", "val"), ("eval", "test"), ("Evaluation", "test"), ("holdout", "test"),
     ("heldout", "test"), ("calib", "val")],
)  # fmt: skip
def test_an_unread_split_folder_beside_train_is_warned_about(tmp_path, top, meant):
    root = made(tmp_path / "img", ["train/cat/a.png", "train/dog/b.png", f"{top}/cat/c.png"])
    warnings = check_layout(root)
    assert len(warnings) == 1, warnings
    text = warnings[0].message
    assert text.startswith(f"{top}/ beside train/ looks like a split folder")
    assert f"all its images get the class {top!r} and no split" in text
    assert f"rename it {meant}/" in text
    assert warnings[0].class_name == top and warnings[0].suggested_root is None


def test_hugging_face_names_say_what_datasets_reads_them_as(tmp_path):
    root = made(tmp_path / "img", ["test/cat/a.png", "dev/cat/b.png", "eval/dog/c.png"])
    texts = sorted(w.message for w in check_layout(root))
    assert "(Hugging Face datasets reads it as the validation split)" in texts[0]
    assert "(Hugging Face datasets reads it as the test split)" in texts[1]


@pytest.mark.parametrize(
    "rels",
    [
        ["dev/a.png", "cat/b.png"],  # a class named dev, no split folder anywhere
        ["dev/x/a.png", "cat/b.png"],  # (its subfolders are the class's own)
        ["train/cat/a.png", "dev/b.png"],  # loose images: no class folders in it
        ["train/cat/a.png", "valid/cat/b.png", "validation/dog/c.png", "testing/d/e.png"],
    ],
)
def test_no_warning_where_the_folder_is_a_class_or_a_read_split(tmp_path, rels):
    assert check_layout(made(tmp_path / "img", rels)) == []


def test_reading_is_unchanged_so_a_rescan_keeps_the_labels():
    """``dev/`` stays a class: a project indexed with it is not relabelled by a rescan."""
    assert placement("dev/cat/a.png") == (None, "dev")
    assert placement("valid/cat/a.png") == ("val", "cat")


def test_new_and_scan_warn_in_text_and_json(tmp_path, capsys):
    root = made(tmp_path / "img", ["train/cat/a.png", "dev/cat/b.png", "dev/dog/c.png"])
    assert main(["new", str(tmp_path / "p"), "--images", str(root)]) == 0
    out = capsys.readouterr().out
    assert "warning: dev/ beside train/ looks like a split folder" in out
    assert "rename it val/" in out
    project = tmp_path / "p"
    assert f"then `labeldesk scan {project}`" in out  # how, for the project just made
    assert f"`labeldesk classes {project} --remove dev` removes the class left empty" in out
    assert main(["scan", str(tmp_path / "p"), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert any(w.startswith("dev/ beside train/") for w in data["warnings"])
    assert "dev" in data["classes"]  # what the warning says happened


def test_renamed_as_advised_a_scan_reads_the_split_and_classes(tmp_path, capsys):
    root = made(tmp_path / "img", ["train/cat/a.png", "dev/cat/b.png", "dev/dog/c.png"])
    assert main(["new", str(tmp_path / "p"), "--images", str(root)]) == 0
    (root / "dev").rename(root / "val")
    capsys.readouterr()
    assert main(["scan", str(tmp_path / "p"), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["warnings"] == []
    assert data["moved"] == 2
    assert data["classes"]["dev"] == 0  # left empty, removed as the warning said:
    assert main(["classes", str(tmp_path / "p"), "--remove", "dev"]) == 0
    from labeldesk.core.project import open_project

    with open_project(tmp_path / "p") as p:
        rows = p.db.conn.execute("SELECT path, label, split FROM images ORDER BY path")
        assert [tuple(r) for r in rows] == [
            ("train/cat/a.png", "cat", "train"),
            ("val/cat/b.png", "cat", "val"),
            ("val/dog/c.png", "dog", "val"),
        ]
