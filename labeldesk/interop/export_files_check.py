"""An export's files against its manifest, for ``labeldesk version P verify``: each file's
SHA-256 as written, none gone and none added, a ``--symlink`` export's links by the bytes
of the image files they lead to, and the empty folders the export left."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from labeldesk.core.indexed_files import hash_file
from labeldesk.core.progress import CancelToken, ProgressCallback

from .export_check_result import VERIFY_CANCELLED, ExportCheck
from .export_manifest_read import manifest_rows
from .export_target import NOT_EXPORTED, contents
from .manifest import file_hashes

GONE = "gone from the export"
OTHER_BYTES = "holds other bytes than the image the manifest names"


def check_files(
    found: ExportCheck,
    manifest: dict[str, Any],
    folder: Path,
    linked: dict[str, str],
    progress: ProgressCallback,
    cancel: CancelToken,
    known: dict[str, dict[str, Any]],
) -> None:
    """Every file against the manifest; a link (``--symlink``) also by the bytes of the
    file it leads to, against ``linked``: the image hashes by path in the export.
    ``known``: files read already (WebDataset's shards), as :func:`file_hashes` lists."""
    written = {
        f["path"]: f for f in manifest_rows(manifest, "files") if isinstance(f.get("path"), str)
    }
    # an image's bytes against the content hash the manifest gives it (a GIF written as
    # PNG holds other bytes than the GIF's)
    images = linked.keys() - set(manifest.get("gif_as_png") or ())
    now = {
        f["path"]: f for f in file_hashes(folder, progress, cancel, images, VERIFY_CANCELLED, known)
    }
    _check_empty_folders(found, manifest, folder)
    for path in sorted(written.keys() | now.keys()):
        content = now[path].pop("content", None) if path in now else None
        if path not in now:
            found.files.append({"path": path, "why": GONE})
        elif path not in written:
            found.files.append({"path": path, "why": "not written by the export"})
        elif "kind" in now[path]:  # (a FIFO would block the read: never opened)
            kind = now[path]["kind"]
            found.files.append({"path": path, "why": f"{kind}, not the file the export wrote "
                                "(not opened)"})  # fmt: skip
        elif "unreadable" in now[path]:
            found.files.append({"path": path, "why": f"cannot be read: {now[path]['unreadable']}"})
        elif now[path] != written[path]:
            found.files.append({"path": path, "why": "edited since it was exported"})
        elif "link" in now[path] and path in linked:  # (--symlink: the image folder's file)
            why = _linked_bytes(folder / path, linked[path])
            if why:
                found.files.append({"path": path, "why": why})
        elif content is not None and content != linked[path]:  # (the manifest edited)
            found.files.append({"path": path, "why": OTHER_BYTES})


def _check_empty_folders(found: ExportCheck, manifest: dict[str, Any], folder: Path) -> None:
    """Empty folders against those the export left (where every image of a folder
    failed): torchvision's ImageFolder takes one for a class."""
    written = manifest.get("contents")
    listed = written.get("empty_folders") if isinstance(written, dict) else None
    if not isinstance(listed, list):
        return  # (an older export's manifest did not list them)
    now = contents(folder, NOT_EXPORTED)["empty_folders"]
    # (a folder emptied of files the export wrote: those files are named, gone)
    files = (f.get("path") for f in manifest_rows(manifest, "files"))
    parents = {p.rsplit("/", 1)[0] for p in files if isinstance(p, str) and "/" in p}
    for path in sorted(set(now) - set(listed) - parents):
        found.files.append({"path": path, "why": "an empty folder the export did not write"})
    for path in sorted(set(listed) - set(now)):
        found.files.append({"path": path, "why": "an empty folder the export wrote, gone"})


def _linked_bytes(link: Path, content: str) -> str | None:
    """Why the file ``link`` leads to is not the image of ``content`` any more, or None."""
    try:  # (hash_file refuses a FIFO, which would block: NotRegularFile is an OSError)
        now = hash_file(link)
    except OSError:
        return "the file it links to cannot be read now"
    return None if now == content else "the file it links to holds other bytes now"
