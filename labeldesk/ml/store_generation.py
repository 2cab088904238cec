"""Which vectors file a reader opened: its generation.

A store's vectors file is replaced, never cut back, when the store is rebuilt, so a
reader (or a cache in the process, or on a cluster's nodes) can tell the new rows from
the ones it counted. The file's inode number alone cannot tell them apart for good: a
filesystem gives freed inode numbers out again (ext4 cycled through three while one file
was replaced again and again), so two rebuilds could hand a reader a file with its old
number and other rows. Each replacement therefore first writes a new random token beside
the file (:data:`TOKEN_NAME`), and the generation is the inode number and that token
together. A store no replacement has touched since (no token) keeps its inode number as
its generation, so caches made before tokens stay valid.

Standard library only: the nodes of a Ray cluster compute it too
(:mod:`labeldesk.ml.ray_graph_worker`).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from pathlib import Path

TOKEN_NAME = "generation"
TOKEN_CHARS = 32  # hex digits of a token; anything else in the file counts as no token


def read_token(folder: Path) -> str:
    """The store's replacement token, or "" where none was written (or it is unreadable)."""
    try:
        with open(folder / TOKEN_NAME, "rb") as f:
            text = f.read(TOKEN_CHARS + 2).decode("ascii").strip()
    except (OSError, UnicodeDecodeError):
        return ""
    return text if len(text) == TOKEN_CHARS and all(c in "0123456789abcdef" for c in text) else ""


def generation(inode: int, token: str) -> int:
    """The generation of a vectors file with this inode number under this token."""
    if not token:
        return inode
    digest = hashlib.blake2b(f"{inode}:{token}".encode(), digest_size=7).digest()
    return int.from_bytes(digest, "big")  # 56 bits: fits every integer it is stored in


def file_generation(folder: Path, inode: int) -> int:
    """The generation of the vectors file with this inode number in ``folder``."""
    return generation(inode, read_token(folder))


def new_token(folder: Path, write: Callable[[Path, bytes], object]) -> None:
    """Before a vectors file is replaced: a new token (``write(path, data)`` writes it
    atomically), so no later file, whatever its inode number, has the old generation."""
    write(folder / TOKEN_NAME, (secrets.token_hex(TOKEN_CHARS // 2) + "\n").encode())
