from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
import pytest
from helpers import BAD_MESSY_FILES, GOOD_MESSY_FILES, make_messy_folder, write_image
from PIL import Image

from labeldesk.core import file_kinds, imageio
from labeldesk.core.imageio import load_rgb, probe_file, to_rgb
from labeldesk.core.indexed_files import thumbnail_path


@pytest.fixture
def messy(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    root = tmp_path / "messy"
    return root, make_messy_folder(root)


def test_good_files_probe_clean_and_get_thumbnails(messy, tmp_path):
    root, _ = messy
    thumbs = tmp_path / "thumbs"
    for rel in GOOD_MESSY_FILES:
        result = probe_file(str(root / rel), str(thumbs))
        assert result.skip_reason is None, (rel, result.skip_reason)
        assert result.hash and result.width and result.height
        thumb = thumbnail_path(thumbs, result.hash)
        with Image.open(thumb) as t:
            assert t.mode == "RGB" and max(t.size) <= imageio.THUMB_LONG_MAX
            assert min(t.size) == min(imageio.THUMB_SHORT_SIDE, result.width, result.height)


@pytest.mark.parametrize("rel, reason", list(BAD_MESSY_FILES.items()))
def test_bad_files_get_a_reason(messy, tmp_path, rel, reason):
    root, _ = messy
    result = probe_file(str(root / rel), str(tmp_path / "thumbs"))
    assert result.skip_reason is not None and result.skip_reason.startswith(reason), result


def test_formats_and_modes_are_recorded(messy):
    root, _ = messy
    assert probe_file(str(root / "good/png_named.jpg")).format == "PNG"
    assert probe_file(str(root / "good/cmyk.jpg")).mode == "CMYK"
    assert probe_file(str(root / "good/animated.gif")).frames == 3
    assert probe_file(str(root / "good/sixteen_bit.png")).mode.startswith("I")


def test_exif_orientation_swaps_recorded_size_and_pixels(messy):
    root, _ = messy
    result = probe_file(str(root / "good/exif_rotated.jpg"))
    assert (result.width, result.height) == (40, 80)  # stored 80×40, displayed rotated
    assert load_rgb(root / "good/exif_rotated.jpg").size == (40, 80)


def test_vanished_and_unreadable_files(tmp_path, monkeypatch):
    assert probe_file(str(tmp_path / "gone.jpg")).skip_reason == "vanished during scan"
    path = write_image(tmp_path / "locked.jpg", seed=1)
    real_open = os.open  # files read as images are opened with os.open (open_regular)

    def deny(file, *args, **kwargs):
        if str(file) == str(path):
            raise PermissionError(13, "Permission denied")
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr("os.open", deny)
    result = probe_file(str(path))
    assert result.skip_reason == "permission denied"
    assert result.size == path.stat().st_size  # stat recorded so the row is complete


def test_to_rgb_converts_every_mode():
    sixteen = Image.fromarray(np.full((4, 4), 65535, dtype=np.uint16))
    assert to_rgb(sixteen).getpixel((0, 0)) == (255, 255, 255)
    cmyk = Image.new("CMYK", (4, 4), (0, 0, 0, 0))
    assert to_rgb(cmyk).getpixel((0, 0)) == (255, 255, 255)
    transparent = Image.new("RGBA", (4, 4), (255, 0, 0, 0))
    assert to_rgb(transparent).getpixel((0, 0)) == (255, 255, 255)  # composited on white
    assert to_rgb(Image.new("L", (4, 4), 10)).getpixel((0, 0)) == (10, 10, 10)


def test_identical_bytes_reuse_thumbnail_without_decoding(tmp_path, monkeypatch):
    a = write_image(tmp_path / "a.jpg", size=(800, 600), seed=3)
    b = tmp_path / "b.jpg"
    b.write_bytes(a.read_bytes())
    thumbs = tmp_path / "thumbs"
    first = probe_file(str(a), str(thumbs))
    real_load = Image.Image.load

    def load(self):
        assert max(self.size) <= imageio.THUMB_LONG_MAX, "decoded the full image again"
        return real_load(self)

    monkeypatch.setattr(Image.Image, "load", load)
    second = probe_file(str(b), str(thumbs))
    assert second.hash == first.hash and second.skip_reason is None
    assert first.phash == second.phash


def test_perceptual_hash_survives_reencoding_and_resizing(tmp_path):
    from helpers import jpeg_bytes

    base = Image.open(io.BytesIO(jpeg_bytes(size=(400, 300), seed=5)))
    smooth = base.resize((20, 15)).resize((400, 300), Image.Resampling.BICUBIC)
    other = (
        Image.open(io.BytesIO(jpeg_bytes(size=(400, 300), seed=6)))
        .resize((20, 15))
        .resize((400, 300), Image.Resampling.BICUBIC)
    )
    buf = io.BytesIO()
    smooth.save(buf, "JPEG", quality=30)
    reencoded = Image.open(io.BytesIO(buf.getvalue()))
    h = imageio.perceptual_hash
    assert imageio.hash_distance(h(smooth), h(reencoded)) <= 4
    assert imageio.hash_distance(h(smooth), h(smooth.resize((100, 75)))) <= 4
    assert imageio.hash_distance(h(smooth), h(other)) >= 16


def test_candidates_by_extension_or_content(messy):
    root, _ = messy
    assert file_kinds.is_candidate(root / "good/no_extension")
    assert file_kinds.is_candidate(root / "good/UPPER.JPG")
    assert not file_kinds.is_candidate(root / "README.txt")


def test_an_image_in_memory_decodes_as_from_its_file(tmp_path):
    """The FIFO check looks at paths only: a cluster worker decodes the bytes it read
    from a BytesIO (the check's stat of one failed every image there)."""
    path = tmp_path / "a.png"
    write_image(path, size=(20, 12), seed=3, fmt="PNG")
    from_file = np.asarray(load_rgb(path))
    from_memory = np.asarray(load_rgb(io.BytesIO(path.read_bytes())))  # type: ignore[arg-type]
    assert from_memory.shape == (12, 20, 3) and (from_memory == from_file).all()


def test_a_thumbnail_never_makes_the_folder_its_thumbs_folder_is_in(tmp_path):
    """A killed `new`'s worker, writing late into the staging folder the next run had
    removed, made that folder again (it stayed for good); the thumbs folder and its
    shard are still made, but not the folder above them."""
    write_image(tmp_path / "a.png", fmt="PNG", seed=1)
    gone = tmp_path / ".proj.partial-123-abcdef"
    result = probe_file(str(tmp_path / "a.png"), str(gone / "thumbs"))
    assert result.skip_reason is None and result.hash
    assert result.warning is not None and result.warning.startswith("thumbnail not written")
    assert not gone.exists()
    gone.mkdir()
    result = probe_file(str(tmp_path / "a.png"), str(gone / "thumbs"))
    assert result.warning is None
    assert thumbnail_path(gone / "thumbs", result.hash).is_file()
