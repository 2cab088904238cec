"""A project folder that cannot be written (a read-only share or disk, a colleague's
project one may only read, a backup) opens read-only: stats, history, versions and
thumbnails read it without writing a byte; every write says the project is read-only and
to copy the folder. SQLite in WAL mode writes -wal and -shm files even to read, so every
command used to refuse such a folder."""

from __future__ import annotations

import shutil
import sqlite3

import pytest
from read_only_folders import permissions_bind, snapshot

import labeldesk as ld
from labeldesk.core.errors import ProjectError, ProjectReadOnly
from labeldesk.core.project import open_project
from labeldesk.core.stats import project_stats

COPY_HINT = "copy the project folder somewhere writable and open the copy"


@pytest.fixture
def closed(project, make_read_only):
    """The ``project`` fixture's folder, with one label given and a version saved, closed
    and made read-only."""
    project.set_label("_unlabeled/u0.png", "cat")
    ld.create_version(project, "v1")
    project.close()
    make_read_only(project.path)
    return project.path


def test_a_read_only_project_opens_and_reads_without_writing(closed):
    before = snapshot(closed)
    with open_project(closed) as p:
        assert p.read_only is not None and "read-only" in p.read_only
        assert snapshot(closed) == before  # SQLite made no -wal or -shm file
        assert project_stats(p)["images"] == 19
        assert p.history(limit=1)[0].new_label == "cat"
        assert list(ld.versions(p)["name"]) == ["v1"]
        assert ld.version_diff(p, "v1")["labels_changed"] == []
        assert p.images().shape[0] == 19
    assert snapshot(closed) == before


def test_every_write_is_refused_with_the_read_only_message(closed):
    before = snapshot(closed)
    with open_project(closed) as p:
        writes = [
            lambda: p.set_label("train/cat/cat0.jpg", "dog"),
            lambda: p.set_status(["train/cat/cat0.jpg"], "excluded"),
            lambda: p.add_classes(["fox"]),
            lambda: p.rename_class("cat", "kitten"),
            p.undo,
            p.scan,
            lambda: ld.create_version(p, "v2"),
        ]
        for write in writes:
            with pytest.raises(ProjectReadOnly) as caught:
                write()
            assert "is read-only" in str(caught.value) and COPY_HINT in str(caught.value)
            assert "nothing was saved" in str(caught.value)
        assert p.classes() == ["cat", "dog"]
    assert snapshot(closed) == before


def test_a_missing_thumbnail_is_made_outside_the_project(project, make_read_only):
    project.close()
    shutil.rmtree(project.path / "thumbs")
    (project.path / "thumbs").mkdir()
    make_read_only(project.path)
    before = snapshot(project.path)
    with open_project(project.path) as p:
        image_id = p.ids_for(["train/cat/cat0.jpg"])["train/cat/cat0.jpg"]
        thumb = p.thumbnail_of(image_id)
        assert thumb.is_file() and thumb.read_bytes()[:2] == b"\xff\xd8"
        assert not thumb.is_relative_to(p.path)
    assert not thumb.exists()  # made aside for this session only
    assert snapshot(project.path) == before


def _copy_with_pending_wal(project, target):
    """A copy of the project taken while a label was in its write-ahead log only (as a
    program that stopped while writing leaves it)."""
    project.db.conn.execute("PRAGMA wal_autocheckpoint=0")
    project.set_label("_unlabeled/u1.png", "dog")
    shutil.copytree(project.path, target)
    assert (target / "labeldesk.db-wal").stat().st_size > 0


def test_changes_left_in_the_write_ahead_log_are_read(project, tmp_path, make_read_only):
    copy = tmp_path / "crashed"
    _copy_with_pending_wal(project, copy)
    make_read_only(copy)
    with open_project(copy) as p:  # immutable=1 would show the project without them
        assert p.read_only is not None
        assert p.history(limit=1)[0].new_label == "dog"


def test_a_log_sqlite_cannot_read_without_writing_is_named(project, tmp_path, make_read_only):
    if not permissions_bind(tmp_path):
        pytest.skip("root: SQLite may write the index file in a chmod'ed folder anyway")
    copy = tmp_path / "crashed"
    _copy_with_pending_wal(project, copy)
    (copy / "labeldesk.db-shm").unlink()  # SQLite must make it again to read the log
    make_read_only(copy)
    with pytest.raises(ProjectError, match=r"labeldesk\.db-wal.*copy the project folder"):
        open_project(copy)


def test_an_older_schema_is_not_upgraded_in_a_read_only_folder(project, make_read_only):
    project.close()
    conn = sqlite3.connect(project.path / "labeldesk.db")
    conn.execute("PRAGMA user_version = 12")
    conn.close()
    make_read_only(project.path)
    with pytest.raises(ProjectReadOnly, match=r"older LabelDesk.*copy the project folder"):
        open_project(project.path)


def test_adding_images_to_a_read_only_project_is_refused_before_a_copy(tmp_path, make_read_only):
    from helpers import make_imagefolder, write_image

    from labeldesk.core.add_images import copy_unlabeled
    from labeldesk.core.create import create_and_index
    from labeldesk.core.errors import ProjectReadOnly
    from labeldesk.core.project import open_project

    root = tmp_path / "images"
    make_imagefolder(root)
    project, _ = create_and_index(tmp_path / "p", root, workers=1)
    project.close()
    make_read_only(tmp_path / "p")
    new = tmp_path / "new"
    write_image(new / "x.png", fmt="PNG", seed=90)
    before = sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))
    with open_project(tmp_path / "p") as opened, pytest.raises(ProjectReadOnly):
        copy_unlabeled(opened, new, ["x.png"], "new")
    assert sorted(p.relative_to(root).as_posix() for p in root.rglob("*")) == before


def test_the_read_mode_is_chosen_once_as_the_project_opens(closed, monkeypatch):
    """The foreign-table check and the database read the project as one choice made
    (read_only_mode looks at labeldesk.db-wal: asked twice, they could differ)."""
    from labeldesk.core import db as db_module
    from labeldesk.core import project as project_module
    from labeldesk.core.read_only_db import read_only_mode

    asked: list[str] = []

    def counting(path):
        asked.append(str(path))
        return read_only_mode(path)

    monkeypatch.setattr(project_module, "read_only_mode", counting)
    monkeypatch.setattr(db_module, "read_only_mode", counting)
    with open_project(closed) as project:
        assert project.read_only is not None
        assert project.images() is not None
    assert len(asked) == 1
