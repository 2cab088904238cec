"""A full disk met through the notebook API is LabelDesk's own ``DiskFull`` (a
``LabelDeskError``), as README promises for every failure LabelDesk expects: before,
``ld.export`` raised the bare ``OSError`` ("[Errno 28] No space left on device: '…/out'")
and a write of the project database (``p.set_label``, ``p.undo``, ``p.scan()``,
``ld.create_version``, …) SQLite's own ``sqlite3.OperationalError`` ("database or disk
is full"). The error says what the command line says (the disk, that what was saved
before is safe), in the API's words ("make the call again"), with the system's or
SQLite's error chained; and nothing is lost: the project opens as it was."""

from __future__ import annotations

import errno
import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from helpers import make_imagefolder

import labeldesk as ld
from labeldesk.core import database_failures
from labeldesk.core.errors import DiskFull, LabelDeskError

WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


class _FullDatabase:
    """The project database's connection on a full disk: the ``fails_at``-th statement
    that changes something (and each after it) fails as SQLite fails it there
    (SQLITE_FULL), so what the write changed before it must be rolled back."""

    def __init__(self, conn: sqlite3.Connection, fails_at: int):
        self._conn, self._left = conn, fails_at

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)

    def _check(self, sql: str) -> None:
        if sql.lstrip().upper().startswith(WRITES):
            self._left -= 1
            if self._left <= 0:
                raise sqlite3.OperationalError("database or disk is full")

    def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:
        self._check(sql)
        return self._conn.execute(sql, *args)

    def executemany(self, sql: str, *args: Any) -> sqlite3.Cursor:
        self._check(sql)
        return self._conn.executemany(sql, *args)


@contextmanager
def database_full(project: ld.Project, monkeypatch, fails_at: int = 2) -> Iterator[None]:
    # the disk is full as the project database's failure looks at it (not a file-size limit)
    monkeypatch.setattr(database_failures, "LOW_SPACE", 1 << 62)
    real = project.db.conn
    project.db.conn = _FullDatabase(real, fails_at)  # type: ignore[assignment]
    try:
        yield
    finally:
        project.db.conn = real


def state(path: Path) -> dict[str, Any]:
    """What the project holds: every image's label, split and status, the classes, the
    label history, the versions and the scans logged."""
    with ld.open_project(path) as p:
        images = p.images()[["path", "label", "split", "status"]]
        return {
            "images": images.sort_values("path").astype(str).values.tolist(),
            "classes": p.classes(),
            "history": [(e.path, e.new_label) for e in p.history()],
            "versions": ld.versions(p)["name"].tolist(),
            "scans": p.db.conn.execute("SELECT count(*) FROM scans").fetchone()[0],
        }


@pytest.fixture
def notebook(tmp_path: Path) -> Iterator[ld.Project]:
    root = tmp_path / "images"
    make_imagefolder(root)
    with ld.new_project(tmp_path / "proj", root, progress=False) as p:
        p.set_label("_unlabeled/u0.png", "cat")  # a change saved before the disk fills
        yield p


def _said(call: Callable[[], object]) -> DiskFull:
    with pytest.raises(LabelDeskError) as raised:
        call()
    assert isinstance(raised.value, DiskFull), repr(raised.value)
    return raised.value


DATABASE_WRITES: dict[str, Callable[[ld.Project], object]] = {
    "set_label": lambda p: p.set_label("_unlabeled/u1.png", "dog"),
    "set_labels": lambda p: p.set_labels({"_unlabeled/u1.png": "dog", "_unlabeled/u2.png": "cat"}),
    "undo": lambda p: p.undo(),
    "add_classes": lambda p: p.add_classes(["ant"]),
    "rename_class": lambda p: p.rename_class("dog", "hound"),
    "set_status": lambda p: p.set_status(["train/cat/cat0.jpg"], "excluded"),
    "set_splits": lambda p: p.set_splits({"_unlabeled/u0.png": "val"}),
    "scan": lambda p: p.scan(workers=1),
    "create_version": lambda p: ld.create_version(p, "v1"),
}


