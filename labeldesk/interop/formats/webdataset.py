"""WebDataset: tar shards ``OUT/<split>-000000.tar`` … and ``OUT/classes.txt``.

Each image is three members under one key: ``KEY.<ext>`` (the original bytes, never
re-encoded; ``.jpg``, ``.png``, …), ``KEY.cls`` (the class's index in ``classes.txt``, as
text) and ``KEY.json`` (``path``, ``label``, ``split``, ``hash``; ``status`` and, for a
verified image, ``verified_label``, where the image has one; ``no_split`` true for
an image without a split, written in a train shard as the train it counts in). An unlabeled image
(exported only when asked for) has no ``.cls``. Keys are ``<split>-<number>`` (the
``webdataset`` library cuts a member's name at its first dot, so a key holds none).

The same state writes the same bytes: images in (split, path) order, fixed member
times, owners and modes, and ``--shard-size`` images per shard (the last one fewer).
:mod:`.webdataset_read` reads shards back as labels, each sample matched to its image by
the bytes it holds.
"""

from __future__ import annotations

import io
import json
import os
import tarfile
from pathlib import Path
from typing import TYPE_CHECKING

from labeldesk.core.errors import Cancelled, LabelDeskError
from labeldesk.core.indexed_files import IndexedStat
from labeldesk.core.progress import Progress

from ..placing import SkipItem, read_unchanged
from ..writing import (
    EXPORT_CANCELLED,
    ExportRun,
    Item,
    export_classes,
    failed_row,
    register_exporter,
    verified_label,
)

if TYPE_CHECKING:
    from labeldesk.core.project import Project

SPLIT_ORDER = {"train": 0, "val": 1, "test": 2}
SUFFIXES = {"jpeg": "jpg", "jpe": "jpg", "tif": "tiff"}  # the names webdataset decodes
KNOWN = frozenset(("jpg", "png", "webp", "bmp", "gif", "tiff"))
# The formats LabelDesk indexes (core.imageio), told by their first bytes.
SIGNATURES = (
    (b"\xff\xd8\xff", "jpg"), (b"\x89PNG\r\n\x1a\n", "png"), (b"GIF87a", "gif"),
    (b"GIF89a", "gif"), (b"BM", "bmp"), (b"II*\x00", "tiff"), (b"MM\x00*", "tiff"),
)  # fmt: skip


@register_exporter("webdataset")
def _webdataset(run: ExportRun) -> None:
    """Shards of ``options.shard_size`` images per split, and classes.txt."""
    project, out, report = run.project, run.out, run.report
    size = run.options.shard_size
    if not isinstance(size, int) or size < 1:
        raise LabelDeskError(f"the shard size must be a whole number above 0 (got {size!r})")
    classes = export_classes(project, run.options)
    index = {name: n for n, name in enumerate(classes)}
    (out / "classes.txt").write_text("".join(f"{c}\n" for c in classes), encoding="utf-8")
    ordered = sorted(run.items, key=lambda i: (SPLIT_ORDER.get(i.split, 3), i.split, i.path))
    writer = _Shards(out, size)
    report.carries_status = True  # each record's status key
    counts: dict[str, int] = {}
    try:
        for done, item in enumerate(ordered, start=1):
            if run.cancel.cancelled:
                raise Cancelled(EXPORT_CANCELLED)
            try:
                data = read_image(project, item.read_from, item.indexed_stat, item.hash)
            except (SkipItem, OSError) as exc:
                report.failed.append(failed_row(item, exc))
                continue
            number = counts.get(item.split, 0)
            counts[item.split] = number + 1
            where = writer.add(item.split, number, _members(item, data, index))
            if item.split_implied:  # (in a train shard: the manifest says it had none)
                report.split_implied.add(where)
            if done % 200 == 0 or done == len(ordered):
                run.progress(Progress(done, len(ordered), "writing shards"))
    finally:
        writer.close()


def _members(item: Item, data: bytes, index: dict[str, int]) -> list[tuple[str, bytes]]:
    """(member suffix, bytes) of one sample: the image, its class index and its record."""
    suffix = image_suffix(data, item.path)
    record: dict[str, object] = {
        "path": item.path,
        "label": item.label,
        "split": item.split,
        "hash": item.hash,
    }
    if item.status is not None:  # (only then: an export without statuses stays as it was)
        record["status"] = item.status
    if verified_label(item) is not None:  # the label its "verified" holds for
        record["verified_label"] = verified_label(item)
    if item.split_implied:  # no split of its own, written as the train it counts in: the
        # record says so, so shards rewritten elsewhere (no manifest beside) read back so
        record["no_split"] = True
    members = [(suffix, data)]
    if item.label is not None:
        members.append(("cls", str(index[item.label]).encode()))
    members.append(("json", json.dumps(record, ensure_ascii=False, sort_keys=True).encode()))
    return members


def image_suffix(data: bytes, path: str) -> str:
    """The member suffix of an image: its format, told by its bytes (images are indexed
    by content, so a name may have no extension, or a dot that is not one); else the
    file's extension when it is an image's; else "img"."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    for signature, suffix in SIGNATURES:
        if data.startswith(signature):
            return suffix
    suffix = Path(path).suffix.lower().lstrip(".")
    suffix = SUFFIXES.get(suffix, suffix)
    return suffix if suffix in KNOWN else "img"


def read_image(
    project: Project,
    rel: str,
    indexed_stat: IndexedStat | None = None,
    content: str | None = None,
) -> bytes:
    """An image's bytes; a symbolic link to outside the image folder is not followed
    (unless the project follows them), nor a file changed since it was indexed (as
    ``indexed_stat`` and ``content`` say), as :func:`labeldesk.interop.placing.place`."""
    source = project.image_path(rel)
    if not project.follows_outside_links:
        real, root = os.path.realpath(source), os.path.realpath(project.root)
        if os.path.commonpath([real, root]) != root:
            raise SkipItem("a symbolic link to outside the image folder (not followed)")
    return read_unchanged(source, indexed_stat, content)


class _Shards:
    """An open shard per split; a new one after ``size`` samples. Members get fixed
    metadata (time 0, owner 0, mode 0644) so the bytes depend on the contents only."""

    def __init__(self, out: Path, size: int):
        self.out, self.size = out, size
        self.open: dict[str, tarfile.TarFile] = {}

    def add(self, split: str, number: int, members: list[tuple[str, bytes]]) -> str:
        """Write one sample; returns ``<shard>:<key>``, as the shards' reader names it."""
        shard, position = divmod(number, self.size)
        name = f"{split}-{shard:06d}.tar"
        if position == 0:
            self._close(split)
            path = self.out / name
            self.open[split] = tarfile.open(path, "w", format=tarfile.USTAR_FORMAT)  # noqa: SIM115
        key = f"{split}-{number:07d}"
        for suffix, data in members:
            info = tarfile.TarInfo(f"{key}.{suffix}")
            info.size, info.mtime, info.mode = len(data), 0, 0o644
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            self.open[split].addfile(info, io.BytesIO(data))
        return f"{name}:{key}"

    def _close(self, split: str) -> None:
        if split in self.open:
            self.open.pop(split).close()

    def close(self) -> None:
        for split in list(self.open):
            self._close(split)
