"""An export read back into the project it came from gives every image the label it was
exported with: each format's paths lead back to the project's images (by path suffix)."""

from __future__ import annotations

import pytest
from helpers import write_image

from labeldesk.core.create import create_and_index
from labeldesk.core.label_files import apply_label_rows
from labeldesk.interop.export import export
from labeldesk.interop.formats import read_labels

SOURCE = {"csv": "labels.csv", "parquet": "labels.parquet", "labelstudio": "tasks.json"}
LONG = "x" * 245 + ".png"  # a name LabelDesk shortens when it copies it


def _labels(project) -> dict[str, str | None]:
    frame = project.images()
    return {
        p: (lab if isinstance(lab, str) else None)
        for p, lab in zip(frame.path, frame.label, strict=True)
    }


@pytest.mark.parametrize("fmt", ["csv", "parquet", "fiftyone", "labelstudio"])
def test_an_export_imported_back_restores_the_labels_it_was_exported_with(project, tmp_path, fmt):
    if fmt == "labelstudio":  # its tasks keep the project path of a file it renamed
        write_image(project.root / "train" / "cat" / LONG, fmt="PNG", seed=50)
        project.scan(workers=1)
    exported = _labels(project)
    out = tmp_path / "out"
    export(project, out, fmt)
    swapped = {p: {"cat": "dog", "dog": "cat"}[lab] for p, lab in exported.items() if lab}
    project.set_labels(swapped)  # the project moved on; the export is read back

    _, rows = read_labels(out / SOURCE.get(fmt, ""))  # fiftyone: the folder
    assert rows.problems == [] and not getattr(rows, "unmatched", [])
    apply_label_rows(project, rows)

    assert _labels(project) == exported


def test_an_exports_own_images_as_a_new_project_take_its_labels(tmp_path, project):
    """The other way: the export folder itself as a project (labels.csv's paths)."""
    exported = {p: lab for p, lab in _labels(project).items() if lab}
    export(project, tmp_path / "out", "csv")
    copy, _ = create_and_index(tmp_path / "copy", tmp_path / "out", workers=1)
    rows = read_labels(tmp_path / "out" / "labels.csv")[1]
    apply_label_rows(copy, rows, create_classes=True)
    labels = _labels(copy)
    assert {p.removeprefix("images/"): lab for p, lab in labels.items()} == exported
    copy.close()


def test_label_studio_tasks_without_an_annotation_bring_back_their_split_only(project, tmp_path):
    """An unlabeled image in val comes back in val; a task whose annotation was deleted
    in Label Studio keeps the image's label (it does not unlabel it)."""
    import json

    from labeldesk.interop.writing import ExportOptions

    project.set_splits({"_unlabeled/u0.png": "val"})
    out = tmp_path / "out"
    export(project, out, "labelstudio", ExportOptions(include_unlabeled=True))
    tasks = json.loads((out / "tasks.json").read_text())
    [cat] = [t for t in tasks if t["data"]["path"] == "val/cat/cat0.jpg"]
    del cat["annotations"]  # removed in Label Studio
    (out / "tasks.json").write_text(json.dumps(tasks))
    project.set_splits({"_unlabeled/u0.png": None, "val/cat/cat0.jpg": "test"})

    apply_label_rows(project, read_labels(out / "tasks.json")[1])

    frame = project.images().set_index("path")
    assert frame.split["_unlabeled/u0.png"] == "val" and frame.label.isna()["_unlabeled/u0.png"]
    assert (frame.split["val/cat/cat0.jpg"], frame.label["val/cat/cat0.jpg"]) == ("val", "cat")
