"""torchvision's ImageFolder reads no ``.gif`` (its IMG_EXTENSIONS) and skips such files
without a word, so a person training from an ImageFolder export lost every GIF. The
export writes a GIF as a PNG of its first frame, says so, and records it in the
manifest; reading the export back leads each PNG to its GIF."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from helpers import write_image
from PIL import Image

from labeldesk.cli import main
from labeldesk.core.create import create_and_index
from labeldesk.core.indexed_files import hash_file
from labeldesk.core.label_files import apply_label_rows
from labeldesk.core.labels import last_event_id
from labeldesk.interop.export import ExportOptions, export
from labeldesk.interop.formats import read_labels

GIFS = {
    "cat/b.gif": "train/cat/b--",
    "dog/noext": "val/dog/noext.png",
    "dog/UP.GIF": "val/dog/UP.png",
}


def animated(path, colors=((255, 0, 0), (0, 255, 0), (0, 0, 255))):
    path.parent.mkdir(parents=True, exist_ok=True)
    frames = [Image.new("RGB", (20, 20), c) for c in colors]
    frames[0].save(path, "GIF", save_all=True, append_images=frames[1:], duration=50)


@pytest.fixture
def gifs(tmp_path):
    """cat/b.gif (animated) beside cat/b.png; dog/noext (a GIF without extension) and
    dog/UP.GIF (with transparency) in val; plain JPEGs and PNGs around them."""
    root = tmp_path / "gifs"
    write_image(root / "cat/a.jpg", seed=1)
    write_image(root / "cat/b.png", fmt="PNG", seed=2)
    animated(root / "cat/b.gif")
    write_image(root / "dog/d.jpg", seed=3)
    write_image(root / "dog/noext", fmt="GIF", seed=4)
    clear = Image.new("P", (16, 16))
    clear.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    clear.paste(1, (4, 4, 12, 12))
    clear.save(root / "dog/UP.GIF", "GIF", transparency=0)
    project, _ = create_and_index(tmp_path / "proj", root, workers=1)
    project.set_splits({p: "val" for p in ("dog/d.jpg", "dog/noext", "dog/UP.GIF")})
    yield root, project
    project.close()


def written(out) -> list[str]:
    return sorted(
        p.relative_to(out).as_posix()
        for p in out.rglob("*")
        if p.is_file() and p.name != "labeldesk-export.json"
    )


def test_torchvision_loads_every_image_and_gifs_are_their_first_frame(gifs, tmp_path):
    datasets = pytest.importorskip("torchvision.datasets")
    root, project = gifs
    out = tmp_path / "out"
    report = export(project, out)
    files = written(out)
    assert not [f for f in files if f.lower().endswith(".gif")]
    loaded = [*datasets.ImageFolder(str(out / "train")).samples]
    loaded += datasets.ImageFolder(str(out / "val")).samples
    assert len(loaded) == len(files) == report.written == 6
    # each GIF is its first frame, pixel for pixel (transparency kept)
    manifest = json.loads((out / "labeldesk-export.json").read_text())
    assert len(manifest["gif_as_png"]) == len(report.gif_as_png) == 3
    for png in manifest["gif_as_png"]:
        source = root / manifest["renamed"][png]
        assert png.startswith(GIFS[manifest["renamed"][png]])
        with Image.open(out / png) as got, Image.open(source) as gif:
            assert got.format == "PNG"
            assert np.array_equal(np.asarray(got.convert("RGBA")), np.asarray(gif.convert("RGBA")))
        assert manifest["image_hashes"][png] == hash_file(source)  # leads back to the GIF
    assert manifest["renamed"]["train/cat/b.png"] == "cat/b.png"  # b.png keeps its name
    assert hash_file(out / "train/cat/b.png") == hash_file(root / "cat/b.png")


def test_the_export_read_back_changes_nothing_and_restores_the_gifs_labels(gifs, tmp_path):
    _, project = gifs
    out = tmp_path / "out"
    export(project, out)
    state, event = project.images().label.to_dict(), last_event_id(project.db)
    assert apply_label_rows(project, read_labels(out)[1]) == 0
    assert last_event_id(project.db) == event
    project.set_labels({"cat/b.gif": "dog", "dog/noext": "cat", "dog/UP.GIF": "cat"})
    _, rows = read_labels(out)
    assert rows.problems == []
    apply_label_rows(project, rows)
    assert project.images().label.to_dict() == state


def test_another_project_of_the_same_pictures_finds_the_gifs_too(gifs, tmp_path):
    """A PNG written for a GIF holds other bytes, and often another name (``b--….png``
    beside a real ``b.png``): the manifest's hash of the GIF finds it in a project over
    a copy of the image folder (a colleague's), not only in the one it came from."""
    root, project = gifs
    out = tmp_path / "out"
    export(project, out)
    shutil.copytree(root, tmp_path / "copy")
    other, _ = create_and_index(tmp_path / "other", tmp_path / "copy", workers=1)
    with other:
        other.set_labels({"cat/b.gif": "dog", "dog/noext": "cat", "dog/UP.GIF": "cat"})
        _, rows = read_labels(out)
        assert rows.problems == []
        apply_label_rows(other, rows)
        frame, source = other.images(), project.images()
        got = dict(zip(frame.path, zip(frame.label, frame.split, strict=True), strict=True))
        want = dict(zip(source.path, zip(source.label, source.split, strict=True), strict=True))
        assert got == want
        other.set_labels({"dog/noext": "cat", "dog/UP.GIF": "cat"})
        apply_label_rows(other, read_labels(out / "val")[1])  # one split's folder alone
        assert other.images().set_index("path").label[["dog/noext", "dog/UP.GIF"]].tolist() == [
            "dog",
            "dog",
        ]


@pytest.mark.parametrize("link", ["hardlink", "symlink"])
def test_a_linked_export_writes_the_gifs_as_png_files(gifs, tmp_path, link):
    _, project = gifs
    out = tmp_path / "out"
    report = export(project, out, options=ExportOptions(link=link))
    assert len(report.gif_as_png) == 3 and report.failed == []
    assert all(not (out / png).is_symlink() for png in report.gif_as_png)
    assert (out / "train/cat/a.jpg").is_symlink() == (link == "symlink")


def test_only_the_imagefolder_export_converts(gifs, tmp_path):
    """datasets' imagefolder reads .gif: the Hugging Face export copies GIFs as they are."""
    root, project = gifs
    report = export(project, tmp_path / "hf", "hf")
    assert report.gif_as_png == []
    assert "train/cat/b.gif" in written(tmp_path / "hf")
    assert hash_file(tmp_path / "hf/train/cat/b.gif") == hash_file(root / "cat/b.gif")


def test_the_summary_says_so(gifs, tmp_path, capsys):
    _, project = gifs
    out = tmp_path / "out"
    assert main(["export", str(project.path), str(out)]) == 0
    assert "3 GIF images written as PNG (the first frame" in capsys.readouterr().out
    assert main(["export", str(project.path), str(tmp_path / "again"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["gif_as_png"] == 3


def test_a_gif_whose_frame_cannot_be_decoded_is_left_out(gifs, tmp_path, monkeypatch):
    """Listed with its reason, not fatal (bytes that passed the scan rarely fail here)."""
    from labeldesk.interop import gif_frames

    convert = gif_frames.first_frame_png

    def broken(data: bytes) -> bytes:
        return convert(data[:20])  # a GIF cut short

    root, project = gifs
    with pytest.raises(gif_frames.FrameError, match="could not be decoded"):
        broken((root / "cat/b.gif").read_bytes())
    monkeypatch.setattr(gif_frames, "first_frame_png", broken)
    report = export(project, tmp_path / "out")
    assert report.written == 3 and len(report.failed) == 3
    assert all("could not be decoded" in f["reason"] for f in report.failed)


def test_names():
    from labeldesk.interop.export_names import TORCHVISION_READS, png_name, typed_path

    assert png_name("cat/a.gif") == "cat/a.png" and png_name("a/B.GIF") == "a/B.png"
    assert png_name("dog/noext") == "dog/noext.png"
    # a PNG named .gif (content wins): torchvision skips the name, so it gets .png added
    assert typed_path("a/b.gif", "PNG", TORCHVISION_READS) == "a/b.gif.png"
    assert typed_path("a/b.gif", "PNG") == "a/b.gif"  # datasets reads .gif


def test_a_png_named_gif_is_copied_under_a_name_torchvision_reads(tmp_path):
    datasets = pytest.importorskip("torchvision.datasets")
    root = tmp_path / "images"
    write_image(root / "cat/a.jpg", seed=1)
    write_image(root / "dog/fake.gif", fmt="PNG", seed=2)
    project, _ = create_and_index(tmp_path / "proj", root, workers=1)
    with project:
        report = export(project, tmp_path / "out")
    assert report.gif_as_png == [] and written(tmp_path / "out")[-1] == "train/dog/fake.gif.png"
    assert hash_file(tmp_path / "out/train/dog/fake.gif.png") == hash_file(root / "dog/fake.gif")
    assert len(datasets.ImageFolder(str(tmp_path / "out/train"))) == 2
