"""OpenVINO's compiled models in LabelDesk's model cache, and their clean-up.

OpenVINO keeps what it compiles in the folder it is given (CACHE_DIR), under names of
its own (``<hash>.blob``) that say nothing of the model. Given one folder for every
model, it kept adding blobs (about 13 MB a model, per input size and fine-tuned model)
and nothing removed those of models no longer used. Each model now gets its own folder,
``openvino/<OpenVINO version>/<model>`` (the model's exported graph's name), with a file
LabelDesk writes (:data:`USED_NAME`) whose time says when it was last loaded, so that
LabelDesk can tell its own folders, and which of them are in use, from anything else.

At the first compile of a process (:func:`sweep`), a model's folder goes when no process
has loaded it for :data:`UNUSED_DAYS` days, and beyond :data:`MAX_BYTES` in all the least
recently loaded go, never one loaded within :data:`IN_USE_S` (another process may be
compiling or reading it; a compiled model in memory no longer needs its file, and on
Windows a file still open cannot be removed: it stays). Only ``*.blob`` files and the
marker are removed, and a folder only once that leaves it empty. Blobs loose in the
version folder (the layout before this one, which an older LabelDesk still reads) go
once unread for :data:`UNUSED_DAYS` days. A newer OpenVINO cannot read an older one's
compiled models, so the other versions' go (their loose blobs, and their model folders
LabelDesk marked).
"""

from __future__ import annotations

import contextlib
import logging
import os
import stat
import time
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

# OpenVINO's compiled models, in LabelDesk's model cache: reading them back instead of
# compiling the model's two halves again cut the setup of `labeldesk embed` from 0.56 to
# 0.43 s of CPU, and 0.50 to 0.36 s, in two runs (benchmarks/bench_embed_cpu.py -n 64)
CACHE_FOLDER = "openvino"
USED_NAME = "labeldesk-used"  # in a model's folder: its time is the model's last load
UNUSED_DAYS = 30  # a model's compiled models unread this long are removed
MAX_BYTES = 1 << 30  # beyond this in all, the least recently loaded models' go
IN_USE_S = 24 * 3600  # never removed by the size bound: loaded this recently
MARK_EVERY_S = 3600  # a load refreshes its model's mark at most this often

_swept: set[Path] = set()  # version folders swept by this process


def compile_cpu(core: Any, model: Any, config: dict[str, str], name: str) -> Any:
    """``core.compile_model(model, "CPU", config)``, kept in OpenVINO's compiled-model
    cache (CACHE_DIR: the folder of the model ``name``, see :func:`model_folder`), so
    that a later load reads the compiled model back instead of compiling it again. A
    cache that cannot be written (a read-only folder: OpenVINO then refuses to compile)
    is not used."""
    folder = model_folder(name)
    if folder is not None:
        try:
            return core.compile_model(model, "CPU", {**config, "CACHE_DIR": str(folder)})
        except RuntimeError as exc:
            log.info("OpenVINO's compiled-model cache not used (%s)", exc)
    return core.compile_model(model, "CPU", config)


def version_folder() -> Path:
    import openvino

    from .onnx_export import cache_dir

    return cache_dir() / CACHE_FOLDER / openvino.__version__.split("-")[0]


def model_folder(name: str) -> Path | None:
    """The folder of the model ``name``'s compiled models for this OpenVINO version,
    made if need be and marked as loaded now; None where it cannot be made or written.
    The first call of a process also cleans the cache up (:func:`sweep`)."""
    version = version_folder()
    folder = version / name
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    if not os.access(folder, os.W_OK | os.X_OK):
        return None
    _mark_used(folder)
    if version not in _swept:
        _swept.add(version)
        sweep(version, keep=folder)
    return folder


def _mark_used(folder: Path) -> None:
    marker = folder / USED_NAME
    try:
        if time.time() - marker.stat().st_mtime < MARK_EVERY_S:
            return
        os.utime(marker)
    except FileNotFoundError:
        with contextlib.suppress(OSError):  # a folder it cannot write: not cached anyway
            marker.write_bytes(b"")
    except OSError:
        pass


