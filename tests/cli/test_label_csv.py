"""`labeldesk label --csv`: one run lists every problem of the file by line, applies nothing."""

from __future__ import annotations

import json
import shlex

from helpers import make_imagefolder

from labeldesk.cli import main


def test_label_csv_lists_every_problem_with_its_line(project, tmp_path, capsys):
    f = tmp_path / "fixes.csv"
    f.write_text(
        "path,label\n"
        "_unlabeled/u0.png,cat\n"
        "nowhere.png,cat\n"
        "_unlabeled/u1.png,fox\n"
        "./_unlabeled/u0.png,dog\n"
    )
    project.close()
    assert main(["label", str(project.path), "--csv", str(f)]) != 0
    err = capsys.readouterr().err
    assert "3 problems, nothing applied" in err
    for expected in (
        "line 3: 'nowhere.png' is not an image in the project",
        "line 4: unknown class 'fox'",
        "line 5: '_unlabeled/u0.png' is labeled 'dog' here but 'cat' on line 2",
    ):
        assert expected in err
    assert "Traceback" not in err
    assert main(["history", str(project.path), "--json", "-n", "1"]) == 0
    [last] = json.loads(capsys.readouterr().out)
    assert last["path"] != "_unlabeled/u0.png"  # nothing was applied


def test_an_unknown_class_in_the_file_names_the_known_classes(project, tmp_path, capsys):
    """`label P PATH fox` named the known classes, `label P --csv FILE` with a row of fox
    did not: both do now, once after the problems (each still by line), nothing applied."""
    f = tmp_path / "fixes.csv"
    f.write_text("path,label\n_unlabeled/u0.png,fox\nnowhere.png,cat\n_unlabeled/u1.png,owl\n")
    project.close()
    assert main(["label", str(project.path), "--csv", str(f)]) == 1
    err = capsys.readouterr().err
    assert "3 problems, nothing applied" in err
    assert "line 2: unknown class 'fox'" in err and "line 4: unknown class 'owl'" in err
    assert "line 3: 'nowhere.png' is not an image in the project" in err
    assert err.count("known classes: 'cat', 'dog'") == 1
    assert err.rstrip().endswith(
        "known classes: 'cat', 'dog'\nadd them first (`labeldesk classes "
        f"{shlex.quote(str(project.path))} --add fox,owl`), or run this command again with "
        "--new-class to add them with the labels"
    )

    f.write_text('[{"path": "_unlabeled/u0.png", "label": "fox"}]')  # a JSON file, --json
    assert main(["label", str(project.path), "--csv", str(f), "--json"]) == 1
    document = json.loads(capsys.readouterr().out)
    assert 'unknown class "fox"' in document["error"]  # (as the JSON file writes it)
    assert "known classes: 'cat', 'dog'\nadd it first" in document["error"]
    assert main(["history", str(project.path), "--json"]) == 0
    assert not [e for e in json.loads(capsys.readouterr().out) if "u0" in e["path"]]


def test_a_project_with_many_classes_names_the_first_few(project, tmp_path, capsys):
    names = [f"class{i:02d}" for i in range(40)]
    project.add_classes(names)
    project.close()
    f = tmp_path / "fixes.csv"
    f.write_text("path,label\n_unlabeled/u0.png,fox\n")
    assert main(["label", str(project.path), "--csv", str(f)]) == 1
    err = capsys.readouterr().err
    known = err.split("known classes: ")[1].splitlines()[0]
    assert known.startswith("'cat', 'dog', 'class00'") and known.endswith("… and 22 more")
    assert "'class17'" in known and "'class18'" not in known


def test_a_file_with_no_unknown_class_names_no_classes(project, tmp_path, capsys):
    f = tmp_path / "fixes.csv"
    f.write_text("path,label\nnowhere.png,cat\n")
    project.close()
    assert main(["label", str(project.path), "--csv", str(f)]) == 1
    assert "known classes" not in capsys.readouterr().err


def test_one_label_and_a_class_edit_name_the_first_few_classes_too(project, capsys):
    """`label PATH LABEL` and `classes --rename` with an unknown class listed every class:
    a line of a thousand names on an ImageNet-sized project."""
    project.add_classes([f"class{i:02d}" for i in range(40)])
    project.close()
    assert main(["label", str(project.path), "_unlabeled/u0.png", "fox"]) == 1
    err = capsys.readouterr().err
    assert "'class17'" in err and "'class18'" not in err and "… and 22 more" in err
    assert main(["classes", str(project.path), "--rename", "fox", "wolf"]) == 1
    err = capsys.readouterr().err
    assert "no class 'fox'" in err and "'class18'" not in err and "… and 22 more" in err


def test_new_with_a_labels_file_says_how_many_labels_it_applied(tmp_path, capsys):
    """`new P --images F --labels FILE` said only "labels read from FILE as csv": not
    whether the file changed any label (the JSON had the row count, the text nothing)."""
    root = tmp_path / "images"
    make_imagefolder(root)
    labels = tmp_path / "labels.csv"
    labels.write_text("path,label\n_unlabeled/u0.png,cat\ntrain/cat/cat0.jpg,dog\n")
    argv = ["new", str(tmp_path / "p"), "--images", str(root), "--labels", str(labels)]
    assert main([*argv, "--workers", "1"]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first == f"labels read from {labels} as csv: 2 labels applied"


def test_the_columns_the_error_asks_for_can_be_named(project, tmp_path, capsys):
    """A header `file,category` made `label --csv` say "name them with --path-column and
    --label-column", options `label` refused as unrecognized: it takes them now."""
    f = tmp_path / "kaggle.csv"
    f.write_text("id,category,part\n_unlabeled/u0.png,dog,val\n", encoding="utf-8")
    project.close()
    proj = str(project.path)
    assert main(["label", proj, "--csv", str(f), "--json"]) == 1
    error = json.loads(capsys.readouterr().out)
    assert "--path-column and --label-column" in error["error"]
    argv = ["label", proj, "--csv", str(f), "--path-column", "id", "--label-column", "category"]
    assert main([*argv, "--split-column", "part", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["changed"]["splits"] == 1
    assert main(["history", proj, "--json", "-n", "1"]) == 0
    [last] = json.loads(capsys.readouterr().out)
    assert (last["path"], last["new"], last["new_split"]) == ("_unlabeled/u0.png", "dog", "val")


def test_a_dash_in_the_file_says_how_a_file_removes_a_label(project, tmp_path, capsys):
    """`label P PATH -` removes a label; the same '-' in a labels file was refused as an
    invalid class name ("cannot start with =, +, - or @ (a spreadsheet would run it as a
    formula)"), which did not say how a file removes one: an empty label."""
    f = tmp_path / "fixes.csv"
    f.write_text("path,label\ntrain/cat/cat0.jpg,-\n")
    project.close()
    assert main(["label", str(project.path), "--csv", str(f)]) == 1
    err = capsys.readouterr().err
    assert "line 2: '-' is not a class: to remove the image's label in a labels file, leave " in err
    assert "formula" not in err
    f.write_text("path,label\ntrain/cat/cat0.jpg,\n")  # as it says
    assert main(["label", str(project.path), "--csv", str(f)]) == 0
    assert "1 label removed" in capsys.readouterr().out
