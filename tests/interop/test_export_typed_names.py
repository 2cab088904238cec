"""Layouts that tools read by extension (ImageFolder, Hugging Face's imagefolder) give a
file whose name has no image extension its format's: torchvision and datasets skip
``noext`` silently. The name is recorded in the manifest, so the export read back finds
the image, and it never takes the name of another image in its folder."""

from __future__ import annotations

import json
import os

os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import pytest
from helpers import write_image

from labeldesk.core.create import create_and_index
from labeldesk.core.indexed_files import hash_file
from labeldesk.core.label_files import apply_label_rows
from labeldesk.interop.export import ExportOptions, export
from labeldesk.interop.formats import read_labels


@pytest.fixture
def messy(tmp_path):
    """cat/noext (a PNG without extension) beside cat/noext.png (another PNG), and
    dog/e.v2 (a JPEG whose dot is not an extension)."""
    root = tmp_path / "messy"
    write_image(root / "cat/a.jpg", seed=1)
    write_image(root / "cat/noext", fmt="PNG", seed=3)
    write_image(root / "cat/noext.png", fmt="PNG", seed=4)
    write_image(root / "dog/d.jpg", seed=5)
    write_image(root / "dog/e.v2", fmt="JPEG", seed=6)
    project, _ = create_and_index(tmp_path / "proj", root, workers=1)
    yield root, project
    project.close()


def exported(out):
    """{content hash: path in the export} of every image file."""
    return {
        hash_file(p): p.relative_to(out).as_posix()
        for p in out.rglob("*")
        if p.is_file() and p.name != "labeldesk-export.json"
    }


def test_typed_path():
    from labeldesk.interop.export_names import typed_path

    assert typed_path("cat/noext", "PNG") == "cat/noext.png"
    assert typed_path("dog/e.v2", "JPEG") == "dog/e.v2.jpg"
    assert typed_path("a/b.JPEG", "JPEG") == "a/b.JPEG"  # read case-blind
    assert typed_path("a/b.jpg", "PNG") == "a/b.jpg"  # decoded by content anyway
    assert typed_path("a/b", None) == "a/b"


def test_torchvision_loads_every_image_of_an_imagefolder_export(messy, tmp_path):
    datasets = pytest.importorskip("torchvision.datasets")
    root, project = messy
    out = tmp_path / "out"
    report = export(project, out)
    files = exported(out)
    # noext.png keeps its name; noext gets its format's extension, and another name
    assert files[hash_file(root / "cat/noext.png")] == "train/cat/noext.png"
    noext = files[hash_file(root / "cat/noext")]
    assert noext.startswith("train/cat/noext--") and noext.endswith(".png")
    assert files[hash_file(root / "dog/e.v2")] == "train/dog/e.v2.jpg"
    loaded = datasets.ImageFolder(str(out / "train"))
    assert len(loaded) == report.written == 5
    assert {hash_file(p) for p, _ in loaded.samples} == set(files)
    manifest = json.loads((out / "labeldesk-export.json").read_text())
    assert manifest["renamed"][noext] == "cat/noext"
    assert manifest["renamed"]["train/dog/e.v2.jpg"] == "dog/e.v2"


@pytest.mark.parametrize("fmt", ["imagefolder", "hf"])
def test_the_export_read_back_finds_the_renamed_images(messy, tmp_path, fmt):
    """By bytes (class folders) and by the manifest's names (Hugging Face metadata)."""
    _, project = messy
    project.set_label("dog/d.jpg", None)  # unlabeled: the Hugging Face export has metadata
    out = tmp_path / "out"
    export(project, out, fmt, ExportOptions(include_unlabeled=True))
    if fmt == "hf":
        meta = (out / "train/metadata.jsonl").read_text()
        assert '"cat/noext--' in meta and '"dog/e.v2.jpg"' in meta
    project.set_labels({"cat/noext": "dog", "dog/e.v2": "cat"})  # changed since
    _, rows = read_labels(out)
    assert rows.problems == []
    apply_label_rows(project, rows)
    frame = project.images().set_index("path")
    assert frame.label["cat/noext"] == "cat" and frame.label["dog/e.v2"] == "dog"
    assert frame.label["cat/noext.png"] == "cat"


def test_datasets_loads_every_image_of_a_hugging_face_export(messy, tmp_path):
    datasets = pytest.importorskip("datasets")
    root, project = messy
    out = tmp_path / "out"
    export(project, out, "hf")
    assert not list(out.rglob("metadata.*"))  # the folders are the labels again
    datasets.disable_progress_bars()
    loaded = datasets.load_dataset("imagefolder", data_dir=str(out), cache_dir=str(tmp_path / "c"))
    train = loaded["train"].cast_column("image", datasets.Image(decode=False))
    names = train.features["label"].names
    found = {hash_file(e["image"]["path"]): names[e["label"]] for e in train}
    assert found == {
        hash_file(root / p): p.split("/")[0]
        for p in ("cat/a.jpg", "cat/noext", "cat/noext.png", "dog/d.jpg", "dog/e.v2")
    }
