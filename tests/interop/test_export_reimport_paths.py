"""An export read back into its own project gives each label to the image it was exported
from, even where the project has its own top-level ``images/`` folder (the folder the
CSV, Parquet and Label Studio exports keep their copies in)."""

from __future__ import annotations

import pytest
from helpers import write_image

from labeldesk.cli import main
from labeldesk.core.project import open_project


def labels_of(project, paths: list[str]) -> dict[str, str | None]:
    frame = project.images()
    found = dict(zip(frame.path, frame.label, strict=True))
    return {p: found[p] if isinstance(found[p], str) else None for p in paths}


@pytest.mark.parametrize(
    ("fmt", "file"),
    [("csv", "labels.csv"), ("parquet", "labels.parquet"), ("labelstudio", "tasks.json")],
)
def test_reimport_names_the_exported_image_not_one_under_a_real_images_folder(
    tmp_path, fmt, file
):
    root = tmp_path / "im"
    write_image(root / "a.png", fmt="PNG", seed=1)
    write_image(root / "images" / "a.png", fmt="PNG", seed=2)
    write_image(root / "dog" / "b.png", fmt="PNG", seed=3)
    write_image(root / "cat" / "c.png", fmt="PNG", seed=4)
    path = tmp_path / "p"
    assert main(["new", str(path), "--images", str(root)]) == 0
    with open_project(path) as p:
        p.set_labels({"a.png": "dog", "images/a.png": None}, create_classes=True)
        assert labels_of(p, ["a.png", "images/a.png"]) == {"a.png": "dog", "images/a.png": None}
    out = tmp_path / "out"
    args = ["export", str(path), str(out), "--format", fmt, "--include-unlabeled"]
    assert main(args) == 0
    with open_project(path) as p:
        p.set_labels({"a.png": "cat"})  # a later mistake, that the export undoes
    assert main(["import", str(path), str(out / file)]) == 0
    with open_project(path) as p:
        assert labels_of(p, ["a.png", "images/a.png"]) == {"a.png": "dog", "images/a.png": None}
