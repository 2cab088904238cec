"""LabelDesk's own CSV export must read back as the same labels and splits, even for
class and file names a spreadsheet or a naive CSV reader would mangle."""

from __future__ import annotations

import csv

import pytest
from helpers import write_image

from interop.label_states import by_content
from labeldesk.cli import main
from labeldesk.core.project import open_project

HOSTILE_CLASSES = (  # formula text cannot be a class at all (core.classes); -1 can
    "-1",
    "-0.5",
    'say "hi", then leave',
    "'quoted",
    "猫 café",
)
HOSTILE_FILES = ("comma,name.png", 'quote"name.png', "line\nbreak.png", "=formula.png")


def neutralise(csv_file) -> None:
    """Rewrite ``csv_file`` the way OWASP advises (and LabelDesk's exporter does): a
    cell that starts with = + - @ tab or CR gets a leading quote. Idempotent."""
    with open(csv_file, newline="") as f:
        rows = list(csv.reader(f))
    with open(csv_file, "w", newline="") as f:
        csv.writer(f).writerows(
            [["'" + c if c[:1] in ("=", "+", "-", "@", "\t", "\r") else c for c in r] for r in rows]
        )


@pytest.mark.parametrize("neutralised", [False, True])
def test_csv_export_reads_back_with_the_same_labels_and_splits(
    project, imagefolder, tmp_path, neutralised
):
    root, _ = imagefolder
    for n, name in enumerate(HOSTILE_FILES):
        write_image(root / "_unlabeled" / name, fmt="PNG", seed=500 + n)
    project.scan(workers=1)
    frame = project.images()
    targets = [*sorted(frame.path[frame.label.isna()]), "train/cat/cat0.jpg", "val/dog/dog1.jpg"]
    project.set_labels(
        {p: HOSTILE_CLASSES[i % len(HOSTILE_CLASSES)] for i, p in enumerate(targets)},
        create_classes=True,
    )
    project.set_splits({targets[0]: "test", targets[1]: "val"})
    original = by_content(project)
    assert len(original) == len(frame) and set(HOSTILE_CLASSES) <= set(project.classes())
    project.close()

    out, copy = tmp_path / "out", tmp_path / "copy"
    assert main(["export", str(project.path), str(out), "--format", "csv"]) == 0
    if neutralised:
        neutralise(out / "labels.csv")
        assert "'-1," in (out / "labels.csv").read_text()
    args = ["new", str(copy), "--images", str(out), "--labels", str(out / "labels.csv")]
    assert main(args) == 0
    with open_project(copy) as reopened:
        assert by_content(reopened) == original
