"""The names of exported image files: unique in their folder, short enough for the file
system, and with an extension the tools that pick image files by name read.

torchvision's ``ImageFolder`` and datasets' ``imagefolder`` choose files by extension
and skip the others without a word: a file whose name has none they know gets its
format's (:func:`typed_path`), and in an ImageFolder export (torchvision reads no
``.gif``) a GIF is written as a PNG of its first frame (:func:`png_name`,
:mod:`.gif_frames`). Every such name is recorded in the export's manifest, so reading
the export back leads each file to its image.
"""

from __future__ import annotations

import hashlib
from pathlib import PurePosixPath

from .export_portable import fold_path

MAX_NAME_BYTES = 240  # below the usual 255-byte limit, with room for a "--digest"

# The extensions every tool that picks image files by name reads (torchvision's
# ImageFolder, datasets' imagefolder; torchvision leaves .gif out), and the one given to
# a file whose name has none of them, by the format its bytes hold (Pillow's name).
READ_BY_EXTENSION = frozenset((".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif", ".tif", ".tiff"))
# What torchvision.datasets.ImageFolder reads (IMG_EXTENSIONS, less .ppm and .pgm, which
# LabelDesk does not index): no .gif
TORCHVISION_READS = READ_BY_EXTENSION - {".gif"}
FORMAT_SUFFIXES = {
    "JPEG": ".jpg", "MPO": ".jpg", "PNG": ".png", "WEBP": ".webp", "BMP": ".bmp",
    "GIF": ".gif", "TIFF": ".tiff",
}  # fmt: skip


def unique_name(used: set[str], folder: str, rel: str) -> str:
    """``folder/basename``, made unique when two images share a file name (or names
    that Windows and macOS take for one: ``a.png`` and ``A.png``; ``used`` holds
    :func:`~.export_portable.fold_path` of the names given), and short enough for the
    file system (a long name is cut and given a digest of its path)."""
    name = rel.rsplit("/", 1)[-1]
    candidate = f"{folder}/{name}"
    if fold_path(candidate) not in used and len(name.encode()) <= MAX_NAME_BYTES:
        used.add(fold_path(candidate))  # the usual case
        return candidate
    parsed = PurePosixPath(name)
    stem, suffix = parsed.stem, parsed.suffix
    if len(suffix.encode()) > 16:  # not a real extension: keep it in the cut stem
        stem, suffix = name, ""
    digest = hashlib.blake2b(rel.encode(), digest_size=4).hexdigest()
    base = f"{_cut(stem, MAX_NAME_BYTES - 12 - len(suffix.encode()))}--{digest}"
    # That name can equal one handed out before (an image called "a--<digest>.png"):
    # count on until a name is free, so two images never share one file.
    candidate, n = f"{folder}/{base}{suffix}", 1
    while fold_path(candidate) in used:
        candidate, n = f"{folder}/{base}-{n}{suffix}", n + 1
    used.add(fold_path(candidate))
    return candidate


def typed_path(path: str, fmt: str | None, reads: frozenset[str] = READ_BY_EXTENSION) -> str:
    """``path`` with its format's extension added when its name has no extension such
    tools read (``cat/noext`` holding a PNG: ``cat/noext.png``; ``a.v2``: ``a.v2.png``).
    ``reads``: the extensions the tool reads (any case)."""
    suffix = FORMAT_SUFFIXES.get(fmt or "")
    if suffix is None or PurePosixPath(path).suffix.lower() in reads:
        return path
    return path + suffix


def png_name(path: str) -> str:
    """The name of a GIF written as PNG: ``.gif`` (any case) becomes ``.png``
    (``cat/a.gif``: ``cat/a.png``); a name without it gets ``.png`` added."""
    if PurePosixPath(path).suffix.lower() == ".gif":
        return path[: -len(".gif")] + ".png"
    return path + ".png"


def needs_format(path: str, reads: frozenset[str]) -> bool:
    """Whether the name alone does not say how a tool reading ``reads`` sees the file
    (its format decides: the extension to add, or a GIF to convert)."""
    return PurePosixPath(path).suffix.lower() not in reads


def claim(used: set[str], folder: str, name: str, avoid: set[str]) -> str:
    """:func:`unique_name` for ``name``; a name in ``avoid`` (another image's own name:
    ``noext.png`` beside ``noext`` given its extension) is left to that image (both
    sets hold :func:`~.export_portable.fold_path` of names)."""
    candidate = fold_path(f"{folder}/{name.rsplit('/', 1)[-1]}")
    if candidate not in avoid:
        return unique_name(used, folder, name)
    rel = unique_name(used | {candidate}, folder, name)
    used.add(fold_path(rel))
    return rel


def _cut(text: str, max_bytes: int) -> str:
    """``text`` cut to at most ``max_bytes`` of UTF-8, never inside a character."""
    return text.encode()[:max_bytes].decode(errors="ignore")
