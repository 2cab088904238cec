"""A label file's bytes, and its text: refused with a reason when it is too large,
missing, not a regular file, unreadable, empty, binary, UTF-16 or UTF-32, or not UTF-8.

The readers of every label format (:mod:`.label_file_formats`, :mod:`.label_read`, the
import formats) read a file through :func:`read_label_bytes` and :func:`decode`.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from .errors import LabelFileError
from .file_kinds import special_kind

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
BINARY_SHARE = 0.1  # more control characters than this in the first 64 KB: not text


MAX_LABEL_FILE_BYTES = 512 * 1024 * 1024  # larger is refused: no tool writes one this big


def check_size(path: Path) -> None:
    """Refuse a file larger than :data:`MAX_LABEL_FILE_BYTES` before reading it (and a
    missing one, or a folder, with the reason)."""
    source = str(path)
    if not path.is_file():
        raise LabelFileError(source, [_not_a_file(path)])
    size = path.stat().st_size
    if size > MAX_LABEL_FILE_BYTES:
        raise LabelFileError(
            source,
            [f"the file is {size:,} bytes; label files over {MAX_LABEL_FILE_BYTES:,} are refused"],
        )


def _not_a_file(path: Path) -> str:
    if not path.exists():
        return "file not found"
    if path.is_dir():
        return "not a file"
    return f"not a regular file: {special_kind(path.stat().st_mode)} (not opened)"


def read_label_bytes(path: Path) -> bytes:
    """The bytes of the label file ``path``, refused as :func:`check_size` refuses it, or
    with the reason it cannot be read ("cannot read it: Permission denied")."""
    check_size(path)
    try:
        return path.read_bytes()
    except OSError as exc:
        raise LabelFileError(str(path), [f"cannot read it: {exc.strerror or exc}"]) from None


def decode(data: bytes, source: str) -> str:
    """The file's text; refuses empty, binary, UTF-16, UTF-32 and non-UTF-8 files with a
    reason."""
    wide = wide_encoding(data)
    if wide:
        raise LabelFileError(source, [f"the file is {wide} text; save it as UTF-8"])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if b"\x00" in data[:65536]:
            raise LabelFileError(source, [_BINARY]) from None
        at = bad_byte_at(data, exc)
        line = data.count(b"\n", 0, at) + 1
        raise LabelFileError(
            source, [f"line {line}: byte 0x{data[at]:02X} is not UTF-8; save the file as UTF-8"]
        ) from None
    if not text or text.isspace():  # (as `not text.strip()`, without a copy of the text)
        raise LabelFileError(source, ["the file is empty"])
    head = text[:65536]
    if len(_CONTROL.findall(head)) > BINARY_SHARE * len(head):
        raise LabelFileError(source, [_BINARY])
    return text


def bad_byte_at(data: bytes, exc: UnicodeDecodeError) -> int:
    """Where in ``data`` the byte is that ``data.decode("utf-8-sig")`` stopped at: the
    codec counts from after a byte-order mark."""
    return exc.start + (len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0)


def wide_encoding(data: bytes) -> str:
    """ "UTF-32" or "UTF-16" for text in those encodings (by the byte-order mark, or for
    UTF-16 without one, by a zero byte beside nearly every character of Latin text, as
    some Windows tools write it), else ""."""
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "UTF-32"  # (before UTF-16: UTF-32's little-endian mark starts with its)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "UTF-16"
    head = data[: 65536 & ~1]
    if len(head) < 4 or b"\x00" not in head:
        return ""
    even, odd = head[0::2], head[1::2]
    for zeros, text in ((odd, even), (even, odd)):  # little-endian, big-endian
        if zeros.count(0) >= 0.9 * len(zeros) and text.count(0) == 0:
            return "UTF-16"
    return ""


_BINARY = "this looks like a binary file, not a CSV or JSON label file"