@pytest.mark.parametrize("name", list(DATABASE_WRITES))
def test_a_full_disk_in_a_project_write_is_a_disk_full_and_loses_nothing(
    notebook, monkeypatch, name
):
    before = state(notebook.path)
    with database_full(notebook, monkeypatch):
        failure = _said(lambda: DATABASE_WRITES[name](notebook))
    db_file = notebook.path / "labeldesk.db"
    assert str(failure) == (
        f"no space left on the disk holding the project database {db_file}; free some space "
        "there and make the call again (every change saved before this one is safe)"
    )
    assert isinstance(failure.__cause__, sqlite3.OperationalError)  # SQLite's, chained
    assert failure.disk == db_file  # the disk the app would watch for room
    assert state(notebook.path) == before  # nothing of the write, nothing lost
    DATABASE_WRITES[name](notebook)  # space freed: the call made again works
    assert state(notebook.path) != before


def test_a_full_disk_while_exporting_is_a_disk_full_and_leaves_nothing(
    notebook, tmp_path, monkeypatch
):
    from labeldesk.interop import placing

    real = placing._copy_new
    copied = 0

    def fills_up(source: Path, dest: Path) -> str:
        nonlocal copied
        copied += 1
        if copied == 3:  # part-way: two images are in the staging folder
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))  # as file.write says it
        return real(source, dest)

    monkeypatch.setattr(placing, "_copy_new", fills_up)
    out = tmp_path / "usb" / "out"
    out.parent.mkdir()
    before = state(notebook.path)
    failure = _said(lambda: ld.export(notebook, out, progress=False))
    assert str(failure) == (
        f"no space left on the disk: {out}; free some space and make the call again "
        "(what was saved before is safe)"
    )
    assert isinstance(failure.__cause__, OSError) and failure.__cause__.errno == errno.ENOSPC
    assert failure.disk == out
    assert list(out.parent.iterdir()) == []  # nothing left behind
    assert state(notebook.path) == before
    monkeypatch.setattr(placing, "_copy_new", real)
    assert ld.export(notebook, out, progress=False)["written"] == 17  # the labeled images


def test_a_full_disk_while_embedding_is_a_disk_full_and_keeps_what_was_embedded(
    notebook, monkeypatch
):
    from ml.tiny_backbone import tiny_backbone

    from labeldesk.ml import vectors

    monkeypatch.setattr("labeldesk.ml.embed.load_backbone", lambda spec: tiny_backbone())
    real = vectors._append_to
    appends = 0

    def fills_up(path: Path, data: bytes) -> None:
        nonlocal appends
        if path.name == "keys.bin":
            appends += 1
            if appends == 2:  # the second batch's keys: the first batch is kept
                raise OSError(errno.ENOSPC, "No space left on device", str(path))
        real(path, data)

    monkeypatch.setattr(vectors, "_append_to", fills_up)
    failure = _said(lambda: ld.embed(notebook, batch_size=4, device="cpu", progress=False))
    assert str(failure).startswith("no space left on the disk: ")
    assert "; free some space and make the call again (what was saved before is safe)" in str(
        failure
    )
    assert isinstance(failure.__cause__, OSError)
    assert ld.unembedded(notebook) == 19 - 4  # the batch written before is kept
    monkeypatch.setattr(vectors, "_append_to", real)
    assert ld.embed(notebook, batch_size=4, device="cpu", progress=False)["embedded"] == 15


def test_another_failure_of_the_system_stays_as_it_was(notebook, monkeypatch):
    """Only a full disk is made a DiskFull: a file refused stays the OSError it is."""
    from labeldesk.interop import placing

    def refused(source: Path, dest: Path) -> str:
        raise PermissionError(errno.EACCES, "Permission denied", str(dest))

    monkeypatch.setattr(placing, "_copy_new", refused)
    with pytest.raises(PermissionError):
        ld.export(notebook, notebook.path.parent / "out", progress=False)
