"""Relabeling an ImageFolder (or Hugging Face) export by moving its files to other class
folders, as one does in a file manager, then importing it: each moved file's image takes
its new class, also where its bytes alone cannot say which image it is (exact copies, a
GIF written as a PNG), and an image without a split keeps none."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from PIL import Image

from labeldesk.cli import main
from labeldesk.core.project import open_project
from labeldesk.interop.export import export
from tests.helpers import write_image


def _project(tmp_path: Path) -> Path:
    root = tmp_path / "im"
    write_image(root / "train/cat/twin.png", size=(16, 12), fmt="PNG", seed=1)
    (root / "train/cat/sub").mkdir()
    (root / "val/dog").mkdir(parents=True)
    shutil.copyfile(root / "train/cat/twin.png", root / "train/cat/sub/twin.png")
    shutil.copyfile(root / "train/cat/twin.png", root / "val/dog/twin.png")
    write_image(root / "train/dog/plain.png", size=(16, 12), fmt="PNG", seed=2)
    write_image(root / "cat/no split.png", size=(16, 12), fmt="PNG", seed=3)
    frames = [Image.new("P", (16, 12), i) for i in (5, 9)]
    frames[0].save(root / "train/dog/anim ü.gif", save_all=True, append_images=frames[1:])
    path = tmp_path / "p"
    assert main(["new", str(path), "--images", str(root), "--classes", "cat,dog,bird"]) == 0
    return path


def _stored(path: Path) -> dict[str, tuple[str | None, str | None]]:
    with open_project(path) as project:
        rows = project.db.query("SELECT path, label, split FROM images")
    return {p: (label, split) for p, label, split in rows}


def _move(out: Path, written: str, to_class: str) -> None:
    source = out / written
    target = source.parent.parent / to_class / source.name
    target.parent.mkdir(exist_ok=True)
    source.rename(target)


@pytest.mark.parametrize("fmt", ["imagefolder", "hf"])
def test_files_moved_to_other_class_folders_relabel_their_images(tmp_path, fmt):
    path = _project(tmp_path)
    out = tmp_path / "out"
    with open_project(path) as project:
        export(project, out, fmt)
    manifest = json.loads((out / "labeldesk-export.json").read_text())
    written = {f["path"]: f["path"] for f in manifest["files"]}
    written.update({source: file for file, source in manifest["renamed"].items()})
    gif = "train/dog/anim ü.gif"
    if fmt == "imagefolder":
        assert written[gif] == "train/dog/anim ü.png"  # (torchvision reads no GIF)
    moves = {
        "train/cat/sub/twin.png": "bird",  # one of three copies, renamed twin--<digest>
        "val/dog/twin.png": "cat",  # another copy, of another split
        gif: "cat",
        "cat/no split.png": "dog",  # written to train/, listed as having no split
    }
    for source, to_class in moves.items():
        _move(out, written[source], to_class)
    before = _stored(path)
    assert main(["import", str(path), str(out)]) == 0
    expected = dict(before)
    for source, to_class in moves.items():
        expected[source] = (to_class, before[source][1])
    assert _stored(path) == expected
    assert expected["cat/no split.png"] == ("dog", None)


def test_a_moved_gif_finds_its_image_in_a_project_of_a_copy_of_the_folder(tmp_path):
    """The PNG a GIF was written as, moved, names the GIF by the content hash the
    manifest keeps, so a colleague's project of the same pictures reads it too."""
    path = _project(tmp_path)
    out = tmp_path / "out"
    with open_project(path) as project:
        export(project, out, "imagefolder")
    _move(out, "train/dog/anim ü.png", "bird")
    shutil.copytree(tmp_path / "im", tmp_path / "copy")
    other = tmp_path / "other"
    assert main(["new", str(other), "--images", str(tmp_path / "copy")]) == 0
    assert main(["classes", str(other), "--add", "bird"]) == 0
    assert main(["import", str(other), str(out)]) == 0
    assert _stored(other)["train/dog/anim ü.gif"] == ("bird", "train")
