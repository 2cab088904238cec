"""Reading the JSON label files other tools write (FiftyOne, Label Studio), defensively.

A label file is untrusted: its size is checked before it is read, its nesting depth
before it is parsed (a few bytes of ``[[[[…`` cost the parser far more than they look),
and every row's path, label and split are judged one by one, so that all the problems
can be listed by entry number and nothing is applied from a bad file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from labeldesk.core.errors import LabelFileError
from labeldesk.core.label_file_formats import (
    TOO_LONG_NUMBER,
    Parsed,
    Record,
    admit,
    check_size,
    decode,
    refused_path,
)
from labeldesk.core.label_files import LabelFile, checked_rows

MAX_JSON_DEPTH = 64  # a Label Studio snapshot export nests 9 deep (prediction result values)
_NOT_STRUCTURE = bytes(b for b in range(256) if b not in b'"[]{}')


def load_json(path: Path) -> Any:
    """The parsed JSON of ``path``; :class:`LabelFileError` (with the reason) for a file
    that is missing, too large, not UTF-8, nested too deeply or not valid JSON."""
    source = str(path)
    check_size(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise LabelFileError(source, [f"cannot read it: {exc.strerror or exc}"]) from None
    text = decode(data, source)
    depth = json_depth(data)
    if depth > MAX_JSON_DEPTH:
        raise LabelFileError(
            source,
            [f"the JSON nests {depth} levels deep (at most {MAX_JSON_DEPTH}): not a label file"],
        )
    return strict_json(text, source)


def strict_json(text: str, source: str) -> Any:
    """``text`` parsed as JSON; :class:`LabelFileError` for ``source`` with the reason
    when it is not valid JSON, nests too deeply, holds a number too long to read, or
    writes a key twice in one object."""
    try:
        return json.loads(text, object_pairs_hook=_no_repeated_keys)
    except _RepeatedKey as exc:
        reason = f"the key {exc.key[:200]!r} is written twice in one object: which is meant?"
    except RecursionError:  # load_json's depth check makes this unreachable there
        reason = "the JSON is nested too deeply to be a label file"
    except json.JSONDecodeError as exc:
        reason = f"line {exc.lineno}: not valid JSON: {exc.msg}"
    except ValueError:  # Python's limit on an integer's digits
        reason = TOO_LONG_NUMBER
    raise LabelFileError(source, [reason]) from None


class _RepeatedKey(ValueError):
    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


def _no_repeated_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object as a dict; a key written twice (two labels for one image, two image
    fields in one task) is an error, not the last value silently kept."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _RepeatedKey(key)
        out[key] = value
    return out


def json_depth(data: bytes) -> int:
    """How deeply the arrays and objects of the JSON text ``data`` nest, without parsing
    it: escaped backslashes and quotes are dropped, then everything but quotes and
    brackets; a bracket after an odd number of quotes is inside a string."""
    plain = data.replace(b"\\\\", b"").replace(b'\\"', b"")
    kept = np.frombuffer(plain.translate(None, _NOT_STRUCTURE), dtype=np.uint8)
    quote = kept == ord('"')
    outside = ~quote & ((np.cumsum(quote) & 1) == 0)
    codes = kept[outside]
    if not len(codes):
        return 0
    steps = np.where((codes == ord("[")) | (codes == ord("{")), 1, -1)
    return int(np.cumsum(steps).max())


class RowMaker:
    """Collects one record per usable entry and the problems of the others; ``result``
    judges the records as every format's rows are judged (:func:`checked_rows`: a valid
    class name, a known split), after refusing hostile cells (:func:`cell_problems`: a
    huge cell, a path that climbs out with ``..``)."""

    def __init__(self, source: str):
        self.source = source
        self.parsed = Parsed([], [], "entry")

    def problem(self, entry: int, text: str, *, path: str | None = None) -> None:
        """Entry ``entry`` is bad; ``path``: the image it names, when it names one."""
        self.parsed.problems.append((entry, text))
        if path is not None:
            self.parsed.refused.extend(refused_path(Record(entry, path, None, None)))

    def add(
        self, entry: int, path: str, label: object, split: object = None, status: object = None
    ) -> None:
        """A row for ``path``; ``label`` None means unlabeled, ``split`` and ``status``
        None: unchanged."""
        nul = ["the path holds a NUL character"] if "\x00" in path else []
        admit(self.parsed, Record(entry, path, label, split, status=status), nul)

    def result(self, **flags: bool) -> LabelFile:
        rows = checked_rows(self.parsed, self.source)
        for name, value in flags.items():
            setattr(rows, name, value)
        return rows
