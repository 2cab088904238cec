"""A labels file that changes nothing says so the same way in every command that applies
one: `label --csv` and `new --labels` said a plain "0 labels applied" (as if the rows had
not been read or matched) where `import` said "nothing changed (the N images it names are
already as it says)", and their --json had no ``unchanged``."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import cli_json, imagefolder_project, make_imagefolder

from labeldesk.cli import main

ROWS = "path,label\n_unlabeled/u0.png,cat\n_unlabeled/u1.png,dog\ntrain/cat/cat0.jpg,cat\n"
SAID = "0 labels applied: nothing changed (the 3 images it names are already as it says)"


@pytest.fixture
def proj(tmp_path: Path, capsys) -> str:
    return imagefolder_project(tmp_path, capsys)


@pytest.mark.parametrize("command", [["label", "{p}", "--csv"], ["import", "{p}"]])
def test_a_csv_applied_twice_says_nothing_changed(proj, tmp_path, capsys, command):
    f = tmp_path / "fixes.csv"
    f.write_text(ROWS)
    args = [a.format(p=proj) for a in command] + [str(f)]
    code, doc = cli_json(capsys, *args)
    assert code == 0 and doc["applied"] == 2 and doc["unchanged"] == 1  # cat0 was a cat

    code, doc = cli_json(capsys, *args)
    assert code == 0 and doc["applied"] == 0 and doc["batch"] is None
    assert doc["unchanged"] == 3 and doc["changed"]["labels"] == 0
    assert main(args) == 0
    said = capsys.readouterr().out
    assert said.splitlines()[0].endswith(SAID) and "undo" not in said


def new_with_labels(tmp_path: Path, capsys, rows: str) -> tuple[Path, Path, dict]:
    """``new --labels`` (``--json``) over a fresh image folder with a CSV of ``rows``:
    the folder, the CSV and the command's document."""
    root = tmp_path / "images"
    make_imagefolder(root)
    f = tmp_path / "labels.csv"
    f.write_text("path,label\n" + rows)
    code, doc = cli_json(capsys, "new", str(tmp_path / "p"), "--images", str(root),
                         "--labels", str(f), "--workers", "1")  # fmt: skip
    assert code == 0
    return root, f, doc


def test_new_with_a_labels_file_its_folders_already_say(tmp_path, capsys):
    root, f, doc = new_with_labels(
        tmp_path, capsys, "train/cat/cat0.jpg,cat\ntrain/dog/dog0.jpg,dog\n"
    )
    assert doc["labels"]["applied"] == 0 and doc["labels"]["unchanged"] == 2
    assert doc["labels"]["changed"]["labels"] == 0
    assert main(["new", str(tmp_path / "q"), "--images", str(root), "--labels", str(f)]) == 0
    said = capsys.readouterr().out
    assert said.startswith(
        f"labels read from {f} as csv: 0 labels applied: nothing changed "
        "(the 2 images it names are already as it says)\n"
    )


def test_new_with_a_labels_file_that_changes_some_counts_both(tmp_path, capsys):
    _, _, doc = new_with_labels(tmp_path, capsys, "_unlabeled/u0.png,cat\ntrain/dog/dog0.jpg,dog\n")
    assert doc["labels"]["applied"] == 1 and doc["labels"]["unchanged"] == 1


@pytest.mark.parametrize(
    "command", [["import", "{p}"], ["new", "{t}/q", "--images", "{t}/images", "--labels"]]
)
def test_rows_left_out_are_not_counted_as_already_as_it_says(proj, tmp_path, capsys, command):
    # (before: "nothing changed (the image it names is already as it says)", then "left
    # out 2 rows": the file names three images, and two of them were not looked at)
    f = tmp_path / "fixes.csv"
    f.write_text("path,label\ntrain/cat/cat0.jpg,cat\nnowhere/a.png,cat\nnowhere/b.png,dog\n")
    args = [a.format(p=proj, t=tmp_path) for a in command] + [str(f), "--skip-bad-rows"]
    assert main(args) == 0
    said = capsys.readouterr().out
    assert said.splitlines()[0].endswith(
        "0 labels applied: nothing changed (the 1 image it applies to is already as it says)"
    )
    assert "left out 2 rows" in said
