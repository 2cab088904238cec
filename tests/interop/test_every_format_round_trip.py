"""Every format LabelDesk both writes and reads, end to end: a curated project (val and
test splits, an unlabeled image, a verified and an excluded one, images in nested
folders, class names with spaces, commas, quotes, accents, a number, words a reader
might take for null or a split) is exported and the export imported into a fresh
project, over the same image folder or over a copy of it (a colleague's project of the
same pictures). Labels and splits come back as they were, and review statuses too
wherever the format holds them (all but the plain ImageFolder)."""

from __future__ import annotations

import os
import shutil

os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import pytest
from helpers import write_image

from labeldesk.core.create import create_and_index
from labeldesk.core.label_files import apply_label_rows
from labeldesk.interop.export import ExportOptions, export
from labeldesk.interop.formats import read_labels

NAMES = ["a b", "x, y", 'say "hi"', "café crème", "-1", "007", "NA", "None", "test", "Val"]
SOURCE = {"csv": "labels.csv", "parquet": "labels.parquet", "labelstudio": "tasks.json"}
HOLDS_STATUS = {"csv", "parquet", "hf", "fiftyone", "labelstudio", "webdataset"}
FORMATS = ["imagefolder", "csv", "parquet", "hf", "fiftyone", "labelstudio", "webdataset"]

State = dict[str, tuple[str | None, str | None, str | None]]


def state(project) -> State:
    """path -> (label, split, status)."""
    frame = project.images()

    def text(value: object) -> str | None:
        return value if isinstance(value, str) else None

    return {
        p: (text(lab), text(split), text(status))
        for p, lab, split, status in zip(
            frame.path, frame.label, frame.split, frame.status, strict=True
        )
    }


@pytest.fixture
def curated(tmp_path):
    """(the project, its image folder): every image at the top or in a folder that is
    no class ("photos 2024/ünï/"), so a fresh project over the folder starts unlabeled
    or with other labels than the export's."""
    root = tmp_path / "images"
    paths = []
    for n in range(22):
        folder = ("", "photos 2024/", "photos 2024/ünï/")[n % 3]
        paths.append(f"{folder}img {n}.png")
        write_image(root / paths[-1], fmt="PNG", seed=300 + n)
    project, _ = create_and_index(tmp_path / "proj", root, workers=1)
    project.add_classes(NAMES)
    labels = {p: NAMES[n % len(NAMES)] for n, p in enumerate(paths) if n != 0}
    splits = {p: ("train", "val", "test", None)[n % 4] for n, p in enumerate(paths)}
    project.set_labels(labels, splits={p: s for p, s in splits.items() if s})
    project.set_label(paths[0], None)  # unlabeled, in test
    project.set_status([paths[1], paths[5]], "verified")
    project.set_status([paths[2]], "excluded")
    yield project, root
    project.close()


def expected(project, fmt: str) -> State:
    found = state(project)
    if fmt in HOLDS_STATUS:
        return found
    return {p: (lab, split, None) for p, (lab, split, _) in found.items()}


@pytest.mark.parametrize("copy", [False, True], ids=["same folder", "a copy of it"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_an_export_imported_into_a_fresh_project_brings_back_every_image_as_it_was(
    curated, tmp_path, fmt, copy
):
    project, root = curated
    out = tmp_path / "out"
    export(project, out, fmt, ExportOptions(include_unlabeled=True, include_excluded=True))
    if copy:
        shutil.copytree(root, tmp_path / "copy")
        root = tmp_path / "copy"
    fresh, _ = create_and_index(tmp_path / "fresh", root, workers=1)
    with fresh:
        _, rows = read_labels(out / SOURCE.get(fmt, ""))
        assert rows.problems == []
        apply_label_rows(fresh, rows, create_classes=True)

        assert state(fresh) == expected(project, fmt)


def by_hash(project) -> dict[str, tuple[str | None, str | None]]:
    """content hash -> (label, split) of every labeled image (the curated images all
    have distinct bytes); a split the project leaves empty is written as train."""
    frame = project.images()
    return {
        h: (lab, split if isinstance(split, str) else "train")
        for h, lab, split in zip(frame.hash, frame.label, frame.split, strict=True)
        if isinstance(lab, str)
    }


def test_the_tools_own_loaders_read_every_class_name_as_it_is(curated, tmp_path):
    """torchvision (numbering every split by the manifest's classes, as the README
    shows), datasets and webdataset read each labeled image with its class name,
    spaces, commas, quotes, accents, numbers and null-like words included."""
    import json

    from labeldesk.core.indexed_files import hash_file

    tv = pytest.importorskip("torchvision.datasets")
    hf = pytest.importorskip("datasets")
    wds = pytest.importorskip("webdataset")
    project, _ = curated
    want = by_hash(project)
    options = ExportOptions(include_unlabeled=True, include_excluded=True)

    export(project, tmp_path / "if", "imagefolder", options)
    classes = json.loads((tmp_path / "if" / "labeldesk-export.json").read_text())["classes"]

    class ExportFolder(tv.ImageFolder):  # as in README, Export
        def find_classes(self, directory):
            return classes, {name: i for i, name in enumerate(classes)}

    found = {}
    for split in ("train", "val", "test"):
        for path, index in ExportFolder(str(tmp_path / "if" / split), allow_empty=True).samples:
            found[hash_file(path)] = (classes[index], split)
    assert found == want  # (_unlabeled/ is no class: its image is not read)

    export(project, tmp_path / "hf", "hf", options)
    hf.disable_progress_bars()
    loaded = hf.load_dataset(
        "imagefolder", data_dir=str(tmp_path / "hf"), cache_dir=str(tmp_path / "c")
    )
    names = {"train": "train", "validation": "val", "test": "test"}
    found = {}
    for split, ds in loaded.items():
        for example in ds.cast_column("image", hf.Image(decode=False)):
            if example["label"] is not None:
                found[hash_file(example["image"]["path"])] = (example["label"], names[split])
    assert found == want

    export(project, tmp_path / "wds", "webdataset", options)
    listed = (tmp_path / "wds" / "classes.txt").read_text(encoding="utf-8").splitlines()
    urls = sorted(str(p) for p in (tmp_path / "wds").glob("*.tar"))
    found = {}
    for sample in wds.WebDataset(urls, shardshuffle=False, empty_check=False):
        if "cls" in sample:
            record = json.loads(sample["json"])
            split = sample["__key__"].split("-")[0]
            found[record["hash"]] = (listed[int(sample["cls"])], split)
    assert found == want
