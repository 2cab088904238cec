"""OpenVINO's compiled models, kept in LabelDesk's model cache.

OpenVINO keeps what it compiles in the folder it is given (CACHE_DIR), under names of
its own (``<hash>.blob``) that say nothing of the model. Given one folder for every
model, it kept adding blobs (about 13 MB a model, per input size and fine-tuned model)
and nothing removed those of models no longer used. Each model now gets its own folder,
``openvino/<OpenVINO version>/<model>`` (the model's exported graph's name), with a mark
LabelDesk writes at each load (:data:`.model_cache.USED_NAME`), so that the model
cache's sweep (:mod:`.model_cache`, which also keeps the exported graphs bounded) can
tell LabelDesk's own folders, and which of them are in use, from anything else.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from .model_cache import CACHE_FOLDER, USED_NAME, mark_used, openvino_version, sweep_once

log = logging.getLogger(__name__)


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
    from .onnx_export import cache_dir

    return cache_dir() / CACHE_FOLDER / str(openvino_version())


def model_folder(name: str) -> Path | None:
    """The folder of the model ``name``'s compiled models for this OpenVINO version,
    made if need be and marked as loaded now; None where it cannot be made or written.
    The first load of a process also cleans the model cache up
    (:func:`.model_cache.sweep_once`), never touching this model's files."""
    version = version_folder()
    folder = version / name
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    if not os.access(folder, os.W_OK | os.X_OK):
        return None
    mark_used(folder / USED_NAME)
    sweep_once(version.parent.parent, name)
    return folder
