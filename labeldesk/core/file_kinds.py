"""Which files are images: allow-listed decoder formats, extensions, and the magic bytes
that decide when the extension does not (a PNG named ``.jpg``, a file with no extension).

Kept apart from decoding (:mod:`.imageio`) so the folder walk can decide on a name
without loading the imaging code.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import BinaryIO

ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP", "BMP", "GIF", "TIFF")
IMAGE_EXTENSIONS = frozenset(
    [".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".webp", ".bmp", ".dib", ".gif", ".tif", ".tiff"]
)
# Image types we recognise but do not decode: listed as skipped, with the reason.
OTHER_IMAGE_EXTENSIONS = frozenset(
    [
        ".heic",
        ".heif",
        ".avif",
        ".jxl",
        ".jp2",
        ".j2k",
        ".ico",
        ".icns",
        ".psd",
        ".svg",
        ".tga",
        ".ppm",
        ".pgm",
        ".pbm",
        ".pnm",
        ".exr",
        ".hdr",
        ".dng",
        ".cr2",
        ".nef",
        ".arw",
        ".raw",
        ".qoi",
        ".xcf",
    ]
)
# Files next to images in real datasets; never images, ignored without being opened.
NON_IMAGE_EXTENSIONS = frozenset(
    [
        ".txt",
        ".csv",
        ".tsv",
        ".json",
        ".jsonl",
        ".xml",
        ".yaml",
        ".yml",
        ".md",
        ".rst",
        ".html",
        ".htm",
        ".pdf",
        ".py",
        ".ipynb",
        ".npy",
        ".npz",
        ".pkl",
        ".pt",
        ".pth",
        ".zip",
        ".tar",
        ".gz",
        ".db",
        ".sqlite",
        ".log",
        ".ini",
        ".cfg",
        ".mat",
        ".h5",
        ".parquet",
    ]
)
_MAGIC = (
    (0, b"\xff\xd8\xff"),
    (0, b"\x89PNG\r\n\x1a\n"),
    (0, b"GIF87a"),
    (0, b"GIF89a"),
    (0, b"BM"),
    (0, b"II*\x00"),
    (0, b"MM\x00*"),
    (8, b"WEBP"),
    (4, b"ftyp"),  # HEIC / AVIF containers
    (0, b"8BPS"),  # Photoshop
    (0, b"\x00\x00\x01\x00"),  # ICO
)


def is_candidate(path: Path) -> bool:
    """Should the scanner consider this file? Decided by extension, or by content if unclear."""
    ext = path.suffix.lower()
    if ext in IMAGE_EXTENSIONS or ext in OTHER_IMAGE_EXTENSIONS:
        return True
    if ext in NON_IMAGE_EXTENSIONS:
        return False
    try:
        with open_regular(path) as f:
            head = f.read(16)
    except OSError:
        return False
    return any(head[offset : offset + len(magic)] == magic for offset, magic in _MAGIC)


NOT_REGULAR = "not a regular file (a pipe, socket or device)"


class NotRegularFile(OSError):
    """A path that was an image is now a FIFO, socket or device: reading it would wait
    for a writer that never comes (a FIFO) or never end (``/dev/zero``)."""

    kind = "not a regular file"  # what it is (:func:`special_kind`)


def open_regular(path: str | os.PathLike[str]) -> BinaryIO:
    """``open(path, "rb")`` for a file read as an image, refusing (NotRegularFile, or
    IsADirectoryError for a folder) anything but a regular file, without blocking: a
    FIFO is opened non-blocking, then checked."""
    nonblock = getattr(os, "O_NONBLOCK", 0)  # none on Windows, which has no FIFOs here
    fd = os.open(path, os.O_RDONLY | nonblock | getattr(os, "O_BINARY", 0))
    try:
        _check_regular(os.fstat(fd).st_mode, path)
        if nonblock:
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def require_regular(path: object) -> None:
    """Raise as :func:`open_regular` would, before a path is handed to a decoder that
    opens it itself (Pillow): a FIFO would block it. An open file or bytes in memory (a
    cluster worker's ``BytesIO``) has nothing to check."""
    if isinstance(path, str | os.PathLike):
        _check_regular(os.stat(path).st_mode, path)


def is_present(path: Path) -> bool:
    """A file at ``path``, a regular one or a FIFO, socket or device (not a folder): a
    label file someone replaced by a FIFO is found, then refused as what it is (opened
    to read, it would block), not passed over as if it were not there."""
    return os.path.lexists(path) and not path.is_dir()


def special_kind(mode: int) -> str:
    """What a file that is not a regular one is, in words (``a FIFO (named pipe)``)."""
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def _check_regular(mode: int, path: str | os.PathLike[str]) -> None:
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, "Is a directory", os.fspath(path))
    if not stat.S_ISREG(mode):
        error = NotRegularFile(errno.EINVAL, NOT_REGULAR, os.fspath(path))
        error.kind = special_kind(mode)
        raise error
