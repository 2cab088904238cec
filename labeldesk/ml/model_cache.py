"""LabelDesk's model cache (:func:`.onnx_export.cache_dir`) stays bounded.

Two kinds of files LabelDesk writes there pile up, one set per model, input size and
fine-tuned model: the exported graphs (``<model key>-v<N>.onnx``, with PyTorch's check
vectors of the model beside them: :func:`.runtime.reference_path`), and OpenVINO's
compiled models (``openvino/<OpenVINO version>/<graph's name>/*.blob``,
:mod:`.ov_cache`). Each has a mark LabelDesk writes at every load (refreshed at most
once every :data:`MARK_EVERY_S`), whose time says when the model was last loaded: the
graph's beside it (``<graph's name>.labeldesk-used``), the compiled models' in their
folder (:data:`USED_NAME`). A file is removed only when its name is one LabelDesk gives
AND its mark is there: anything else in the cache (a graph exported by hand, an older
LabelDesk's unmarked graph, a person's notes) stays.

At the first load of a process (:func:`sweep_once`), one sweep (:func:`sweep`) goes over
both kinds: what no process has loaded for :data:`UNUSED_DAYS` days goes, and beyond
:data:`MAX_BYTES` in all the least recently loaded go, never one loaded within
:data:`IN_USE_S` (another process may be reading it) and never the model being loaded.
Just before removing, the mark's time is read again: a load that marked it meanwhile
keeps it. A load that marks its model in the instant between that re-check and the
removal finds its file gone and exports or compiles it again (:func:`.runtime._from_graph`;
OpenVINO compiles when its blob is missing): slower once, never wrong. A graph goes
first, its mark last, so no state in between leaves a marked model with a partial file
that a load would take for whole. OpenVINO's blobs loose in a version folder (the
layout before model folders) go once unread for :data:`UNUSED_DAYS` days. Another
OpenVINO version's compiled models (which this one cannot read) go by the same rules as
this one's, not at once: two virtual environments with different OpenVINO versions may
share the model cache, and each removing the other's made every run compile again.
Folders in ``openvino`` not named like a version are not LabelDesk's and stay.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import stat
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from importlib import metadata
from pathlib import Path

log = logging.getLogger(__name__)

# OpenVINO's compiled models, in the model cache: reading them back instead of compiling
# the model's two halves again cut the setup of `labeldesk embed` from 0.56 to 0.43 s of
# CPU, and 0.50 to 0.36 s, in two runs (benchmarks/bench_embed_cpu.py -n 64)
CACHE_FOLDER = "openvino"
USED_NAME = "labeldesk-used"  # a model's mark of use: its time is the model's last load
UNUSED_DAYS = 30  # a model's files unread this long are removed
MAX_BYTES = 1 << 30  # beyond this in all, the least recently loaded models' go
IN_USE_S = 24 * 3600  # never removed by the size bound: loaded this recently
MARK_EVERY_S = 3600  # a load refreshes its model's mark at most this often

_GRAPH = re.compile(r"(?P<key>.+)-v[0-9]+")  # an exported graph's name, less ".onnx"
_VERSION = re.compile(r"[0-9]+(\.[0-9]+)+")  # an OpenVINO version's folder: 2026.4.1
_RELEASE = re.compile(r"[0-9]+(\.[0-9]+)*")  # of a package's version: 2024.5.0.dev2024…
_CHECK = r"-check[0-9]+-torch[0-9A-Za-z._]+\.npy"  # after the key: runtime.reference_path
_GRAPH_FILE = re.compile(r"(?P<key>.+)-v[0-9]+\.onnx")
_CHECK_FILE = re.compile(r"(?P<key>.+)" + _CHECK)

_swept: set[Path] = set()  # model caches swept by this process


@dataclass
class _Model:
    """One model's files of one kind: ``path`` (a graph, or a folder of compiled models)
    and the ``mark`` whose time ``used`` is its last load."""

    name: str  # the exported graph's name, less ".onnx": the model's, in both kinds
    path: Path
    mark: Path
    used: float
    size: int
    remove: Callable[[], bool]  # True: its file (or compiled models) removed


def graph_mark(graph: Path) -> Path:
    """The mark of use of the exported graph ``graph`` (beside it)."""
    return graph.with_name(f"{graph.stem}.{USED_NAME}")


def use_graph(graph: Path) -> None:
    """Record that the exported graph ``graph`` is being loaded (or exported) now, before
    it is read; the first call of a process also cleans the model cache up, never
    touching this graph."""
    try:
        graph.parent.mkdir(parents=True, exist_ok=True)
    except OSError:
        return  # not cached anyway
    mark_used(graph_mark(graph))
    sweep_once(graph.parent, graph.stem)


def mark_used(marker: Path) -> None:
    """Set the time of the mark ``marker`` to now (made if need be), at most once every
    :data:`MARK_EVERY_S`; a cache that cannot be written is left as it is."""
    try:
        if time.time() - marker.stat().st_mtime < MARK_EVERY_S:
            return
        os.utime(marker)
    except FileNotFoundError:
        with contextlib.suppress(OSError):
            marker.write_bytes(b"")
    except OSError:
        pass


def sweep_once(root: Path, keep: str) -> None:
    """:func:`sweep` of the model cache ``root``, once a process."""
    if root in _swept:
        return
    _swept.add(root)
    compiled = is_folder(root / CACHE_FOLDER)  # (no need to look OpenVINO up otherwise)
    sweep(root, keep, installed_openvino() if compiled else None)


def installed_openvino() -> str | None:
    """:func:`openvino_version` without importing OpenVINO where no load has yet (on the
    ONNX Runtime's path, importing it cost more than the sweep): the installed package's
    version."""
    if "openvino" in sys.modules:
        return openvino_version()
    try:
        found = _RELEASE.match(metadata.version("openvino"))
    except metadata.PackageNotFoundError:
        return None
    return found[0] if found else None


def openvino_version() -> str | None:
    """The folder name of this OpenVINO version's compiled models; None without OpenVINO."""
    try:
        import openvino
    except ImportError:
        return None
    return str(openvino.__version__).split("-")[0]


def sweep(
    root: Path, keep: str | None = None, version: str | None = None, now: float | None = None
) -> list[Path]:
    """Remove what LabelDesk no longer needs in the model cache ``root`` (see the
    module's text): exported graphs, and OpenVINO's compiled models (``version``: this
    OpenVINO's; None: OpenVINO's are left alone). ``keep``: the name of the model being
    loaded (its graph's, less ".onnx"). The graphs, folders and loose blobs removed."""
    now = time.time() if now is None else now
    oldest = now - UNUSED_DAYS * 86400
    removed: list[Path] = []
    models = _graphs(root)
    versions = _versions(root / CACHE_FOLDER, version) if version is not None else []
    for folder in versions:
        removed += _remove_loose_blobs(folder, oldest)
        models += _compiled(folder)
    left: list[_Model] = []
    total = 0
    for model in models:
        if model.name == keep:
            total += model.size
        elif model.used < oldest:
            if _remove(model):
                removed.append(model.path)
        else:
            left.append(model)
            total += model.size
    for model in sorted(left, key=lambda m: (m.used, str(m.path))):  # least recent first
        if total <= MAX_BYTES or model.used > now - IN_USE_S:
            break  # within the bound, or every one left was loaded within the day
        if _remove(model):
            removed.append(model.path)
            total -= model.size
    for folder in versions:
        if folder.name != version:  # another version's, once nothing is left in it
            with contextlib.suppress(OSError):
                folder.rmdir()
    for path in removed:
        log.info("removed %s from the model cache (not used)", path)
    return removed


def _remove(model: _Model) -> bool:
    if mtime(model.mark) != model.used:
        return False  # loaded meanwhile
    return model.remove()


def _graphs(root: Path) -> list[_Model]:
    """The exported graphs LabelDesk marked in ``root`` (a mark whose graph is gone too:
    a removal cut short)."""
    models = []
    suffix = f".{USED_NAME}"
    listed = entries(root)
    folder = _Folder.of(entry.name for entry in listed)
    for entry in listed:
        name = entry.name[: -len(suffix)]
        if not entry.name.endswith(suffix) or not _GRAPH.fullmatch(name):
            continue
        used = mtime(entry)
        if used is None:
            continue
        graph = root / f"{name}.onnx"
        size = file_size(graph)
        models.append(_Model(name, graph, entry, used, size, partial(_remove_graph, graph, folder)))
    return models


@dataclass
class _Folder:
    """The exported graphs and PyTorch's check vectors in the model cache, by model key,
    from one listing of it (the sweep listed the folder again for every graph it
    removed: 6.6 s of CPU for 1,000 graphs, benchmarks/bench_model_cache_sweep.py)."""

    graphs: dict[str, set[str]]  # a model key's graphs' file names
    checks: dict[str, list[str]]  # its check vectors' file names

    @classmethod
    def of(cls, names: Iterable[str]) -> _Folder:
        folder = cls({}, {})
        for name in names:
            if (graph := _GRAPH_FILE.fullmatch(name)) is not None:
                folder.graphs.setdefault(graph["key"], set()).add(name)
            elif (check := _CHECK_FILE.fullmatch(name)) is not None:
                folder.checks.setdefault(check["key"], []).append(name)
        return folder


def _remove_graph(graph: Path, folder: _Folder | None = None) -> bool:
    """Remove the exported graph ``graph``, then PyTorch's check vectors of its model once
    no other graph of that model is left, then the graph's mark; True if the graph was
    removed here. A graph that is not a regular file (a link) or cannot be removed (a
    read-only cache) stays, and so do its mark and check vectors: it is not reported as
    removed, nor left unmarked. ``folder``: the cache's files as listed (else listed now)."""
    there = os.path.lexists(graph)
    if there and not unlink(graph):
        return False
    folder = _Folder.of(p.name for p in entries(graph.parent)) if folder is None else folder
    key = _GRAPH.fullmatch(graph.stem)
    if key is not None:
        graphs = folder.graphs.get(key["key"], set())
        graphs.discard(graph.name)
        if not graphs:
            for name in folder.checks.pop(key["key"], []):
                unlink(graph.parent / name)
    unlink(graph_mark(graph))
    return there


def _compiled(version: Path) -> list[_Model]:
    """The folders of compiled models LabelDesk marked in the OpenVINO ``version``'s folder."""
    models = []
    for entry in entries(version):
        used = mtime(entry / USED_NAME) if is_folder(entry) else None
        if used is not None:
            remove = partial(_remove_folder, entry)
            models.append(_Model(entry.name, entry, entry / USED_NAME, used, _blobs(entry), remove))
    return models


def _versions(folder: Path, version: str) -> list[Path]:
    """The folders of OpenVINO versions' compiled models in ``folder``: ``version``'s
    (this one's) and those named like another version; not links."""
    return [
        entry
        for entry in entries(folder)
        if (entry.name == version or _VERSION.fullmatch(entry.name)) and is_folder(entry)
    ]


def _remove_loose_blobs(version: Path, oldest: float) -> list[Path]:
    """Remove the blobs loose in the version folder ``version`` (the layout before model
    folders, which an older LabelDesk still reads) that were neither read nor written
    since ``oldest`` (their access time: a file system mounted without access times
    keeps their creation)."""
    removed = []
    for entry in entries(version):
        try:
            info = entry.lstat()
        except OSError:
            continue
        loose = entry.name.endswith(".blob") and stat.S_ISREG(info.st_mode)
        if loose and max(info.st_atime, info.st_mtime) < oldest and unlink(entry):
            removed.append(entry)
    return removed


def _blobs(folder: Path) -> int:
    return sum(file_size(blob) for blob in folder.glob("*.blob"))


def _remove_folder(folder: Path) -> bool:
    """Remove the compiled models (``*.blob``, OpenVINO's own names) in ``folder``, then
    LabelDesk's mark, then the folder once that leaves it empty; anything else stays, and
    so does its folder. True if every compiled model went; else (a link, a read-only
    cache) the mark stays too."""
    kept = [blob for blob in folder.glob("*.blob") if not unlink(blob)]
    if kept:
        return False
    unlink(folder / USED_NAME)
    with contextlib.suppress(OSError):  # something else in it: kept
        folder.rmdir()
    return True


def entries(folder: Path) -> list[Path]:
    try:
        return sorted(folder.iterdir())
    except OSError:
        return []


def is_folder(path: Path) -> bool:
    try:
        return stat.S_ISDIR(path.lstat().st_mode)
    except OSError:
        return False


def mtime(path: Path) -> float | None:
    """The modification time of the regular file ``path``; None for anything else."""
    try:
        info = path.lstat()
    except OSError:
        return None
    return info.st_mtime if stat.S_ISREG(info.st_mode) else None


def file_size(path: Path) -> int:
    """The size of the regular file ``path``; 0 for anything else."""
    try:
        info = path.lstat()
    except OSError:
        return 0
    return info.st_size if stat.S_ISREG(info.st_mode) else 0


def unlink(path: Path) -> bool:
    """Remove the regular file ``path``; True if removed here. A link, a folder, or a
    file that cannot be removed (gone already, still open on Windows, a read-only folder)
    is left."""
    try:
        if stat.S_ISREG(path.lstat().st_mode):
            path.unlink()
            return True
    except OSError:
        pass
    return False
