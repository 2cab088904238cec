"""LabelDesk: curate image-classification datasets locally.

Notebook entry point (the same functions the command line and the app use)::

    import labeldesk as ld
    p = ld.open_project("my-project")  # or ld.new_project("my-project", "images-folder")
    p.images()                        # DataFrame indexed by image id
    ld.model_values(p)                # the model's view of each image, by the same id
    ld.embed(p)                       # progress: a bar, a notebook widget, or log lines
    p.set_label("train/cat/001.jpg", "dog"); p.undo(); ld.create_version(p, "v1")
    ld.issues(p); ld.predictions(p); ld.queue(p, n=50); ld.outliers(p, n=20)
    ld.similar(p, "train/cat/001.jpg", k=10); ld.duplicates(p)
    ld.export(p, "out", format="imagefolder")
    ld.drift(p, "new-batch"); ld.model_versions(p)

The functions live in :mod:`labeldesk.api` and load their libraries only when called;
``help(ld.embed)`` and the others say what each takes. Every failure LabelDesk expects
raises a :class:`LabelDeskError` that says what to do.

Importing it sets ``OMP_WAIT_POLICY=PASSIVE`` when the variable is unset and no OpenMP
runtime is loaded yet (:mod:`labeldesk.openmp_wait`).
"""

import importlib
from typing import TYPE_CHECKING, Any

from labeldesk.openmp_wait import sleep_while_waiting

# Before anything loads an OpenMP runtime: its idle threads then sleep (README, Large
# projects), in scripts and notebooks as in the command, unless the user set the variable.
sleep_while_waiting()

if TYPE_CHECKING:
    from labeldesk.api_projects import FolderWarning
    from labeldesk.core.errors import BadArgument, LabelDeskError
    from labeldesk.core.project import Project

__version__ = "0.1.0"
API = (
    "create_version", "crossfit_predictions", "drift", "duplicates", "embed", "expected_errors",
    "export", "issues", "model_values", "model_versions", "new_project", "open_project",
    "open_version_diff", "outliers", "predictions", "queue", "similar", "stats", "unembedded",
    "version_diff", "versions",
)  # fmt: skip
CORE = {  # loaded when first used too: `labeldesk` (the command) starts with nothing heavy
    "BadArgument": "labeldesk.core.errors",
    "FolderWarning": "labeldesk.api_projects",  # what ld.new_project warns about
    "LabelDeskError": "labeldesk.core.errors",
    "Project": "labeldesk.core.project",
}
SUBMODULES = ("api", "quality")  # ``ld.api.records(...)`` without importing it first
__all__ = ["BadArgument", "FolderWarning", "LabelDeskError", "Project", "__version__", *API]


def __getattr__(name: str) -> Any:
    """The API's functions and modules, imported when first used (``import labeldesk``
    stays quick: pandas and the rest load with the first call)."""
    if name in API:
        from labeldesk import api

        return getattr(api, name)
    if name in CORE:
        return getattr(importlib.import_module(CORE[name]), name)
    if name in SUBMODULES:
        return importlib.import_module(f"labeldesk.{name}")
    raise AttributeError(f"module 'labeldesk' has no attribute {name!r}")


def __dir__() -> list[str]:
    """What ``dir(ld)`` and a notebook's completion (``ld.<Tab>``) offer: the API too,
    which loads only when used (they offered none of it)."""
    return sorted({*globals(), *API, *CORE, *SUBMODULES})
