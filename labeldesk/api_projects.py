"""Making a project from Python, as ``labeldesk new`` does (part of :mod:`labeldesk.api`,
reached as ``ld.new_project``)."""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable
from typing import TYPE_CHECKING

from labeldesk.api_words import api_words
from labeldesk.core.progress import CancelToken, ProgressCallback
from labeldesk.core.progress_bar import shown_progress

if TYPE_CHECKING:
    from labeldesk.core.project import Project


class FolderWarning(UserWarning):
    """What ``labeldesk new`` warns about after indexing (a ``dev/`` folder beside
    ``train/`` read as a class, the project inside its image folder, …), as a Python
    warning from :func:`new_project`."""


@api_words
def new_project(
    path: str | os.PathLike[str],
    images: str | os.PathLike[str],
    *,
    labels: str | os.PathLike[str] | None = None,
    classes: Iterable[str] = (),
    force: bool = False,
    progress: ProgressCallback | bool | None = None,
    cancel: CancelToken | None = None,
) -> Project:
    """Make a project in the new folder ``path`` for the image folder ``images`` and
    index it, as ``labeldesk new PATH --images IMAGES`` does; the project, open (close
    it, or use it in a ``with`` block). The images are never changed.

    ``labels``: a CSV or JSON file of labels (``--labels``: ``path,label[,split]``);
    ``classes``: the classes, in order (``--classes``; a labels file may use only
    these); ``force``: index a folder that looks one level too high (every image would
    take the folder's name as its class) all the same. What ``labeldesk new`` warns
    about comes as a :class:`FolderWarning`. On any error nothing is made.
    ``progress``: as in ``ld.embed``."""
    from labeldesk.core.create import create_and_index
    from labeldesk.core.errors import BadArgument
    from labeldesk.core.layout_check import check_layout, still_true

    if isinstance(classes, str):  # "cat, dog" would be six one-letter classes
        raise BadArgument(f"classes must be a list of names, not the text {classes!r}")
    with shown_progress(progress) as report:
        project, counts = create_and_index(
            os.fspath(path),
            os.fspath(images),
            classes=list(classes),
            labels_file=None if labels is None else os.fspath(labels),
            refuse_too_high=not force,
            progress=report,
            cancel=cancel,
        )
    found = check_layout(project.root)
    if labels is not None:  # a class a folder name gave, that the file relabeled: no more
        found = still_true(found, project.count_labeled)
    for warning in [*map(str, found), *counts.warnings]:
        warnings.warn(warning, FolderWarning, stacklevel=3)  # the caller's line (past api_words)
    return project
