"""Reading JSON label files into records: a JSON document (``{"path": "label"}`` or a
list of objects) entry by entry, and JSON lines one object a line.

As in :mod:`.label_file_formats`, a problem that makes the whole document unreadable
raises :class:`~labeldesk.core.errors.LabelFileError`; a problem with one entry (or line)
is kept with its number in :attr:`.label_file_formats.Parsed.problems`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from .errors import LabelFileError
from .json_shown import json_shown, quoted
from .json_stream import array_items, object_pairs, opening
from .label_file_formats import (
    LABEL_COLUMNS,
    PATH_COLUMNS,
    SPLIT_COLUMNS,
    STATUS_COLUMNS,
    USUAL_COLUMNS,
    VERIFIED_LABEL_COLUMNS,
    Columns,
    Parsed,
    Record,
    admit,
    text_lines,
)

# json.loads raises a plain ValueError (not JSONDecodeError) for an integer of more
# digits than Python converts (4,300 by default): a hostile file, not a label file.
TOO_LONG_NUMBER = "it holds a number with too many digits to read: not a label file"


def parse_json(text: str, source: str, columns: Columns = USUAL_COLUMNS) -> Parsed:
    """``{"path": "label"}`` or ``[{"path": ..., "label": ..., "split": ...}]`` (objects'
    keys named by ``columns`` when given). The entries of a list or object are parsed one
    at a time as ``Parsed.records`` is iterated (once: :mod:`.json_stream`), so a million
    entries are never held parsed beside their records; a document that is not valid JSON
    raises, as it is reached, what parsing it whole raises."""
    decoder = json.JSONDecoder(object_pairs_hook=_Pairs)
    first = opening(text)
    if first == "{":  # {path: label}; a path given twice is kept twice
        pairs = Parsed([], [], "entry", json=True)
        entries = enumerate(_whole_on_error(object_pairs(text, decoder), text, source), 1)
        pairs.records = _json_entries(pairs, entries, columns, pairs=True)
        return pairs
    if first != "[":
        _json_document(text, source)  # (raises: not JSON, or not a list or an object)
    parsed = Parsed([], [], "entry", json=True)
    items = enumerate(_whole_on_error(array_items(text, decoder), text, source), start=1)
    parsed.records = _json_entries(parsed, items, columns)
    return parsed


def _json_entries(
    parsed: Parsed, entries: Iterable[tuple[int, Any]], columns: Columns, pairs: bool = False
) -> Iterator[Record]:
    """The good records of a JSON document's entries (``pairs``: (path, label) pairs);
    the problems of the others go to ``parsed``."""
    for n, entry in entries:
        record = (
            Record(n, entry[0], entry[1], None)
            if pairs
            else _object_record(parsed, n, entry, columns)
        )
        if record is not None and admit(parsed, record, keep=False):
            yield record


def _whole_on_error(items: Iterator[Any], text: str, source: str) -> Iterator[Any]:
    """``items``, or at the first that cannot be read, the error of the whole document."""
    try:
        yield from items
    except (ValueError, RecursionError):  # (NotStreamed and JSONDecodeError among them)
        _json_document(text, source)
        raise LabelFileError(source, ["not valid JSON"]) from None  # (parsed whole: no error)


def _json_document(text: str, source: str) -> None:
    """Raise what is wrong with the JSON document ``text`` as a whole: not valid JSON, or
    not a list or an object (returns only for a valid list or object)."""
    try:
        data = json.loads(text, object_pairs_hook=_Pairs)
    except RecursionError:
        raise LabelFileError(source, ["the JSON is nested too deeply to be a label file"]) from None
    except json.JSONDecodeError as exc:
        raise LabelFileError(source, [f"line {exc.lineno}: not valid JSON: {exc.msg}"]) from None
    except ValueError:  # Python's limit on an integer's digits
        raise LabelFileError(source, [TOO_LONG_NUMBER]) from None
    if not isinstance(data, (list, _Pairs)):
        raise LabelFileError(
            source, ["expected a JSON object {path: label} or a list of {path, label, split}"]
        )


def parse_json_lines(
    text: str,
    source: str,
    columns: Columns = USUAL_COLUMNS,
    *,
    stream: Iterable[str] | None = None,
) -> Parsed:
    """One ``{"path": ..., "label": ...}`` object per line (keys named by ``columns``).
    ``stream``: the same text as lines (a file opened with ``newline=""``), read instead
    of ``text`` as ``Parsed.records`` is iterated (once), as :func:`parse_csv` does."""
    parsed = Parsed([], [], "line", json=True)
    lines = text_lines(text) if stream is None else (line.rstrip("\r\n") for line in stream)
    parsed.records = _json_lines(parsed, lines, columns)
    return parsed


def _json_lines(parsed: Parsed, lines: Iterable[str], columns: Columns) -> Iterator[Record]:
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line, object_pairs_hook=_Pairs)
        except RecursionError:
            parsed.problems.append((n, "the JSON is nested too deeply"))
        except json.JSONDecodeError as exc:
            parsed.problems.append((n, f"not valid JSON: {exc.msg}"))
        except ValueError:  # Python's limit on an integer's digits
            parsed.problems.append((n, TOO_LONG_NUMBER))
        else:
            record = _object_record(parsed, n, item, columns)
            if record is not None and admit(parsed, record, keep=False):
                yield record


class _Pairs(list[tuple[str, Any]]):
    """A JSON object as its (key, value) pairs: a key written twice is not silently lost."""

    json_object = True  # json_shown shows it as the object it was written as

    def __repr__(self) -> str:
        return json_shown(self)


def _object_record(
    parsed: Parsed, n: int, item: object, columns: Columns = USUAL_COLUMNS
) -> Record | None:
    """The record of a JSON object, or None with its problem in ``parsed.problems``."""
    if not isinstance(item, _Pairs):
        parsed.problems.append((n, 'expected an object with "path" and "label"'))
        return None
    keys = [key.strip().lower() for key, _ in item]
    repeated = sorted({key for key in keys if keys.count(key) > 1})
    if repeated:
        parsed.problems.append((n, f"key {quoted(repeated[0], True)} is given twice"))
        return None
    values = dict(zip(keys, (value for _, value in item), strict=True))
    missing = [name for name in columns if name is not None and name.strip().lower() not in values]
    if missing:
        names = ", ".join(quoted(key, True) for key in keys[:20])
        wanted = " or ".join(quoted(name, True) for name in missing)
        parsed.problems.append((n, f"no key {wanted} (keys: {names})"))
        return None
    path_key = _key(values, columns.path, PATH_COLUMNS)
    label_key = _key(values, columns.label, LABEL_COLUMNS)
    if path_key is None:
        parsed.problems.append((n, 'expected an object with "path" and "label"'))
        return None
    if label_key is None:  # a misspelt key must not unlabel the image: null does that
        names = ", ".join(quoted(key, True) for key in keys[:20])
        usual = " or ".join(quoted(name, True) for name in LABEL_COLUMNS)
        parsed.problems.append((n, f"no label key ({usual}; null unlabels) (keys: {names})"))
        return None
    label = values[label_key]
    split_key = _key(values, columns.split, SPLIT_COLUMNS)
    split = values[split_key] if split_key else None
    status_key = _key(values, None, STATUS_COLUMNS)
    used = (path_key, label_key, split_key)
    status = values[status_key] if status_key and status_key not in used else None
    bound_key = _key(values, None, VERIFIED_LABEL_COLUMNS) if status is not None else None
    bound = values[bound_key] if bound_key and bound_key not in used else None
    return Record(n, values[path_key], label, split, status=status, verified_label=bound)


def _key(values: dict[str, Any], named: str | None, usual: tuple[str, ...]) -> str | None:
    if named is not None:
        return named.strip().lower()
    return next((k for k in usual if k in values), None)
