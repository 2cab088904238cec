"""A label file naming a file the scan skips (a symbolic link out of the image folder, a
file that is not an image) had its label applied and counted: `import` said "2 labels
applied" while `stats` counted one, as it counts no skipped file. Such rows are now left
out and listed with the scan's own reason, in the text and in --json (``skipped_files``),
and no undo batch is made of them alone."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import make_imagefolder, write_image

from labeldesk.cli import main


def _run(capsys, *argv: str) -> dict:
    assert main([*argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def _project(tmp_path: Path, capsys) -> tuple[str, dict[str, str]]:
    images = tmp_path / "images"
    make_imagefolder(images)
    outside = write_image(tmp_path / "elsewhere" / "o.png", fmt="PNG", seed=7)
    (images / "_unlabeled" / "link.png").symlink_to(outside)
    (images / "_unlabeled" / "notes.jpg").write_text("not an image at all\n" * 20)
    project = str(tmp_path / "p")
    scanned = _run(capsys, "new", project, "--images", str(images), "--workers", "1")
    reasons = {s["path"]: s["reason"] for s in scanned["skipped"]}
    assert set(reasons) == {"_unlabeled/link.png", "_unlabeled/notes.jpg"}
    return project, reasons


def test_rows_naming_skipped_files_are_not_applied_and_say_why(tmp_path, capsys):
    project, reasons = _project(tmp_path, capsys)
    labels = tmp_path / "labels.csv"
    labels.write_text(
        "path,label\n_unlabeled/link.png,cat\n_unlabeled/u0.png,dog\n_unlabeled/notes.jpg,dog\n"
    )
    labeled = _run(capsys, "stats", project)["labeled"]
    done = _run(capsys, "import", project, str(labels))
    assert done["applied"] == 1 and done["changed"]["labels"] == 1
    assert done["skipped_files"] == [
        f"line 2: '_unlabeled/link.png': {reasons['_unlabeled/link.png']}",
        f"line 4: '_unlabeled/notes.jpg': {reasons['_unlabeled/notes.jpg']}",
    ]
    assert _run(capsys, "stats", project)["labeled"] == labeled + 1  # as import said
    # the history holds the one label applied, none on a skipped file
    paths = {e.get("path") for e in _run(capsys, "history", project)}
    assert "_unlabeled/u0.png" in paths and not paths & set(reasons)

    # the text says it too, and a file of skipped files alone applies nothing, no batch
    alone = tmp_path / "alone.csv"
    alone.write_text("path,label\n_unlabeled/link.png,cat\n")
    assert main(["import", project, str(alone)]) == 0
    text = capsys.readouterr().out
    assert "0 labels applied" in text and "undo" not in text
    assert "1 row names a file the scan skips (not applied):" in text
    assert f"line 2: '_unlabeled/link.png': {reasons['_unlabeled/link.png']}" in text
    assert _run(capsys, "import", project, str(alone))["batch"] is None


def test_label_csv_and_new_with_labels_leave_them_out_too(tmp_path, capsys):
    project, reasons = _project(tmp_path, capsys)
    labels = tmp_path / "labels.csv"
    labels.write_text("path,label\n_unlabeled/notes.jpg,cat\n_unlabeled/u1.png,cat\n")
    done = _run(capsys, "label", project, "--csv", str(labels))
    assert done["applied"] == 1
    assert done["skipped_files"] == [
        f"line 2: '_unlabeled/notes.jpg': {reasons['_unlabeled/notes.jpg']}"
    ]
    images = tmp_path / "images"
    made = _run(
        capsys, "new", str(tmp_path / "q"), "--images", str(images), "--labels", str(labels)
    )
    assert made["labels"]["skipped_files"] == done["skipped_files"]


def test_labeling_one_skipped_file_is_refused_saying_why(tmp_path, capsys):
    """`label PROJECT PATH LABEL` on a skipped file said "1 label applied"."""
    project, reasons = _project(tmp_path, capsys)
    labeled = _run(capsys, "stats", project)["labeled"]
    assert main(["label", project, "_unlabeled/link.png", "cat", "--json"]) == 1
    error = json.loads(capsys.readouterr().out)["error"]
    assert f"_unlabeled/link.png is a file the scan skips ({reasons['_unlabeled/link.png']})" in (
        error
    )
    assert _run(capsys, "stats", project)["labeled"] == labeled
    assert _run(capsys, "label", project, "_unlabeled/u2.png", "cat")["applied"] == 1
