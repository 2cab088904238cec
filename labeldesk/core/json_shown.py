"""A value read from a JSON file, shown in a message as JSON writes it.

A problem about a JSON value names it as the file has it (``true``, ``null``,
``{"a": 1}``), not as Python's repr would (``True``, ``None``, ``{'a': 1}``), so the
person can find it in the file.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

SHOWN_LIMIT = 120


def json_shown(value: object, limit: int = SHOWN_LIMIT) -> str:
    """``value`` as JSON text, cut to ``limit`` characters (an ellipsis ends a cut one).

    A list whose ``json_object`` attribute is true holds an object's (key, value) pairs
    (a reader that keeps a key written twice) and is shown as that object."""
    try:
        text = json.dumps(_plain(value), ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):  # not from JSON, or nested too deeply
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def quoted(text: str, as_json: bool) -> str:
    """A path, label or key of a file in a message, whole: as JSON writes it when it was
    read from a JSON file (``"a\\b"``, as the person finds it there), else as Python's
    repr (a CSV or Parquet file's ``'a\\b'``, as LabelDesk's messages have said it)."""
    if not as_json:
        return repr(text)
    shown = json.dumps(text, ensure_ascii=False)
    try:
        shown.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: escaped, as the file may have it
        return json.dumps(text)
    return shown


def _plain(value: object) -> object:
    if isinstance(value, list) and getattr(value, "json_object", False):
        return {str(key): _plain(item) for key, item in value}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    return value
