"""Which files are images: allow-listed decoder formats, extensions, and the magic bytes
that decide when the extension does not (a PNG named ``.jpg``, a file with no extension).

Kept apart from decoding (:mod:`.imageio`) so the folder walk can decide on a name
without loading the imaging code.
"""

from __future__ import annotations

from pathlib import Path

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
        with open(path, "rb") as f:
            head = f.read(16)
    except OSError:
        return False
    return any(head[offset : offset + len(magic)] == magic for offset, magic in _MAGIC)
