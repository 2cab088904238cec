"""LabelDesk → FiftyOne → LabelDesk: an image without a split comes back without one.

Each dataset of LabelDesk's FiftyOne export (``train/``, ``val/``, ``unassigned/``) is
loaded as FiftyOne's ``FiftyOneImageClassificationDatasetImporter`` reads it and written
again as its ``FiftyOneImageClassificationDatasetExporter`` writes by default (see
fiftyone/utils/data/exporters.py and fiftyone/core/utils.py ``UniqueFilenameMaker``): the
files flat in ``data/`` under their own names, a second name ``-2`` (extension aside,
exact copies too), ``labels.json`` with ``classes`` and ``labels`` only, keyed by the new
names, into a new folder of the same dataset names. No LabelDesk manifest is beside it.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from labeldesk.cli import main
from labeldesk.core.project import open_project
from labeldesk.interop.export import ExportOptions, export
from tests.helpers import write_image

FILES = [
    "train/cat/a.png",
    "train/dog/b.png",
    "val/cat/c.png",
    "val/dog/d.png",
    "cat/x.png",  # beside the split folders: labeled, no split
    "dog/x.png",  # the same name: FiftyOne writes it as x-2.png
    "_unlabeled/u.png",  # no label, no split
]
COPIES = {  # exact copies, without a split
    "dog/copy of a.png": "train/cat/a.png",
    "cat/copy of c.png": "val/cat/c.png",  # not in train: no leak
}
RELABEL = {"cat/x.png": "dog"}  # the change made in FiftyOne


def _stored(path: Path) -> dict[str, tuple[str | None, str | None]]:
    with open_project(path) as project:
        rows = project.db.query("SELECT path, label, split FROM images")
    return {p: (label, split) for p, label, split in rows}


def _through_fiftyone(dataset: Path, again: Path, relabel: dict[str, str]) -> None:
    """Load ``dataset`` and export it to ``again`` as FiftyOne does by default;
    ``relabel``: the labels changed meanwhile, by the name of the file in ``dataset``'s
    ``data/`` (the project path, as LabelDesk's export keeps it)."""
    data = json.loads((dataset / "labels.json").read_text(encoding="utf-8"))
    classes = data["classes"]
    files = {
        os.path.splitext(p.relative_to(dataset / "data").as_posix())[0]: p
        for p in (dataset / "data").rglob("*")
        if p.is_file()
    }
    (again / "data").mkdir(parents=True)
    counts: dict[str, int] = {}
    labels: dict[str, int | None] = {}
    for key, target in data["labels"].items():
        source = files[key]
        label = None if target is None else classes[target]
        shown = source.relative_to(dataset / "data").as_posix()
        label = relabel.get(shown, label)
        name, ext = os.path.splitext(source.name)
        counts[name] = counts.get(name, 0) + 1
        if counts[name] > 1:
            name = f"{name}-{counts[name]}"
        shutil.copyfile(source, again / "data" / f"{name}{ext}")
        labels[name] = None if label is None else classes.index(label)
    text = json.dumps({"classes": classes, "labels": labels})
    (again / "labels.json").write_text(text, encoding="utf-8")


def test_an_image_without_a_split_comes_back_without_one_through_fiftyone(tmp_path):
    root = tmp_path / "im"
    for seed, rel in enumerate(FILES, start=1):
        write_image(root / rel, size=(16, 12), fmt="PNG", seed=seed)
    for copy, original in COPIES.items():
        shutil.copyfile(root / original, root / copy)
    path = tmp_path / "p"
    assert main(["new", str(path), "--images", str(root)]) == 0
    before = _stored(path)
    assert before["cat/x.png"] == ("cat", None) and before["dog/copy of a.png"] == ("dog", None)
    assert before["_unlabeled/u.png"] == (None, None)

    out, again = tmp_path / "out", tmp_path / "again"
    with open_project(path) as project:
        report = export(project, out, "fiftyone", ExportOptions(include_unlabeled=True))
    # the images without a split are written apart, counted where they are, and a val
    # image's copy among them is no copy in train
    assert report.per_split == {"train": 2, "val": 2, "unassigned": 5}
    assert report.leakage is not None and report.leakage["images"] == 0
    datasets = sorted(p.name for p in out.iterdir() if p.is_dir())
    assert datasets == ["train", "unassigned", "val"]
    for name in datasets:
        _through_fiftyone(out / name, again / name, RELABEL)
    assert (again / "unassigned/data/x-2.png").is_file()  # renamed apart by FiftyOne

    assert main(["import", str(path), str(again)]) == 0
    expected = {p: (RELABEL.get(p, label), split) for p, (label, split) in before.items()}
    assert _stored(path) == expected
