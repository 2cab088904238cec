"""Opening and making a project from Python (part of :mod:`labeldesk.api`, reached as
``ld.open_project`` and ``ld.new_project``, which ``labeldesk new`` does); the project
they return says, where a write needs a keyword the command line spells as a flag,
the keyword."""

from __future__ import annotations

import contextvars
import functools
import inspect
import os
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Concatenate, ParamSpec, TypeVar

from labeldesk.api_words import api_words, in_api_words, on_command_line, reworded
from labeldesk.core import project as project_module
from labeldesk.core.errors import LabelFileError, UnknownClassError
from labeldesk.core.progress import CancelToken, ProgressCallback
from labeldesk.core.progress_bar import shown_progress
from labeldesk.core.project import Project
from labeldesk.core.read_only_db import DamagedReason

_P = ParamSpec("_P")
_R = TypeVar("_R")

# The keyword that makes an unknown class, for the outermost write running
# (p.set_label writes through p.set_labels, whose keyword differs).
_NEW_CLASS_KEYWORD: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "labeldesk_new_class_keyword", default=None
)


@contextmanager
def _new_class_advice(keyword: str) -> Iterator[None]:
    """Within this block an unknown class's error ends with the keyword that makes it
    (the core's message is the app's and the command line's too, which say it their way:
    ``--new-class``)."""
    if _NEW_CLASS_KEYWORD.get() is not None:
        yield
        return
    token = _NEW_CLASS_KEYWORD.set(keyword)
    try:
        yield
    except UnknownClassError as exc:  # not a case twin or a bad name: the keyword cannot help
        message = exc.args[0] if exc.args else None
        unknown = isinstance(message, str) and message.startswith("unknown class(es)")
        if type(exc) is UnknownClassError and unknown and not on_command_line():
            exc.args = (f"{message}; pass {keyword} to add new classes", *exc.args[1:])
        raise
    finally:
        _NEW_CLASS_KEYWORD.reset(token)


def _advising(
    keyword: str,
) -> Callable[[Callable[Concatenate[Project, _P], _R]], Callable[Concatenate[Project, _P], _R]]:
    """A write of :class:`Project` whose unknown class's error names ``keyword``."""

    def decorate(
        method: Callable[Concatenate[Project, _P], _R],
    ) -> Callable[Concatenate[Project, _P], _R]:
        @functools.wraps(method)
        def advised(self: Project, *args: _P.args, **kwargs: _P.kwargs) -> _R:
            with _new_class_advice(keyword):
                return method(self, *args, **kwargs)

        return advised

    return decorate


class NotebookProject(Project):
    """The :class:`Project` that ``ld.open_project`` and ``ld.new_project`` return: the
    same, but a label of no class says the keyword that makes it (``p.set_label(path,
    "kat")``: "unknown class(es): 'kat'; known classes: …; pass create_class=True to
    add new classes")."""

    set_label = _advising("create_class=True")(Project.set_label)
    set_labels = _advising("create_classes=True")(Project.set_labels)


def _in_api_words(cls: type[Project]) -> None:
    """Every public method of ``cls`` (its writes: ``p.set_label``, ``p.undo``,
    ``p.scan()``, …) with its errors in the API's words: a moved image folder says "run
    `p.relocate(NEW_FOLDER)`, then `p.scan()`", not the command's `labeldesk scan P
    --images NEW_FOLDER`, and a full disk is a ``DiskFull`` (:func:`reworded`), not
    SQLite's or the system's own error."""
    for name in dir(cls):
        found = inspect.getattr_static(cls, name)
        if name.startswith("_") or not inspect.isfunction(found):
            continue  # (a property, a class method such as create, a dunder)
        setattr(cls, name, reworded(found))


_in_api_words(NotebookProject)


@api_words
def open_project(
    path: str | os.PathLike[str], checked: DamagedReason | None = None
) -> NotebookProject:
    return NotebookProject(os.fspath(path), checked)


open_project.__doc__ = project_module.open_project.__doc__  # the same call, as help() says


class FolderWarning(UserWarning):
    """What ``labeldesk new`` warns about after indexing (a ``dev/`` folder beside
    ``train/`` read as a class, the project inside its image folder, …), as a Python
    warning from :func:`new_project`."""


@contextmanager
def _classes_advice(classes: list[str]) -> Iterator[None]:
    """A labels file naming classes that ``classes=`` lacks says how to take them (the
    command line says it with its flags: ``--classes``, ``--new-class``)."""
    try:
        yield
    except LabelFileError as exc:
        names = exc.unknown_classes
        if not (names and classes) or on_command_line():
            raise
        it = "it" if len(names) == 1 else "them"
        raise exc.advised(
            f"add {it} to classes= ({[*classes, *names]!r}), or leave classes= out to take "
            "every class the file names"
        ) from None


@api_words
def new_project(
    path: str | os.PathLike[str],
    images: str | os.PathLike[str],
    *,
    labels: str | os.PathLike[str] | None = None,
    classes: Iterable[str] = (),
    force: bool = False,
    empty_labels: bool = False,
    progress: ProgressCallback | bool | None = None,
    cancel: CancelToken | None = None,
) -> NotebookProject:
    """Make a project in the new folder ``path`` for the image folder ``images`` and
    index it, as ``labeldesk new PATH --images IMAGES`` does; the project, open (close
    it, or use it in a ``with`` block). The images are never changed.

    ``labels``: a CSV or JSON file of labels (``--labels``: ``path,label[,split]``);
    ``classes``: the classes, in order (``--classes``; a labels file may use only
    these); ``force``: index a folder that looks one level too high (every image would
    take the folder's name as its class) all the same; ``empty_labels``: a labels file
    whose every label is empty (null) unlabels the images it names (``--empty-labels``)
    instead of being refused as a likely wrong column. What ``labeldesk new`` warns
    about comes as a :class:`FolderWarning`. On any error nothing is made.
    ``progress``: as in ``ld.embed``."""
    from labeldesk.core.create import create_and_index
    from labeldesk.core.errors import BadArgument
    from labeldesk.core.layout_check import check_layout, still_true

    if isinstance(classes, str):  # "cat, dog" would be six one-letter classes
        raise BadArgument(f"classes must be a list of names, not the text {classes!r}")
    classes = list(classes)
    with shown_progress(progress) as report, _classes_advice(classes):
        project, counts = create_and_index(
            os.fspath(path),
            os.fspath(images),
            classes=classes,
            labels_file=None if labels is None else os.fspath(labels),
            refuse_too_high=not force,
            empty_labels=empty_labels,
            progress=report,
            cancel=cancel,
            project_type=NotebookProject,  # the project made, with the notebook's error words
        )
    assert isinstance(project, NotebookProject)
    found = check_layout(project.root)
    if labels is not None:  # a class a folder name gave, that the file relabeled: no more
        found = still_true(found, project.count_labeled)
    for warning in [*map(str, found), *counts.warnings]:  # ("classes not in classes=")
        said = warning if on_command_line() else in_api_words(warning)
        warnings.warn(said, FolderWarning, stacklevel=3)  # the caller's line (past api_words)
    return project
