"""Reading the JSON label files other tools write (FiftyOne, Label Studio), defensively.

A label file is untrusted: its size is checked before it is read, its nesting depth
before it is parsed (a few bytes of ``[[[[…`` cost the parser far more than they look),
and every row's path, label and split are judged one by one, so that all the problems
can be listed by entry number and nothing is applied from a bad file.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from labeldesk.core.errors import LabelFileError
from labeldesk.core.json_shown import quoted
from labeldesk.core.json_stream import array_items
from labeldesk.core.label_bytes import decode, read_label_bytes
from labeldesk.core.label_file_formats import Parsed, Record, admit, refused_path
from labeldesk.core.label_files import LabelFile, checked_rows
from labeldesk.core.label_json import TOO_LONG_NUMBER

MAX_JSON_DEPTH = 64  # a Label Studio snapshot export nests 9 deep (prediction result values)
_NOT_STRUCTURE = bytes(b for b in range(256) if b not in b'"[]{}')


def load_json(path: Path) -> Any:
    """The parsed JSON of ``path``; :class:`LabelFileError` (with the reason) for a file
    that is missing, too large, not UTF-8, nested too deeply or not valid JSON."""
    return strict_json(load_json_text(path), str(path))


def load_json_text(path: Path) -> str:
    """The text of the JSON file ``path``, not yet parsed (:func:`strict_json`,
    :func:`list_items`); refused as :func:`load_json` refuses it, but for its JSON."""
    source = str(path)
    data = read_label_bytes(path)
    depth = json_depth(data)  # (first: its arrays and the text are not held together)
    text = decode(data, source)
    del data
    if depth > MAX_JSON_DEPTH:
        raise LabelFileError(
            source,
            [f"the JSON nests {depth} levels deep (at most {MAX_JSON_DEPTH}): not a label file"],
        )
    return text


def list_items(text: str, source: str) -> Iterator[Any]:
    """The items of the JSON list ``text`` (as :func:`strict_json` parses them), parsed
    one at a time (:mod:`labeldesk.core.json_stream`); at the first that cannot be read,
    the :class:`LabelFileError` that parsing the whole text raises."""
    decoder = json.JSONDecoder(object_pairs_hook=_no_repeated_keys)
    try:
        yield from array_items(text, decoder)
    except (ValueError, RecursionError):  # (NotStreamed, JSONDecodeError, _RepeatedKey)
        strict_json(text, source)
        raise LabelFileError(source, ["not valid JSON"]) from None  # (parsed whole: no error)


def strict_json(text: str, source: str) -> Any:
    """``text`` parsed as JSON; :class:`LabelFileError` for ``source`` with the reason
    when it is not valid JSON, nests too deeply, holds a number too long to read, or
    writes a key twice in one object."""
    try:
        return json.loads(text, object_pairs_hook=_no_repeated_keys)
    except _RepeatedKey as exc:
        key = quoted(exc.key[:200], True)
        reason = f"the key {key} is written twice in one object: which is meant?"
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


DEPTH_CHUNK = 1 << 22  # bytes (then structural characters) judged at a time


def json_depth(data: bytes) -> int:
    """How deeply the arrays and objects of the JSON text ``data`` nest, without parsing
    it: escaped backslashes and quotes are dropped, then everything but quotes and
    brackets; a bracket after an odd number of quotes is inside a string. Judged
    :data:`DEPTH_CHUNK` characters at a time (the parity of the quotes and the depth
    carried over), so a big file's arrays stay small."""
    import numpy as np  # (here: the formats load for the command line's help)

    plain = data.replace(b"\\\\", b"").replace(b'\\"', b"")
    kept = np.frombuffer(  # (translated a slice at a time: a copy of a slice, not of all)
        b"".join(
            plain[at : at + DEPTH_CHUNK].translate(None, _NOT_STRUCTURE)
            for at in range(0, len(plain), DEPTH_CHUNK)
        ),
        dtype=np.uint8,
    )
    del plain
    odd = 0  # quotes before the chunk: odd, inside a string
    depth, deepest = 0, None
    for start in range(0, len(kept), DEPTH_CHUNK):
        part = kept[start : start + DEPTH_CHUNK]
        quote = part == ord('"')
        parity = (np.cumsum(quote, dtype=np.uint8) + odd) & 1  # (a byte: only parity counts)
        odd = int(parity[-1])
        codes = part[~quote & (parity == 0)]
        if not len(codes):
            continue
        opens = (codes == ord("[")) | (codes == ord("{"))
        steps = np.where(opens, np.int8(1), np.int8(-1))
        running = np.cumsum(steps, dtype=np.int64) + depth
        top = int(running.max())
        deepest = top if deepest is None else max(deepest, top)
        depth = int(running[-1])
    return 0 if deepest is None else deepest


class RowMaker:
    """Collects one record per usable entry and the problems of the others; ``result``
    judges the records as every format's rows are judged (:func:`checked_rows`: a valid
    class name, a known split), after refusing hostile cells (:func:`cell_problems`: a
    huge cell, a path that climbs out with ``..``)."""

    def __init__(self, source: str):
        self.source = source
        self.parsed = Parsed([], [], "entry", json=True)

    def problem(self, entry: int, text: str, *, path: str | None = None) -> None:
        """Entry ``entry`` is bad; ``path``: the image it names, when it names one."""
        self.parsed.problems.append((entry, text))
        if path is not None:
            self.parsed.refused.extend(refused_path(Record(entry, path, None, None)))

    def add(
        self,
        entry: int,
        path: str,
        label: object,
        split: object = None,
        status: object = None,
        verified_label: object = None,
    ) -> None:
        """A row for ``path``; ``label`` None means unlabeled, ``split`` and ``status``
        None: unchanged; ``verified_label``: the label a "verified" status was given for
        (:mod:`labeldesk.core.label_status`)."""
        record = self.admitted(entry, path, label, split, status, verified_label)
        if record is not None:
            assert isinstance(self.parsed.records, list)
            self.parsed.records.append(record)

    def admitted(
        self,
        entry: int,
        path: str,
        label: object,
        split: object = None,
        status: object = None,
        verified_label: object = None,
    ) -> Record | None:
        """The record :meth:`add` adds, for a reader whose ``parsed.records`` is its own
        stream of them (None: refused, its problems kept)."""
        nul = ["the path holds a NUL character"] if "\x00" in path else []
        record = Record(entry, path, label, split, status=status, verified_label=verified_label)
        return record if admit(self.parsed, record, nul, keep=False) else None

    def result(self, **flags: bool) -> LabelFile:
        rows = checked_rows(self.parsed, self.source)
        for name, value in flags.items():
            setattr(rows, name, value)
        return rows
