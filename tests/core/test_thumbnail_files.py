"""Thumbnails are whole or absent, and the in-memory copy a Ray worker makes is the
scan's file byte for byte (embeddings are made from a thumbnail's pixels)."""

from __future__ import annotations

import io
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from helpers import write_image
from PIL import Image

from labeldesk.core.imageio import probe_file, thumbnail_jpeg
from labeldesk.core.indexed_files import thumbnail_path

# A real short write: the file-size limit makes write() stop part-way (EFBIG), as a disk
# filling up does; in a child process so the limit touches nothing else.
SHORT_WRITE = textwrap.dedent(
    """
    import resource, signal, sys
    from labeldesk.core.imageio import probe_file
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (4000, resource.RLIM_INFINITY))
    print(probe_file(sys.argv[1], sys.argv[2]).warning)
    """
)


def whole(thumb: Path) -> bool:
    try:
        with Image.open(thumb) as img:
            img.load()
    except OSError:
        return False
    return True


@pytest.mark.skipif(sys.platform != "linux", reason="file-size limit as a short write")
def test_a_thumbnail_cut_short_by_a_failed_write_is_not_left_behind(tmp_path):
    image = write_image(tmp_path / "a.jpg", size=(400, 300), seed=5)
    thumbs = tmp_path / "thumbs"
    root = Path(__file__).parents[2]
    done = subprocess.run(
        [sys.executable, "-c", SHORT_WRITE, str(image), str(thumbs)],
        capture_output=True,
        text=True,
        cwd=root,
        check=True,
    )
    assert done.stdout.startswith("thumbnail not written"), done.stdout + done.stderr
    assert [p for p in thumbs.rglob("*") if p.is_file()] == []  # no partial file, no .tmp
    # With room again, the image gets its whole thumbnail.
    result = probe_file(str(image), str(thumbs))
    assert result.warning is None and whole(thumbnail_path(thumbs, result.hash))


