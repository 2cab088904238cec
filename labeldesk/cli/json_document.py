"""A command's ``--json`` document as text, written piece by piece.

:func:`document_text` gives exactly what ``json.dump(json_safe(data), out, indent=2,
default=str)`` writes for a dict, with any value that is an iterator written as a list
item by item: `version diff --json` of a million changed images writes its lists as it
reads them, never holding them.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator
from json.encoder import encode_basestring_ascii as _text
from typing import Any

__all__ = ["document_text", "json_safe"]

_INDENT = "  "  # json.dump's indent=2


def json_safe(value: Any) -> Any:
    """``value`` with every float that is not finite (NaN, ±inf) as null: JSON has no
    such numbers, and Python's NaN would make the document unreadable to jq or a browser."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


def document_text(pairs: Iterable[tuple[str, Any]]) -> Iterator[str]:
    """The JSON object of ``pairs`` (key, value), as json.dump with ``indent=2`` writes
    it, in pieces; a value that is an :class:`~collections.abc.Iterator` is a list whose
    items are written as it gives them."""
    first = True
    for key, value in pairs:
        yield ("{\n" if first else ",\n") + _INDENT + json.dumps(key) + ": "
        first = False
        if isinstance(value, Iterator):
            yield from _list(value, 1)
        else:
            yield _nested(json_safe(value), 1)
    yield "{}" if first else "\n}"


def _list(items: Iterator[Any], level: int) -> Iterator[str]:
    inner = "\n" + _INDENT * (level + 1)
    opened = False
    for item in items:
        yield ("[" if not opened else ",") + inner + _nested(json_safe(item), level + 1)
        opened = True
    yield "\n" + _INDENT * level + "]" if opened else "[]"


def _nested(value: Any, level: int) -> str:
    """``value`` as json.dump writes it ``level`` deep (its line breaks are the indent's
    alone: a string's own are written as \\n)."""
    if isinstance(value, dict) and value:  # (a list's rows: a dict of texts, made quicker)
        flat = _flat(value, level)
        if flat is not None:
            return flat
    return _ENCODER.encode(value).replace("\n", "\n" + _INDENT * level)


_ENCODER = json.JSONEncoder(indent=2, default=str)


def _flat(row: dict[Any, Any], level: int) -> str | None:
    """A dict of texts (and nulls) by text keys, as json.dump writes it ``level`` deep
    (None: it holds something else)."""
    inner = ",\n" + _INDENT * (level + 1)
    parts = []
    for key, value in row.items():
        if not isinstance(key, str):
            return None
        if value is None:
            parts.append(f"{_text(key)}: null")
        elif isinstance(value, str):
            parts.append(f"{_text(key)}: {_text(value)}")
        else:
            return None
    return "{" + inner[1:] + inner.join(parts) + "\n" + _INDENT * level + "}"
