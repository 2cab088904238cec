"""Only SQLite's own report of a damaged file leaves the damage note: not LabelDesk's
own messages (a project used after close() names its folder, which may say "corrupt":
a CIFAR-10-C "corrupted" dataset), nor an SQLite error of another kind whose words
happen to say "malformed". Such a note made every other process's writes to a sound
project stop with "damaged" until someone opened it again."""

from __future__ import annotations

import sqlite3

import pytest

from labeldesk.core.create import create_and_index
from labeldesk.core.damage_note import NOTE_NAME
from labeldesk.core.errors import ProjectClosed
from labeldesk.core.failures import is_damage
from labeldesk.core.project import open_project

CAT = "train/cat/cat0.jpg"


def test_a_closed_project_in_a_folder_named_corrupted_is_not_taken_for_damage(
    tmp_path, imagefolder
):
    root, _ = imagefolder
    folder = tmp_path / "cifar10-corrupted"
    project, _ = create_and_index(folder, root, workers=1)
    other = open_project(folder)  # the app, still open on the same project
    project.close()
    with pytest.raises(ProjectClosed):
        project.images()  # a notebook cell run after the `with` block
    assert not (folder / NOTE_NAME).exists()
    other.set_label(CAT, "dog")  # the other process goes on writing
    assert other.images().set_index("path").label[CAT] == "dog"
    other.close()


def test_only_sqlite_s_damage_codes_count_when_sqlite_gives_one():
    conn = sqlite3.connect(":memory:")
    with pytest.raises(sqlite3.OperationalError) as err:  # SQLITE_ERROR, not damage
        conn.execute("SELECT json_extract('{not json', '$.a')")
    assert "malformed" in str(err.value)
    assert not is_damage(err.value)
    # words alone (no code: an error made by hand) are still read as before
    assert is_damage(sqlite3.DatabaseError("database disk image is malformed"))
    assert is_damage(sqlite3.DatabaseError("file is not a database"))