def test_a_truncated_thumbnail_is_made_again_not_trusted(tmp_path):
    a = write_image(tmp_path / "a.jpg", size=(400, 300), seed=6)
    thumbs = tmp_path / "thumbs"
    first = probe_file(str(a), str(thumbs))
    thumb = thumbnail_path(thumbs, first.hash)
    good = thumb.read_bytes()
    thumb.write_bytes(good[: len(good) // 2])  # the header (size, phash comment) survives
    assert not whole(thumb)
    b = tmp_path / "b.jpg"  # the same content found again (a copy, or the next scan)
    b.write_bytes(a.read_bytes())
    again = probe_file(str(b), str(thumbs))
    assert again.phash == first.phash and again.skip_reason is None
    assert thumb.read_bytes() == good


@pytest.mark.parametrize(
    "name, size",
    [
        ("photo.jpg", (640, 427)),
        ("tall.png", (260, 500)),
        ("wide.jpg", (1000, 300)),
        ("small.png", (60, 40)),
    ],
)
def test_the_in_memory_thumbnail_is_the_scans_file(tmp_path, name, size):
    fmt = "PNG" if name.endswith(".png") else "JPEG"
    image = write_image(tmp_path / name, size=size, seed=7, fmt=fmt)
    thumbs = tmp_path / "thumbs"
    result = probe_file(str(image), str(thumbs))
    made = thumbnail_jpeg(image.read_bytes())
    assert made == thumbnail_path(thumbs, result.hash).read_bytes()


def test_the_in_memory_thumbnail_follows_exif_orientation(tmp_path):
    image = tmp_path / "rotated.jpg"
    Image.new("RGB", (480, 300), (200, 30, 30)).save(image, exif=_rotated_exif())
    result = probe_file(str(image), str(tmp_path / "thumbs"))
    made = thumbnail_jpeg(image.read_bytes())
    assert made == thumbnail_path(tmp_path / "thumbs", result.hash).read_bytes()
    with Image.open(io.BytesIO(made)) as img:
        assert img.size == (224, 358)  # displayed 300 x 480: upright


def _rotated_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° when displayed
    return exif


@pytest.mark.parametrize("cut", ["half", "empty", "zeros"])
def test_a_broken_thumbnail_of_an_unchanged_file_is_made_again_where_shown(tmp_path, cut):
    """A scan never looks at the thumbnail of a file it finds unchanged: a thumbnail cut
    short by a crash (or left empty or zero-filled) is checked where it is asked for, not
    shown half grey (or as nothing) for good."""
    from labeldesk.core.create import create_and_index

    write_image(tmp_path / "imgs" / "cat" / "a.jpg", size=(400, 300), seed=8)
    project = create_and_index(tmp_path / "proj", tmp_path / "imgs", workers=1)[0]
    try:
        image_id = project.ids_for(["cat/a.jpg"])["cat/a.jpg"]
        thumb = project.thumbnail("cat/a.jpg")
        good = thumb.read_bytes()
        broken = {"half": good[: len(good) // 2], "empty": b"", "zeros": bytes(len(good))}
        for ask in (lambda: project.thumbnail("cat/a.jpg"), lambda: project.thumbnail_of(image_id)):
            thumb.write_bytes(broken[cut])
            assert ask() == thumb and thumb.read_bytes() == good
        thumb.write_bytes(b"\xff\xd8 not a JPEG \xff\xd9")  # whole-looking: a viewer says
        assert project.thumbnail_of(image_id, remake=True) == thumb  # it did not decode
        assert thumb.read_bytes() == good
    finally:
        project.close()


def test_an_image_id_leads_to_its_own_picture_after_a_scan_followed_swapped_files(tmp_path):
    """thumbnail_of and original_of follow the id, not a path that holds another picture
    now; original_of refuses a file whose bytes are not the indexed ones."""
    import os

    from labeldesk.core.create import create_and_index
    from labeldesk.core.errors import ProjectError

    root = tmp_path / "imgs" / "cat"
    a = write_image(root / "a.png", size=(40, 30), color=(255, 0, 0), fmt="PNG")
    b = write_image(root / "b.png", size=(40, 30), color=(0, 0, 255), fmt="PNG")
    project = create_and_index(tmp_path / "proj", tmp_path / "imgs", workers=1)[0]
    try:
        red = project.ids_for(["cat/a.png"])["cat/a.png"]
        red_bytes, red_thumb = a.read_bytes(), project.thumbnail_of(red)
        os.replace(a, root / "t.png")
        os.replace(b, a)
        os.replace(root / "t.png", b)
        with pytest.raises(ProjectError, match="changed since the last scan"):
            project.original_of(red)  # a.png holds the blue picture, not scanned yet
        assert project.thumbnail_of(red) == red_thumb  # the picture the id was indexed with
        project.scan(workers=1)
        assert project.ids_for(["cat/b.png"])["cat/b.png"] == red
        assert project.original_of(red) == red_bytes
        assert project.thumbnail_of(red) == red_thumb
    finally:
        project.close()


def test_two_threads_making_one_thumbnail_both_succeed(tmp_path, monkeypatch):
    """The app's loader threads make the thumbnail of two identical files at once (it was
    missing): each writes its own temporary, so neither fails with 'thumbnail not
    written' (its tile then showed as unreadable) nor moves the other's half-written file
    into place."""
    import os
    import threading

    from labeldesk.core import imageio

    a = write_image(tmp_path / "a.jpg", size=(400, 300), seed=9)
    b = tmp_path / "b.jpg"
    b.write_bytes(a.read_bytes())
    both_written = threading.Barrier(2)
    real_replace = os.replace

    def replace_when_both_wrote(src, dst):  # the unlucky order, every time
        both_written.wait(timeout=5)
        real_replace(src, dst)

    monkeypatch.setattr(imageio.os, "replace", replace_when_both_wrote)
    results = [None, None]

    def probe(n, path):
        results[n] = probe_file(str(path), str(tmp_path / "thumbs"))

    threads = [threading.Thread(target=probe, args=(n, p)) for n, p in enumerate((a, b))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    monkeypatch.undo()
    assert [r.warning for r in results] == [None, None]
    thumb = thumbnail_path(tmp_path / "thumbs", results[0].hash)
    assert whole(thumb) and [p.name for p in thumb.parent.iterdir()] == [thumb.name]
