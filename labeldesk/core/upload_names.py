"""Matching a Label Studio upload's file name to the image it was uploaded from.

Label Studio stores an uploaded file under Django's safe spelling of its name: outer
spaces dropped, inner ones made ``_``, and every character but letters, digits, ``_``,
``-`` and ``.`` removed (``photo (1).jpg`` is stored as ``1a2b3c4d-photo_1.jpg``). A
row that a Label Studio reader marks as an upload (``LabelFile.upload_lines``) and whose
name names no image as it is finds the one image whose file name has that safe
spelling; when several do, they are listed, not guessed between. Only uploads are read
so: any other row names its file as it is called.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from .path_matches import PathMatches

_UNSAFE = re.compile(r"[^-\w.]")


def stored_name(name: str) -> str:
    """The name Label Studio stores an upload of ``name`` under (Django's
    ``get_valid_filename``): ``my photo (1).jpg`` -> ``my_photo_1.jpg``."""
    return _UNSAFE.sub("", name.strip().replace(" ", "_"))


class UploadNameMatches(PathMatches):
    HINT = (
        "these images' names differ only in characters Label Studio drops from an "
        "upload's name: rename one, or serve the images as local files"
    )

    @classmethod
    def wanted(cls, unmatched: Iterable[Sequence[str]]) -> set[str]:
        """Bare file names only: an upload's reference names no folder."""
        return {path for path in super().wanted(unmatched) if "/" not in path}

    @classmethod
    def match(cls, wanted: set[str], paths: Iterable[str]) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for path in paths:
            stored = stored_name(path.rsplit("/", 1)[-1])
            if stored in wanted:
                out.setdefault(stored, []).append(path)
        return {name: sorted(found) for name, found in out.items()}
