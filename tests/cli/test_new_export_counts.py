"""`labeldesk new --labels` over another tool's export (its folders a layout, its file the
whole truth) counts what the file changed: a label the folder names gave that the file
gives again is "already as it says", as `new --labels FILE.csv` and `import` count it.
Before, such labels were counted as applied ("4 labels applied" of a file that changed
no label), in the text and in --json."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import cli_json, write_image

from labeldesk.cli import main


def _tree(root: Path) -> None:
    for i, (split, cls) in enumerate(
        [("train", "cat"), ("train", "cat"), ("train", "dog"), ("test", "dog")]
    ):
        write_image(root / split / cls / f"{i}.png", fmt="PNG", seed=i)


def test_an_imagefolder_export_read_over_its_own_folders_changed_nothing(tmp_path, capsys):
    root = tmp_path / "images"
    _tree(root)
    args = ["--images", str(root), "--labels", str(root), "--labels-format", "imagefolder"]
    code, doc = cli_json(capsys, "new", str(tmp_path / "p"), *args, "--workers", "1")
    assert code == 0
    labels = doc["labels"]
    assert labels["applied"] == 0 and labels["unchanged"] == 4
    assert labels["changed"] == {"labels": 0, "labels_removed": 0, "splits": 0, "statuses": 0}
    assert labels["folder_labels_dropped"] == 0  # each label the file gives again
    assert main(["new", str(tmp_path / "q"), *args, "--workers", "1"]) == 0
    said = capsys.readouterr().out
    assert (
        f"labels read from {root} as imagefolder: 0 labels applied: nothing changed "
        "(the 4 images it names are already as it says)\n"
    ) in said


def test_an_export_that_relabels_one_image_counts_that_one(tmp_path, capsys):
    root = tmp_path / "images"
    _tree(root)
    export = tmp_path / "hf"
    export.mkdir()
    rows = [
        {"file_name": "train/cat/0.png", "label": "cat"},  # as its folder says
        {"file_name": "train/cat/1.png", "label": "dog"},  # relabeled
    ]
    (export / "metadata.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    args = ["--images", str(root), "--labels", str(export / "metadata.jsonl")]
    code, doc = cli_json(capsys, "new", str(tmp_path / "p"), *args, "--workers", "1")
    assert code == 0
    labels = doc["labels"]
    assert labels["applied"] == 1 and labels["unchanged"] == 1
    assert labels["changed"]["labels"] == 1
    # the two dog images the file does not name lost their folder's label: said, counted
    assert labels["folder_labels_dropped"] == 2 and doc["labeled"] == 2
    assert main(["new", str(tmp_path / "q"), *args, "--workers", "1"]) == 0
    said = capsys.readouterr().out
    assert (
        "as hf: 1 label applied\n2 folder labels dropped: the file gives those images no "
        "label (the folders of another tool's export are its layout, not classes), so they "
        "are unlabeled\n"
    ) in said


def test_one_folder_label_dropped_is_said_of_that_image(tmp_path, capsys):
    """The file names three of the four images (one with no label: an export of an image
    it had not labeled), keeping their folders' classes: the one it gives none is said."""
    root = tmp_path / "images"
    _tree(root)
    export = tmp_path / "hf"
    export.mkdir()
    rows = [
        {"file_name": "train/cat/0.png", "label": "cat"},
        {"file_name": "train/cat/1.png", "label": "cat"},
        {"file_name": "train/dog/2.png", "label": "dog"},
        {"file_name": "test/dog/3.png", "label": None},
    ]
    (export / "metadata.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    args = ["--images", str(root), "--labels", str(export / "metadata.jsonl")]
    code, doc = cli_json(capsys, "new", str(tmp_path / "p"), *args, "--workers", "1")
    assert code == 0
    assert doc["labels"]["folder_labels_dropped"] == 1 and doc["labeled"] == 3
    assert main(["new", str(tmp_path / "q"), *args, "--workers", "1"]) == 0
    assert (
        "\n1 folder label dropped: the file gives that image no label (the folders of "
        "another tool's export are its layout, not classes), so it is unlabeled\n"
    ) in capsys.readouterr().out
