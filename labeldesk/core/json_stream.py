"""The items of a JSON document's top-level list (or the pairs of its top-level object)
parsed one at a time, so a label file of a million entries is never held as a million
parsed objects beside the rows made of them.

The standard library parses one value at a time from any place in a text
(:meth:`json.JSONDecoder.raw_decode`); what lies between the items (whitespace, commas,
the closing bracket) is read here. Only a well-formed document is read this way: at the
first thing that is not, :class:`NotStreamed` (or the parser's own error) is raised, and
the caller parses the whole text to report exactly what ``json.loads`` reports.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

__all__ = ["NotStreamed", "array_items", "object_pairs", "opening"]

_T = TypeVar("_T")
_SPACE = re.compile(r"[ \t\n\r]*")  # JSON's whitespace, as json.decoder skips it


class NotStreamed(ValueError):
    """The text is not a well-formed top-level list (or object) here: parse it whole."""


def opening(text: str) -> str:
    """The first character of the document after whitespace ("" when it is blank)."""
    at = _SPACE.match(text).end()  # type: ignore[union-attr]  # (matches "" at least)
    return text[at : at + 1]


def array_items(text: str, decoder: json.JSONDecoder) -> Iterator[Any]:
    """The items of the list ``text`` holds, parsed by ``decoder`` one at a time."""
    return _members(text, "[", "]", decoder.raw_decode)


def object_pairs(text: str, decoder: json.JSONDecoder) -> Iterator[tuple[str, Any]]:
    """The (key, value) pairs of the object ``text`` holds, in order, a key written twice
    given twice; each value parsed by ``decoder`` as it comes."""

    def pair(text: str, at: int) -> tuple[tuple[str, Any], int]:
        if text[at : at + 1] != '"':
            raise NotStreamed(at)
        key, at = decoder.raw_decode(text, at)  # (a string: it starts with a quote)
        at = _skip(text, at)
        if text[at : at + 1] != ":":
            raise NotStreamed(at)
        value, at = decoder.raw_decode(text, _skip(text, at + 1))
        return (key, value), at

    return _members(text, "{", "}", pair)


def _members(
    text: str, opener: str, closer: str, parse: Callable[[str, int], tuple[_T, int]]
) -> Iterator[_T]:
    """Each member of the container ``text`` holds (``opener`` … ``closer``, members
    between commas), as ``parse`` reads it from where it starts: (member, where it ends)."""
    at = _skip(text, 0)
    if text[at : at + 1] != opener:
        raise NotStreamed(at)
    at = _skip(text, at + 1)
    if text[at : at + 1] == closer:
        _end(text, at + 1)
        return
    while True:
        member, at = parse(text, at)
        yield member
        at = _skip(text, at)
        mark = text[at : at + 1]
        if mark == closer:
            _end(text, at + 1)
            return
        if mark != ",":
            raise NotStreamed(at)
        at = _skip(text, at + 1)


def _skip(text: str, at: int) -> int:
    return _SPACE.match(text, at).end()  # type: ignore[union-attr]


def _end(text: str, at: int) -> None:
    """Nothing but whitespace may follow the document."""
    if _skip(text, at) != len(text):
        raise NotStreamed(at)
