"""`embed` with the whole image folder gone (moved, renamed, a drive not mounted) said
"0 images embedded … 16 could not be read" and exited 0, as if the run had done its
work; now it is an error naming the folder and the command for a folder that moved,
and nothing is embedded. A file or two that cannot be read stays a reported failure."""

from __future__ import annotations

import pytest

from labeldesk.cli import main
from labeldesk.core.errors import ImageRootError
from labeldesk.ml import runtime
from labeldesk.ml.embed import embed_project
from labeldesk.ml.store import unembedded

from .test_finetune_unreadable import tiny_timm_backbone, two_classes  # noqa: F401


@pytest.fixture
def tiny_model(tmp_path, monkeypatch):
    monkeypatch.setattr(runtime, "CPU_RUNTIME", "torch")
    tiny_timm_backbone(tmp_path)
    return f"{tmp_path / 'tiny.safetensors'}:32"


def test_embed_with_the_image_folder_gone_is_an_error(two_classes, tiny_model, capsys):  # noqa: F811
    project, root = two_classes
    root.rename(root.with_name("unplugged"))
    typed = str(project.path)
    assert main(["embed", typed, "--model", tiny_model, "--device", "cpu"]) == 1
    said = capsys.readouterr().err
    assert f"image folder {root} is missing" in said
    assert "none of the 16 images to embed could be read" in said
    assert f"`labeldesk scan {typed} --images NEW_FOLDER`" in said
    with pytest.raises(ImageRootError):  # the notebook API and the app's job alike
        embed_project(project, tiny_model, device="cpu")

    root.with_name("unplugged").rename(root)  # back: the same command embeds them all
    assert embed_project(project, tiny_model, device="cpu").embedded == 16
    assert unembedded(project) == 0


def test_a_missing_file_in_a_folder_that_is_there_stays_a_reported_failure(
    two_classes,  # noqa: F811
    tiny_model,
):
    project, root = two_classes
    for path in root.rglob("*.png"):
        path.unlink()  # every file gone, the folder still there: not the folder's absence
    report = embed_project(project, tiny_model, device="cpu")
    assert report.embedded == 0 and len(report.failed) == 16


def test_embed_with_the_image_folder_empty_is_an_error(two_classes, tiny_model, capsys):  # noqa: F811
    """A drive not mounted leaves its mount point, an empty folder, on Linux (/mnt/data):
    the folder is there but holds nothing, and embed said "0 images embedded … 16 could
    not be read" and exited 0, although its error names "a drive that is not mounted"
    (export already stops there)."""
    project, root = two_classes
    aside = root.with_name("on-the-drive")
    root.rename(aside)
    root.mkdir()  # the mount point, the drive not mounted on it
    typed = str(project.path)
    assert main(["embed", typed, "--model", tiny_model, "--device", "cpu"]) == 1
    said = capsys.readouterr().err
    assert f"image folder {root} is empty" in said
    assert "none of the 16 images to embed could be read" in said
    root.rmdir()
    aside.rename(root)  # mounted: the same command embeds them all
    assert embed_project(project, tiny_model, device="cpu").embedded == 16
