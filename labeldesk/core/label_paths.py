"""How a label file's row names an image: the project paths its path may mean.

A row may write a path with ``./``, backslashes, the image root before it, as a
``file:`` URI or a web or bucket URL (:func:`url_path`), with outer spaces or in the
other Unicode form; :func:`candidates` lists
what it may mean, most likely first, and :func:`exact` picks the one an image has.
"""

from __future__ import annotations

import os
import posixpath
import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .label_file_formats import leaves_folder
from .root_paths import inside_root

__all__ = [
    "Spellings",
    "candidates",
    "exact",
    "file_uri_path",
    "is_file_uri",
    "listed",
    "relative",
    "spellings",
    "tidy",
]


def tidy(path: str) -> str:
    """``./a//b\\c.png`` -> ``a/b/c.png``: one spelling for one relative path."""
    text = path.replace("\\", "/")
    tidied = posixpath.normpath(text) if text else text
    if tidied == ".":
        return ""
    return path if tidied == path else tidied  # (not an equal copy: a million rows)


def relative(root: Path, path: str) -> str | None:
    """An absolute ``path`` relative to ``root`` (None when it is not inside it)."""
    return inside_root(root, path)


def candidates(root: Path, path: str) -> list[str]:
    """Project paths ``path`` may mean, most likely first: without outer spaces, tidied
    (``/`` separators, relative to the image root), then as written (a file name may
    hold a backslash on Linux, or outer spaces); then each in the other Unicode forms."""
    out: list[str] = []
    written = path
    if is_file_uri(path):  # a local file URI is the absolute path it names
        path = file_uri_path(path)
    elif path[:5].lower() == "file:" and _climbs_or_drive(unquote(path[5:])):
        path = unquote(path[5:])  # "file:../x", "file:C:/x": judged as what they name
    # stripped first: the first spelling is the one matched by suffix or stem, and
    # " /elsewhere/a.jpg" is as absolute as "/elsewhere/a.jpg" (never matched so); an
    # exact match tries the path as written first (:func:`exact`)
    elif "://" in path[:16] and (in_url := url_path(path.strip())) is not None:
        path = in_url  # a web URL's path, a bucket's key: matched by suffix
    for text in (path.strip(), path) if path != path.strip() else (path,):
        unified = text.replace("\\", "/")
        if os.path.isabs(text) or os.path.isabs(unified):  # (Path() is slow for 1M rows)
            rel = relative(root, text if os.path.isabs(text) else unified)
            if rel is not None:
                out.append(rel)
        else:
            out.append(tidy(text))
        out.append(text)
    # A file written on macOS spells é decomposed (NFD), Linux keeps what it was given:
    # the other Unicode form of a path that names no image may name one.
    out += [
        unicodedata.normalize(form, p)
        for p in list(out)
        if not p.isascii()  # (the same in every form: a million rows skip it)
        for form in ("NFC", "NFD")
    ]
    out.append(written)  # "file:0001.jpg" may be a file's own name
    return [p for p in dict.fromkeys(out) if p]


Spellings = str | list[str]  # one path alone, or several


def spellings(root: Path, path: str) -> Spellings:
    """:func:`candidates`, as the path itself when that is the only one (a million rows
    of plain paths keep no list each)."""
    found = candidates(root, path)
    return path if len(found) == 1 and found[0] == path else found


def listed(found: Spellings) -> list[str]:
    """:func:`spellings` as a list."""
    return [found] if isinstance(found, str) else found


def is_file_uri(path: str) -> bool:
    """``file:/...``: a URI naming an absolute path. Other ``file:`` names may be a
    file's own name (``file:0001.jpg``) and stay as written, unless they climb out or
    name a drive (:func:`_climbs_or_drive`)."""
    return path[:6].lower() == "file:/"


def _climbs_or_drive(path: str) -> bool:
    text = path.strip().replace("\\", "/")
    return leaves_folder(text) or (len(text) > 1 and text[1] == ":" and text[0].isalpha())


def exact(written: str, candidates: Sequence[str], known: set[str]) -> str | None:
    """The image a row names exactly: by its path as written first (a file may be named
    with an outer space), then by the other spellings, most likely first."""
    return written if written in known else next((c for c in candidates if c in known), None)


# A web URL (its path is escaped) or a bucket's URL (the object's key as the bucket
# spells it: "#", "?" and "%" are ordinary characters there)
_WEB_URL = re.compile(r"^https?://[^/]+/", re.I)
_BUCKET_URL = re.compile(r"^(?:s3|s3a|gs|gcs|azure-blob|az|abfss?|r2)://[^/]+/", re.I)


def url_path(url: str) -> str | None:
    """``https://host/photos/caf%C3%A9.jpg?x=1`` -> ``photos/café.jpg``;
    ``s3://bucket/photos/a.jpg`` -> ``photos/a.jpg``: a path matched by suffix, as a
    Label Studio task's URL is. None: no such URL."""
    if bucket := _BUCKET_URL.match(url):
        return url[bucket.end() :] or None
    if _WEB_URL.match(url):
        try:
            return unquote(urlsplit(url).path).lstrip("/") or None
        except ValueError:  # "http://[x/a.jpg": names no image
            return None
    return None


def file_uri_path(uri: str) -> str:
    """``file:///a/b%20c.jpg`` -> ``/a/b c.jpg`` (``file:///C:/x`` -> ``C:/x``); a URI
    that will not parse stays as written (and names no image)."""
    try:
        local = unquote(urlsplit(uri).path)
    except ValueError:
        return uri
    if len(local) > 2 and local[0] == "/" and local[2] == ":" and local[1].isalpha():
        local = local[1:]  # a Windows drive
    return local or uri
