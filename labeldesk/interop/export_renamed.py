"""The manifest's ``renamed`` map of an export, for ``labeldesk version P verify``.

An export writes a file under another name than the image's path in the version where
it must (a name too long, unsafe on the destination, alike to another, FiftyOne's
unique keys, and every file of a Hugging Face export not at its path): ``renamed``
leads such a file (its path in the export) back to that path. ``labeldesk import`` of
the export into its project follows it: a row (a class-folder file, a metadata or
label-file row) goes to the image at the recorded path where its picture is at several
places in the project (copies) or was edited since (and a Label Studio task of a file
listed under ``no_split`` is found by it). So an entry edited to another path gives the file's label
to another image, or to none, and one naming a path outside the export or the image
folder (``../x.png``, ``/etc/passwd``) is none an export writes. Each is named here;
the file names of CSV and Parquet exports, which their ``path`` column repeats, are
checked with their default too (:func:`.export_hash_column.renamed_file_problems`).
"""

from __future__ import annotations

import posixpath
import re
from typing import Any

from labeldesk.core.json_shown import json_shown

from .export_target import MANIFEST

# the formats whose images are files of their own in the export (WebDataset's are in
# shards: it records no renamed file)
FILE_FORMATS = ("csv", "parquet", "labelstudio", "fiftyone", "hf", "imagefolder")
_DRIVE = re.compile(r"^[A-Za-z]:(/|$)")  # (not "c:x.png": a name on Linux)
EDITED = "the manifest was edited since it was exported"


def outside(path: str) -> bool:
    """``path`` is absolute (``/x``, ``C:\\x``, ``\\\\server\\x``) or climbs out of the
    folder it is relative to (a ``..`` part): none an export records."""
    tidy = path.replace("\\", "/")
    return tidy.startswith("/") or bool(_DRIVE.match(tidy)) or ".." in tidy.split("/")


def renamed_entry_problems(
    manifest: dict[str, Any], pictures: dict[str, str], paths: dict[str, set[str]]
) -> list[dict[str, str]]:
    """``{"path", "why"}`` for each entry of the manifest's ``renamed`` that no export
    writes: one naming a path outside the export, one leading a file outside the image
    folder or to another path than the version's of the picture it holds, one leading to
    no path, and a second file led to one image (``pictures``: the version's image
    files in the export -> content hash; ``paths``: content hash -> the version's paths
    of that picture). CSV and Parquet files' paths are checked with their names
    (:func:`.export_hash_column.renamed_file_problems`): here only the rest of theirs."""
    fmt = str(manifest.get("format"))
    recorded = manifest.get("renamed")
    if fmt not in FILE_FORMATS or recorded is None:
        return []
    if not isinstance(recorded, dict):
        return [{"path": MANIFEST, "why": (
            "its renamed is not a map of the files the export wrote under another name to "
            f"their paths in the version: {EDITED}; labeldesk import then leads no file back"
        )}]  # fmt: skip
    found: list[dict[str, str]] = []
    # a version's path -> the file led to it (first, those written under their own path)
    led_to = {default_path(fmt, f): f for f in sorted(pictures) if f not in recorded}
    for file, led in sorted(recorded.items(), key=lambda entry: str(entry[0])):
        if not isinstance(led, str):
            found.append({"path": MANIFEST, "why": (
                f"its renamed map leads {json_shown(file)} to {json_shown(led)}, not to a "
                f"path: {EDITED}"
            )})  # fmt: skip
            continue
        if outside(file):
            found.append({"path": MANIFEST, "why": (
                f"its renamed map names {json_shown(file)}, a path outside the export (it "
                f"names only files it wrote in it), and leads it to {json_shown(led)}: {EDITED}"
            )})  # fmt: skip
            continue
        if outside(led):
            found.append({"path": file, "why": (
                f"the manifest's renamed map leads it to {json_shown(led)}, a path outside the "
                "project's image folder (the export records each file's path in the "
                f"version): {EDITED}; labeldesk import would lead its row there"
            )})  # fmt: skip
            continue
        if file not in pictures:  # (a file not the version's, gone, or moved with the
            # manifest's lists edited and this entry not: it leads nothing, or the file
            # is said elsewhere)
            continue
        wrote = sorted(paths.get(pictures[file], ()))
        if wrote and led not in wrote and fmt in ("csv", "parquet"):
            continue  # (its name leads its row elsewhere: said with its name)
        if wrote and led not in wrote:
            found.append({"path": file, "why": (
                f"it holds the picture the version has at {wrote[0]}, but the manifest's "
                f"renamed map leads it to {led}: {EDITED}; labeldesk import into this "
                "project leads its row by that path where the picture is at several "
                "places or was edited since, so its label would go to another image"
            )})  # fmt: skip
            continue
        first = led_to.setdefault(led, file)
        if first != file:
            found.append({"path": file, "why": (
                f"the manifest's renamed map leads it to {led}, as it does {first}: two "
                f"files for one image of the version; {EDITED}, and labeldesk import "
                "would give both rows to that image"
            )})  # fmt: skip
    return found


def default_path(fmt: str, file: str) -> str:
    """The version's path of an image file the export wrote under its own path."""
    if fmt in ("csv", "parquet", "labelstudio"):
        return file.removeprefix("images/")
    if fmt == "fiftyone":
        head, _, rest = file.partition("data/")
        return rest if head == "" or (head.endswith("/") and "/" not in head[:-1]) else file
    return posixpath.normpath(file)
