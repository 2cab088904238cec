"""Embedding a folder that is not part of the project (the new data a drift report checks).

The folder is read, never indexed: no row is added to the project's database. Its images
are probed like a scan probes them (allow-listed formats, decompression-bomb limit, EXIF
orientation; a file that fails is listed with its reason) and embedded with the project's
backbone the way :mod:`labeldesk.ml.embed` embeds project images (from the same
content-addressed thumbnail when it is big enough, else the original). An original whose
size or modification time is no longer what the probe saw (a folder still being copied
or synced) is listed as changed, not embedded: its pixels may not be the content its hash
names, and a vector stored under that hash would stay wrong for good. The vectors go to
the project's vector store, keyed by content hash like every other vector: a second report
on the same folder embeds nothing, and an image later added to the project already has
its vector. Rows of images the project does not have are ignored by every project reader
(they select rows by the project's hashes).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from labeldesk.core.errors import ImageRootError, LabelDeskError
from labeldesk.core.imageio import ProbeResult
from labeldesk.core.progress import CancelToken, Progress, ProgressCallback, no_progress

from .backbones import Backbone

if TYPE_CHECKING:
    from labeldesk.core.project import Project

BATCH = 32
PROBE_WORKERS = 1  # decoding shares the cores with the model run that follows


CHANGED_SINCE_READ = "changed since it was read; run the report again"


class EmptyFolder(LabelDeskError):
    """The new folder holds no image that can be read."""


@dataclass
class NewImages:
    """The readable images of the new folder, row by row aligned with ``vectors``."""

    root: Path
    paths: list[str]  # relative to root, "/" separators, sorted
    hashes: list[str]
    phashes: list[int | None]
    vectors: np.ndarray  # float32 (N, dim), L2-normalised
    unreadable: list[dict[str, str]] = field(default_factory=list)  # {"path", "reason"}
    embedded: int = 0  # vectors computed now (the rest came from the store)
    thumbs_dir: Path | None = None


def list_folder(
    project: Project,
    root: Path | str,
    cancel: CancelToken | None = None,
    thumbs: Path | None = None,
) -> tuple[list[ProbeResult], list[dict[str, str]]]:
    """Probe every candidate image under ``root`` (thumbnails into ``thumbs``, else the
    project's content-addressed thumbnail cache): (usable results by path, unreadable
    files)."""
    from labeldesk.core.given_folders import check_images_folder
    from labeldesk.core.probe_pool import probe_all
    from labeldesk.core.walk import walk_images

    cancel = cancel or CancelToken()
    try:
        folder = check_images_folder(root)
    except ImageRootError as exc:
        raise ImageRootError(str(exc).replace("image folder", "new image folder")) from None
    walked = walk_images(folder, exclude=(project.path,))
    unreadable = [{"path": p, "reason": r} for p, r in sorted(walked.problems.items())]
    usable: list[ProbeResult] = []
    probed = probe_all(
        str(folder), str(thumbs or project.thumbs_dir), sorted(walked.files), PROBE_WORKERS, cancel
    )
    for result in probed:
        if result.skip_reason or result.hash is None:
            unreadable.append({"path": result.path, "reason": result.skip_reason or "unreadable"})
        else:
            usable.append(result)
    cancel.raise_if_cancelled()
    if not usable:
        if unreadable:
            shown = "; ".join(f"{u['path']}: {u['reason']}" for u in unreadable[:5])
            raise EmptyFolder(
                f"no readable image in {folder} ({len(unreadable)} unreadable: {shown})"
            )
        raise EmptyFolder(f"no images in {folder}: nothing to compare with the project")
    usable.sort(key=lambda r: r.path)
    unreadable.sort(key=lambda u: u["path"])
    return usable, unreadable


def embed_folder(
    project: Project,
    root: Path | str,
    *,
    backbone: Backbone | None = None,
    device: str = "auto",
    runtime: str = "auto",
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> NewImages:
    """Vectors of every readable image under ``root`` from the project's current backbone,
    computing only those whose content has none in the store yet. A project that cannot
    be written (a read-only share or disk) keeps those in memory, and the thumbnails in
    a temporary folder: nothing is written to it."""
    from .backbones import load_backbone
    from .device import resolve_device
    from .embed_decode import ImageFiles, _load_batch
    from .runtime import load_runner
    from .store import current_store, model_spec
    from .vectors import VectorStore

    cancel = cancel or CancelToken()
    store = current_store(project)  # NoEmbeddings: the project must be embedded first
    progress(Progress(0, 0, "reading the new images"))
    read_only = project.read_only is not None
    thumbs = project.scratch_thumbs_dir() if read_only else project.thumbs_dir
    if backbone is None and _some_unstored(project, root, store.rows_for, cancel):
        # Loaded before the probe writes the folder's thumbnails into the project's cache:
        # the load is then the job's first stretch and nothing is written before it, so a
        # Cancel meanwhile may end a child at once (CancelToken.may_be_killed).
        device = resolve_device(device)
        spec = model_spec(store)  # (outside the stretch: may rewrite a damaged spec.json)
        progress(Progress(0, 0, "loading the project's model"))
        with cancel.may_be_killed():
            backbone = load_backbone(spec)
        cancel.raise_if_cancelled()
    results, unreadable = list_folder(project, root, cancel, thumbs)
    folder = Path(root).resolve()
    hashes = [r.hash or "" for r in results]
    todo: dict[str, ProbeResult] = {}
    for result, row in zip(results, store.rows_for(hashes), strict=True):
        if row < 0:
            todo.setdefault(result.hash or "", result)
    embedded = 0
    fresh: dict[str, np.ndarray] = {}  # a read-only project's new vectors, as stored
    if todo:
        device = resolve_device(device)
        progress(Progress(0, 0, "loading the project's model"))
        backbone = backbone or load_backbone(model_spec(store))
        if backbone.identity.key != store.folder.name:
            raise LabelDeskError(
                f"the model {backbone.identity.name!r} is not the one that embedded this "
                f"project ({store.folder.name}); re-embed the project or pass its model"
            )
        files = ImageFiles(folder, thumbs)
        pre = backbone.identity.preprocess
        writing = (
            nullcontext(None)
            if read_only
            else VectorStore.writer(store.folder, store.dim, cancel=cancel)
        )
        with writing as writer:
            # Another run may have embedded some meanwhile: ask the writer again.
            items = [
                _item(r)
                for h, r in sorted(todo.items())
                if writer is None or writer.rows_for([h])[0] < 0
            ]
            net = load_runner(backbone, device, runtime).features if items else None
            progress(Progress(0, len(items), "embedding the new images"))
            for start in range(0, len(items), BATCH):
                cancel.raise_if_cancelled()
                # The original is checked against the probe's size and mtime, as `embed`
                # checks it against the scan's; a file that broke is listed too.
                done, pixels, failed = _load_batch(
                    files, items[start : start + BATCH], pre, changed=CHANGED_SINCE_READ
                )
                unreadable += failed
                if done and net is not None:
                    if writer is None:
                        computed = np.asarray(net(pixels), dtype=np.float16)
                        fresh.update(zip(done, computed, strict=True))
                    else:
                        writer.append(done, net(pixels))
                    embedded += len(done)
                progress(
                    Progress(min(start + BATCH, len(items)), len(items), "embedding the new images")
                )
    store = VectorStore.open_existing(store.folder)
    rows = store.rows_for(hashes)
    in_memory = np.array([h in fresh for h in hashes], dtype=bool)
    keep = np.flatnonzero((rows >= 0) | in_memory)
    if len(keep) == 0:
        raise EmptyFolder(f"none of the {len(hashes)} images in {folder} could be embedded")
    vectors = np.empty((len(keep), store.dim), dtype=np.float32)
    stored = rows[keep] >= 0
    if stored.any():
        vectors[stored] = store.gather(rows[keep][stored])  # as the project's rows are read
    for i in np.flatnonzero(~stored):
        vectors[i] = fresh[hashes[keep[i]]]
    picked = [results[i] for i in keep]
    return NewImages(
        root=folder,
        paths=[r.path for r in picked],
        hashes=[r.hash or "" for r in picked],
        phashes=[r.phash for r in picked],
        vectors=vectors,
        unreadable=sorted(unreadable, key=lambda u: u["path"]),
        embedded=embedded,
        thumbs_dir=thumbs,
    )


def _some_unstored(
    project: Project,
    root: Path | str,
    rows_for: Callable[[list[str]], np.ndarray],
    cancel: CancelToken,
) -> bool:
    """Whether some file under ``root`` holds content without a vector in the store: its
    bytes are read and hashed (nothing decoded, nothing written), up to the first such
    batch. A file that cannot be read is left to the probe, which lists it."""
    from labeldesk.core.given_folders import check_images_folder
    from labeldesk.core.indexed_files import hash_file
    from labeldesk.core.walk import walk_images

    try:
        folder = check_images_folder(root)
    except ImageRootError:
        return False  # the probe says so, as before
    files = sorted(walk_images(folder, exclude=(project.path,)).files)
    for start in range(0, len(files), BATCH):
        cancel.raise_if_cancelled()
        hashes = []
        for rel in files[start : start + BATCH]:
            try:
                hashes.append(hash_file(folder / rel))
            except (OSError, ValueError):
                continue
        if hashes and (rows_for(hashes) < 0).any():
            return True
    return False


def _item(result: ProbeResult) -> tuple[str, str, int, int, int, int | None]:
    """What decoding needs of a probed image: (hash, path, short side, size, mtime_ns,
    ctime_ns)."""
    width, height = result.width or 0, result.height or 0
    short = min(width, height)
    return (result.hash or "", result.path, short, result.size, result.mtime_ns, result.ctime_ns)
