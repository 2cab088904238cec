"""Mutations of a label file's bytes for the import fuzz (:mod:`interop.import_fuzz`):
cut short, bits flipped, emptied, a BOM, mixed newlines, lines repeated, dropped or
swapped, and hostile paths, labels and huge numbers in its fields."""

from __future__ import annotations

import json
import random
import re
import unicodedata

# Paths a label file should never be able to reach outside the image folder with, and
# names a file system or a database may trip on
HOSTILE_PATHS = [
    "../../etc/passwd",
    "/etc/passwd",
    "train/../../../outside.jpg",
    "train/cat/\x00cat0.jpg",
    "train/cat/cat0.jpg\x00.txt",
    "a" * 5000 + ".jpg",
    "/".join(["d" * 250] * 40) + "/x.jpg",
    unicodedata.normalize("NFD", "train/caté/ü.jpg"),
    "C:\\Windows\\system32\\x.jpg",
    "\\\\server\\share\\x.jpg",
    "file:///etc/passwd",
    "http://127.0.0.1:1/x.jpg",
    "~/x.jpg",
    "train/cat/cat0.jpg/",
    "./train/./cat//cat0.jpg",
    " train/cat/cat0.jpg ",
    "train\\cat\\cat0.jpg",
    "\ud800.jpg",
    "",
    "train/cat/\u202ecat0.jpg",
    "/data/local-files/?d=../../etc/passwd",
    "/data/local-files/?d=%2e%2e/%2e%2e/x.jpg",
    "/data/local-files/?d=images/train/cat/cat0.jpg%00",
    "/data/local-files/?",
    "/data/upload/3/../../x.jpg",
    "/data/upload/" + "9" * 400 + "/x.jpg",
    "s3:///",
    "http://[::1",
    "http://x/%ff%fe.jpg",
    "data:image/png;base64,AAAA",
]
HOSTILE_LABELS = [
    "",
    " ",
    "\x00",
    "d\u0307og",
    unicodedata.normalize("NFD", "chaté"),
    "x" * 10000,
    "../dog",
    "cat,dog",
    "\ud800",
    "\n",
    "-",
    "NaN",
]
HUGE_NUMBERS = ["9" * 5000, "-" + "9" * 400, "1e999", "-1e999", "1" + "0" * 30, "-1", "NaN"]
ODD_VALUES: list[object] = [None, True, 0, -1, 2**70, 1.5e308, "", [], {}, ["cat", "dog"], {"a": 1}]
BOMS = [b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf\xef\xbb\xbf"]


# ---- mutations of bytes and text ------------------------------------------------------


def truncate(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    at = rng.randrange(len(data) + 1) if data else 0
    return data[:at], f"cut at {at}"


def flip(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    if not data:
        return data, "flip: empty"
    buf = bytearray(data)
    places = [rng.randrange(len(buf)) for _ in range(rng.randint(1, 4))]
    for at in places:
        buf[at] ^= 1 << rng.randrange(8)
    return bytes(buf), f"bits flipped at {places}"


def empty(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    return rng.choice([b"", b"\n", b" ", b"\xef\xbb\xbf"]), "emptied"


def bom(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    bom = rng.choice(BOMS)
    return bom + data, f"BOM {bom!r}"


def newlines(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    pieces = data.split(b"\n")
    out = pieces[0]
    for piece in pieces[1:]:
        out += rng.choice([b"\n", b"\r\n", b"\r", b"\n\n", b"\x85", "\u2028".encode()])
        out += piece
    return out, "mixed newlines"


def shuffle_lines(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    lines = data.splitlines(keepends=True)
    if len(lines) < 2:
        return data + data, "doubled"
    i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
    how = rng.choice(["repeat", "drop", "swap"])
    if how == "repeat":
        lines.insert(j, lines[i])
    elif how == "drop":
        del lines[i]
    else:
        lines[i], lines[j] = lines[j], lines[i]
    return b"".join(lines), f"line {i} {how} ({j})"


_QUOTED = re.compile(rb'"((?:[^"\\\n]|\\.){1,200})"')
_NUMBER = re.compile(rb"(?<![\w.])-?\d+(?:\.\d+)?(?![\w.])")


def _json_text(value: str) -> bytes:
    return json.dumps(value).encode()


def replace_quoted(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    """A JSON string (a path, a label, a key) replaced by a hostile one."""
    found = list(_QUOTED.finditer(data))
    if not found:
        return replace_field(rng, data)
    m = rng.choice(found)
    new = rng.choice(HOSTILE_PATHS + HOSTILE_LABELS)
    return data[: m.start()] + _json_text(new) + data[m.end() :], f"string → {new[:40]!r}"


def replace_number(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    found = list(_NUMBER.finditer(data))
    if not found:
        return flip(rng, data)
    m = rng.choice(found)
    new = rng.choice(HUGE_NUMBERS).encode()
    return data[: m.start()] + new + data[m.end() :], f"number → {new[:20]!r}"


def replace_field(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    """A field of a CSV/TSV line replaced by a hostile path or label."""
    lines = data.splitlines(keepends=True)
    if not lines:
        return data, "no lines"
    i = rng.randrange(len(lines))
    sep = b"\t" if b"\t" in lines[i] else b","
    fields = lines[i].rstrip(b"\r\n").split(sep)
    k = rng.randrange(len(fields))
    new = rng.choice(HOSTILE_PATHS + HOSTILE_LABELS + HUGE_NUMBERS)
    quoted = '"' + new.replace('"', '""') + '"' if rng.random() < 0.5 else new
    fields[k] = quoted.encode("utf-8", "surrogatepass")
    lines[i] = sep.join(fields) + b"\n"
    return b"".join(lines), f"line {i} field {k} → {new[:40]!r}"


TEXT_MUTATIONS = [truncate, flip, empty, bom, newlines, shuffle_lines, replace_number]


def mutate_text(rng: random.Random, data: bytes, *, json_text: bool) -> tuple[bytes, str]:
    """``data`` changed by one or two mutations (``json_text``: strings are JSON's)."""
    choices = [*TEXT_MUTATIONS, replace_quoted if json_text else replace_field]
    said = []
    for _ in range(rng.choice([1, 1, 2])):
        data, what = rng.choice(choices)(rng, data)
        said.append(what)
    return data, "; ".join(said)
