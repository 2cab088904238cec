"""What a notebook user runs into, and the error they get: a project used after
``close()`` (or after its ``with`` block), and a write that waits out another process's
long write. Each is a documented LabelDeskError, with nothing written."""

from __future__ import annotations

import sqlite3

import pandas as pd
import pytest

import labeldesk as ld
from labeldesk.core import db
from labeldesk.core.errors import ProjectBusyError, ProjectClosed, ProjectError

CAT, DOG = "train/cat/cat0.jpg", "train/dog/dog0.jpg"


def labels_now(project, *paths: str) -> list[str | None]:
    table = project.images().set_index("path")
    return [None if pd.isna(v) else v for v in table.label[list(paths)]]


@pytest.mark.parametrize(
    "call",
    [
        lambda p: p.images(),
        lambda p: p.classes(),
        lambda p: p.stats(),
        lambda p: p.history(),
        lambda p: p.set_label(CAT, "dog"),
        lambda p: p.undo(),
        lambda p: ld.versions(p),
        lambda p: ld.create_version(p, "v1"),
    ],
)
def test_a_closed_project_says_so(project, call):
    """It raised sqlite3.ProgrammingError "Cannot operate on a closed database."."""
    project.close()
    with pytest.raises(ProjectClosed, match="is closed") as err:
        call(project)
    assert isinstance(err.value, ld.LabelDeskError) and isinstance(err.value, ProjectError)
    assert str(project.path) in str(err.value)
    # code that caught SQLite's own error for a closed database still catches it
    assert isinstance(err.value, sqlite3.ProgrammingError)


def test_a_project_used_after_its_with_block_says_so(project):
    with ld.open_project(project.path) as p:
        p.set_label(CAT, "dog")
    with pytest.raises(ProjectClosed, match="open it again"):
        p.set_label(CAT, "cat")
    with ld.open_project(project.path) as again:
        assert labels_now(again, CAT) == ["dog"]


def test_a_write_that_waits_out_another_process_is_project_busy(project, monkeypatch):
    """After the busy timeout (a minute), the write raised sqlite3.OperationalError
    "database is locked", not the ProjectBusyError the README promises."""
    monkeypatch.setattr(db, "BUSY_TIMEOUT_MS", 50)
    monkeypatch.setattr(db, "BUSY_TIMEOUT_S", 0.05)
    p = ld.open_project(project.path)  # with the short timeout
    other = sqlite3.connect(project.db.path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # `labeldesk import` in a terminal, writing
    try:
        with pytest.raises(ProjectBusyError, match="Nothing was saved"):
            p.set_labels({CAT: "dog", DOG: "cat"})
        with pytest.raises(ProjectBusyError):
            ld.create_version(p, "v1")
        seen: list[object] = []
        p.db.on_wait = lambda: seen.append("waiting")  # as the CLI sets it
        with pytest.raises(ProjectBusyError):
            p.set_label(CAT, "dog")
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert labels_now(p, CAT, DOG) == ["cat", "dog"]
    assert p.set_labels({CAT: "dog"})  # once the other write is done, it works
    p.close()


def test_an_unknown_label_source_is_a_bad_argument(project):
    """``source="notebook"`` raised a bare ValueError, not a LabelDeskError."""
    before = project.history(limit=1)
    with pytest.raises(ld.BadArgument, match="source must be one of 'import', 'human'"):
        project.set_label(CAT, "dog", source="notebook")
    with pytest.raises(ld.BadArgument, match="source must be"):
        project.set_status([CAT], "verified", source="me")
    assert project.history(limit=1) == before


def test_an_unknown_status_names_the_choices_in_words(project):
    """``set_status(paths, "checked")`` said "status must be one of ('verified',
    'excluded') or None": a Python tuple in a sentence."""
    before = project.history(limit=1)
    with pytest.raises(ld.BadArgument) as raised:
        project.set_status([CAT], "checked")
    assert "must be 'verified', 'excluded' or None, not 'checked'" in str(raised.value)
    assert "(" not in str(raised.value)
    assert project.history(limit=1) == before


def test_a_label_of_no_class_names_the_keyword_that_makes_it(project):
    """``p.set_label(path, "kat")`` said the class is unknown and listed the known ones,
    but not how the call makes it (the command line says --new-class, its own way)."""
    with ld.open_project(project.path) as p:
        before = p.history(limit=1)
        with pytest.raises(ld.LabelDeskError) as raised:
            p.set_label(CAT, "kat")
        assert str(raised.value).startswith("unknown class(es): 'kat'; known classes: ")
        assert str(raised.value).endswith("; pass create_class=True to add new classes")
        with pytest.raises(ld.LabelDeskError, match="; pass create_classes=True to add new"):
            p.set_labels({CAT: "kat", DOG: "cow"})
        assert p.history(limit=1) == before and "kat" not in p.classes()
        p.set_label(CAT, "kat", create_class=True)  # as it says
        assert labels_now(p, CAT) == ["kat"]


def test_a_made_project_names_the_keyword_too(tmp_path, imagefolder):
    root, _ = imagefolder
    with (
        ld.new_project(tmp_path / "made", root, progress=False) as p,
        pytest.raises(ld.LabelDeskError, match="; pass create_class=True to add new"),
    ):
        p.set_label(CAT, "kat")
