"""Images named on the command line: a path typed from the current folder (with tab
completion) is that file; a path that names no image says where paths start; an
unknown class says what to do; `review keep PATH LABEL` is refused, not half done."""

from __future__ import annotations

import json

import pandas as pd

from labeldesk.cli import main


def _label_of(project, path: str) -> str | None:
    return project.images().set_index("path").label[path]


def test_a_path_typed_from_the_current_folder_is_that_image(project, capsys, monkeypatch):
    monkeypatch.chdir(project.root.parent)
    typed = f"{project.root.name}/train/cat/cat0.jpg"  # tab-completed from here
    assert main(["label", str(project.path), typed, "dog"]) == 0, capsys.readouterr().err
    assert _label_of(project, "train/cat/cat0.jpg") == "dog"
    assert main(["history", str(project.path), typed]) == 0
    assert "'cat' → 'dog'" in capsys.readouterr().out


def test_a_path_that_names_no_image_says_where_paths_start(project, capsys, monkeypatch):
    monkeypatch.chdir(project.root.parent)
    assert main(["label", str(project.path), "train/cat/nothing.jpg", "dog"]) != 0
    err = capsys.readouterr().err
    assert f"paths are relative to its image folder {project.root}" in err


def test_an_unknown_class_says_how_to_add_it(project, capsys):
    assert main(["label", str(project.path), "train/cat/cat0.jpg", "fox"]) != 0
    err = capsys.readouterr().err
    assert "unknown class" in err and "--new-class" in err
    assert f"`labeldesk classes {project.path} --add fox`" in err  # a command to copy


def test_review_keep_with_a_label_is_refused(project, capsys):
    """`review P keep PATH shirt` verified the old label and dropped "shirt" silently."""
    code = main(["review", str(project.path), "keep", "train/cat/cat0.jpg", "dog"])
    err = capsys.readouterr().err
    assert code != 0 and "keep takes no LABEL" in err and "relabel train/cat/cat0.jpg dog" in err
    assert pd.isna(project.images().set_index("path").status["train/cat/cat0.jpg"])
    assert _label_of(project, "train/cat/cat0.jpg") == "cat"


def test_a_path_naming_two_images_is_refused_not_guessed(tmp_path, capsys, monkeypatch):
    """Run from inside the image folder, `a/x.png` is the image folder's a/x.png and the
    current folder's b/a/x.png: the label went to the second, silently."""
    from helpers import made_project

    from labeldesk.core.project import open_project

    path = made_project(tmp_path, ["a/x.png", "b/a/x.png"])
    monkeypatch.chdir(tmp_path / "im" / "b")
    capsys.readouterr()
    assert main(["label", str(path), "a/x.png", "b", "--json"]) == 1
    out, err = capsys.readouterr()
    assert "names two images" in err and "b/a/x.png" in err and "full path" in err
    assert json.loads(out)["kind"] == "BadArgument"
    with open_project(path) as p:
        assert dict(zip(p.images().path, p.images().label, strict=True)) == {
            "a/x.png": "a",
            "b/a/x.png": "b",
        }
    full = str(tmp_path / "im" / "b" / "a" / "x.png")
    assert main(["label", str(path), full, "a"]) == 0  # the full path says which
    assert main(["label", str(path), "../a/x.png", "b"]) == 0  # only one image
    with open_project(path) as p:
        assert dict(zip(p.images().path, p.images().label, strict=True)) == {
            "a/x.png": "b",
            "b/a/x.png": "a",
        }


def test_a_removed_image_says_it_was_removed_not_that_the_path_is_wrong(project, capsys):
    """A scan that found a file gone removes its image; naming it by its (right) path said
    "1 path not in the project … paths are relative to its image folder", as for a typo."""
    (project.root / "train/cat/cat1.jpg").rename(project.root.parent / "kept.jpg")
    assert main(["scan", str(project.path)]) == 0
    capsys.readouterr()
    for command in (["similar", str(project.path)], ["label", str(project.path)]):
        assert main([*command, "train/cat/cat1.jpg", *(["dog"] if "label" in command else [])]) == 1
        err = capsys.readouterr().err
        assert "train/cat/cat1.jpg was removed from the project: a scan found its file gone" in err
        assert "paths are relative" not in err
        assert f"`labeldesk history {project.path} train/cat/cat1.jpg`" in err
    assert main(["--json", "similar", str(project.path), "train/cat/cat1.jpg"]) == 1
    assert json.loads(capsys.readouterr().out)["kind"] == "UnknownPathError"
    # put back and scanned, it is there again, with its label
    (project.root.parent / "kept.jpg").rename(project.root / "train/cat/cat1.jpg")
    assert main(["scan", str(project.path)]) == 0
    assert _label_of(project, "train/cat/cat1.jpg") == "cat"


def test_a_full_path_outside_the_image_folder_says_so(project, tmp_path, capsys):
    """It said "paths are relative to its image folder … (or give the file's full path)"
    to a person who had given a full path: one of a file outside the image folder."""
    outside = tmp_path / "elsewhere.jpg"
    outside.write_bytes(b"")
    assert main(["similar", str(project.path), str(outside)]) == 1
    err = capsys.readouterr().err
    assert f"{outside}; it is outside the project's image folder {project.root}" in err
    assert "give the file's full path" not in err
