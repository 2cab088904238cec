"""The SHA-1 of a list's JSON text, made a piece at a time.

The predictions' cache key is the digest of one JSON list that holds every image's
content hash and split: at a million images one ``json.dumps`` of it is a single call
that holds the GIL for about a second and a half on a busy machine, so the window froze
while Ctrl+I's list was found in the background. Long inner lists are encoded here in
pieces, between which the GUI thread gets its turns; the text, and so the key, is the
same as the one-call ``json.dumps`` (the caches made before stay valid)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

PIECE = 20_000  # items of an inner list encoded in one call


def json_sha1(items: Sequence[object], piece: int = PIECE) -> str:
    """``hashlib.sha1(json.dumps(list(items)).encode()).hexdigest()``, with inner lists
    and tuples longer than ``piece`` encoded ``piece`` items at a time."""
    digest = hashlib.sha1(b"[")
    for k, item in enumerate(items):
        if k:
            digest.update(b", ")
        if isinstance(item, list | tuple) and len(item) > piece:
            digest.update(b"[")
            for start in range(0, len(item), piece):
                if start:
                    digest.update(b", ")
                text = json.dumps(list(item[start : start + piece]))
                digest.update(text[1:-1].encode())  # without the piece's own brackets
            digest.update(b"]")
        else:
            digest.update(json.dumps(item).encode())
    digest.update(b"]")
    return digest.hexdigest()
