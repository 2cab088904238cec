"""Options that do not go together, or an argument left out that argparse cannot tell is
missing, are usage errors like argparse's own: exit 2 and kind "UsageError" (they exited
1, the code of a command that ran and failed, so a script could not tell them apart)."""

from __future__ import annotations

import json

import pytest

from labeldesk.cli import main

REFUSED = [
    (["train", "{P}", "--train-blocks", "4"], "go with --mode finetune"),
    (["train", "{P}", "--no-reembed"], "go with --mode finetune"),
    (["export", "{P}", "{OUT}", "--seed", "3"], "--seed goes with --make-splits"),
    (["export", "{P}", "{OUT}", "--format", "csv", "--shard-size", "5"], "--shard-size goes"),
    (["drift", "{P}"], "name the new images with --images"),
    (["drift", "{P}", "{OUT}", "--images", "{OUT}2"], "name the new folder once"),
    (["issues", "{P}", "--refit"], "go with --crossfit"),
    (["label", "{P}", "train/cat/cat0.jpg", "dog", "--csv", "{OUT}.csv"], "not both"),
    (["label", "{P}", "train/cat/cat0.jpg"], "give PATH and LABEL"),
    (["review", "{P}", "keep", "train/cat/cat0.jpg", "dog"], "keep takes no LABEL"),
    (["review", "{P}", "relabel", "train/cat/cat0.jpg"], "relabel needs the new LABEL"),
    (["review", "{P}", "keep", "train/cat/cat0.jpg", "--crossfit"], "goes with accept"),
    # options that were silently ignored: `drift --history --html F` wrote no HTML file
    (["drift", "{P}", "--history", "--html", "{OUT}.html"], "--history lists the saved"),
    (["drift", "{P}", "{OUT}", "--history"], "--history lists the saved"),
    (["drift", "{P}", "{OUT}", "--overwrite"], "--overwrite goes with --html"),
    (["scan", "{P}", "--force"], "--force goes with --images"),
    # `label --csv` with a header it cannot read says to name the columns: `label` takes them
    (["label", "{P}", "train/cat/cat0.jpg", "dog", "--path-column", "id"], "go with --csv"),
    # a value an option cannot take exited 1, as if the command had run and failed
    (["export", "{P}", "{OUT}", "--make-splits", "80/10"], "add up to 90"),
    (["export", "{P}", "{OUT}", "--class-map", "cat"], "is not OLD=NEW"),
    (["queue", "{P}", "--strategy", "nope"], "unknown query strategy 'nope'"),
    (["import", "{P}", "{OUT}.csv", "--format", "nope"], "unknown label format 'nope'"),
]


@pytest.mark.parametrize(("argv", "said"), REFUSED)
def test_options_that_do_not_go_together_are_usage_errors(project, tmp_path, capsys, argv, said):
    out = tmp_path / "out"
    argv = [a.replace("{P}", str(project.path)).replace("{OUT}", str(out)) for a in argv]
    before = project.images()
    assert main([*argv, "--json"]) == 2
    error = json.loads(capsys.readouterr().out)
    assert error["kind"] == "UsageError" and said in error["error"]
    assert main(argv) == 2  # the same without --json, written as argparse writes its own
    err = capsys.readouterr().err
    assert err.startswith(f"usage: labeldesk {argv[0]} "), err  # (it had no usage line)
    assert f"\nlabeldesk {argv[0]}: error: " in err and said in err, err
    assert main([*argv, "--no-such-option"]) == 2  # argparse's own, the same shape
    theirs = capsys.readouterr().err
    assert theirs.startswith(f"usage: labeldesk {argv[0]} ")
    assert f"\nlabeldesk {argv[0]}: error: unrecognized arguments" in theirs
    assert not out.exists() and project.images().equals(before)  # nothing done


@pytest.mark.parametrize(
    "extra",
    [
        ["--path-column", "id"],
        ["--label-column", "category"],
        ["--split-column", "part"],
        ["--labels-format", "csv"],
        ["--skip-bad-rows"],
        ["--new-class"],
    ],
)
def test_new_refuses_label_file_options_without_labels(imagefolder, tmp_path, capsys, extra):
    """`new P --images F --path-column id` (the --labels forgotten) made a project from
    the folder names and said nothing of the option."""
    root, _ = imagefolder
    made = tmp_path / "p"
    assert main(["new", str(made), "--images", str(root), *extra, "--json"]) == 2
    error = json.loads(capsys.readouterr().out)
    assert error["kind"] == "UsageError" and "with --labels FILE" in error["error"], error
    assert extra[0] in error["error"]
    assert not made.exists()


def test_new_with_an_unknown_labels_format_is_a_usage_error(imagefolder, tmp_path, capsys):
    """`new P --images F --labels L --labels-format tsvx` exited 1 (a run that failed);
    it is a command line that cannot run as typed, and nothing is made."""
    root, _ = imagefolder
    labels = tmp_path / "labels.csv"
    labels.write_text("path,label\ntrain/cat/cat0.jpg,dog\n", encoding="utf-8")
    made = tmp_path / "p"
    argv = ["new", str(made), "--images", str(root), "--labels", str(labels)]
    assert main([*argv, "--labels-format", "tsvx", "--json"]) == 2
    error = json.loads(capsys.readouterr().out)
    assert error["kind"] == "UsageError" and "unknown label format 'tsvx'" in error["error"]
    assert "--labels-format" in error["error"] and not made.exists()
    assert main([*argv, "--labels-format", "tsv", "--json"]) == 0  # the names it lists work
    assert json.loads(capsys.readouterr().out)["labels"]["format"] == "csv"
