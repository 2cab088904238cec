"""An image path as the project stores it, from the spellings a notebook passes: a
``pathlib.Path``, or an absolute path inside the image folder (``p.root / "a/b.png"``).
Stored paths are relative to the image root with ``/`` separators, so neither form
could name an image before."""

from __future__ import annotations

import os
from pathlib import Path

from .errors import BadArgument


def inside_root(root: Path, path: str) -> str | None:
    """An absolute ``path`` relative to ``root`` (None when it is not inside it)."""
    absolute = Path(os.path.normpath(path))
    for base in dict.fromkeys((root, root.resolve())):
        try:
            return absolute.relative_to(base).as_posix()
        except ValueError:
            pass
    try:  # the root reached through a link: resolve the folder, not the file itself
        return (absolute.parent.resolve() / absolute.name).relative_to(root.resolve()).as_posix()
    except (ValueError, OSError):
        return None


def stored_spelling(root: Path, path: str | os.PathLike[str]) -> str:
    """``path`` as text, relative to ``root`` when it is an absolute path inside it (any
    other path stays as given, and names no image unless it is one's stored path).
    BadArgument for what is no path (a number: an image id is not its path)."""
    if not isinstance(path, str | bytes | os.PathLike):
        raise BadArgument(
            f"an image path must be text, relative to the image folder, or a pathlib.Path, "
            f"not {type(path).__name__} ({path!r})"
        )
    text = os.fspath(path)
    if not isinstance(text, str) or not os.path.isabs(text):
        return text
    return inside_root(root, text) or text