def sweep(version: Path, keep: Path | None = None, now: float | None = None) -> list[Path]:
    """Remove what LabelDesk no longer needs of OpenVINO's compiled models (see the
    module's text); ``keep``: the model being loaded. The folders (or loose blobs) whose
    blobs were removed."""
    now = time.time() if now is None else now
    removed: list[Path] = []
    for other in _entries(version.parent):
        if other.name != version.name and _is_folder(other):
            _remove_folder(other, nested=True)
            removed.append(other)
    models: list[tuple[float, int, Path]] = []  # (last load, bytes, folder)
    oldest = now - UNUSED_DAYS * 86400
    for entry in _entries(version):
        if _is_folder(entry):
            used = _mtime(entry / USED_NAME)
            if used is None or entry == keep:
                continue  # not a folder LabelDesk made, or the model being loaded
            if used < oldest:
                if _mtime(entry / USED_NAME) != used:
                    continue  # loaded meanwhile
                _remove_folder(entry)
                removed.append(entry)
            else:
                models.append((used, _blob_bytes(entry), entry))
        elif entry.name.endswith(".blob") and _unread_since(entry, oldest):
            _unlink(entry)
            removed.append(entry)
    total = sum(size for _, size, _ in models)
    if keep is not None:
        total += _blob_bytes(keep)
    for used, size, folder in sorted(models):  # least recently loaded first
        if total <= MAX_BYTES:
            break
        if used > now - IN_USE_S:
            break  # every one left was loaded within the day
        if _mtime(folder / USED_NAME) != used:
            continue  # loaded meanwhile
        _remove_folder(folder)
        removed.append(folder)
        total -= size
    for path in removed:
        log.info("removed OpenVINO's compiled models in %s (not used)", path)
    return removed


def _entries(folder: Path) -> list[Path]:
    try:
        return sorted(folder.iterdir())
    except OSError:
        return []


def _is_folder(path: Path) -> bool:
    try:
        return stat.S_ISDIR(path.lstat().st_mode)
    except OSError:
        return False


def _mtime(path: Path) -> float | None:
    try:
        info = path.lstat()
    except OSError:
        return None
    return info.st_mtime if stat.S_ISREG(info.st_mode) else None


def _unread_since(path: Path, oldest: float) -> bool:
    """Whether the regular file ``path`` was neither read nor written since ``oldest``
    (its access time: a file system mounted without access times keeps its creation)."""
    try:
        info = path.lstat()
    except OSError:
        return False
    return stat.S_ISREG(info.st_mode) and max(info.st_atime, info.st_mtime) < oldest


def _blob_bytes(folder: Path) -> int:
    total = 0
    for blob in folder.glob("*.blob"):
        try:
            info = blob.lstat()
        except OSError:
            continue
        if stat.S_ISREG(info.st_mode):
            total += info.st_size
    return total


def _unlink(path: Path) -> None:
    try:
        if stat.S_ISREG(path.lstat().st_mode):
            path.unlink()
    except OSError:
        pass  # gone already, still open (Windows), or not ours to remove: kept


def _remove_folder(folder: Path, nested: bool = False) -> None:
    """Remove the compiled models (``*.blob``, OpenVINO's own names) and LabelDesk's mark
    in ``folder`` (``nested``: in its subfolders LabelDesk marked too), then the folders
    that leaves empty; anything else stays, and so does its folder."""
    if nested:
        for sub in _entries(folder):
            if _is_folder(sub) and _mtime(sub / USED_NAME) is not None:
                _remove_folder(sub)
    for blob in folder.glob("*.blob"):
        _unlink(blob)
    _unlink(folder / USED_NAME)
    with contextlib.suppress(OSError):  # something else in it: kept
        folder.rmdir()
