"""The files a scan could not use are indexed on their own (schema 14): `labeldesk stats`
counts them by reason and a scan lists them without reading every image's row (at 1M
images `stats` read the whole table for a handful of skipped files). An older project
gains the index as it opens, every row kept; one that cannot be written (a read-only
folder, a damaged database) is read as it is, without the index, and not a byte of it
is written."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
from damaged_pages import digest, sample_project, zero_last_images_page
from helpers import BAD_MESSY_FILES, make_messy_folder
from read_only_folders import snapshot

from labeldesk.core import db_schema
from labeldesk.core.create import create_and_index
from labeldesk.core.damage_note import record_damage
from labeldesk.core.project import open_project
from labeldesk.core.stats import index_summary, project_stats

# Scans of the images table a statement may make: the partial indexes of the usable
# images (the counts `stats` shows are over all of them)
USABLE_INDEX = re.compile(r"^SCAN images USING (COVERING )?INDEX images_live_\w+$")


@pytest.fixture
def messy(tmp_path):
    """A closed project of a folder with good and unusable files."""
    make_messy_folder(tmp_path / "images")
    project, _ = create_and_index(tmp_path / "proj", tmp_path / "images", workers=1)
    project.close()
    return project.path


def _as_schema_13(folder: Path) -> None:
    """The project as LabelDesk wrote it before the index (schema 13)."""
    conn = sqlite3.connect(folder / "labeldesk.db")
    conn.execute("DROP INDEX images_skipped")
    conn.execute("ALTER TABLE label_batches DROP COLUMN file")  # (schema 15's)
    conn.execute("PRAGMA user_version = 13")
    conn.commit()
    conn.close()


def _rows(folder: Path) -> dict[str, list[tuple]]:
    conn = sqlite3.connect(f"{(folder / 'labeldesk.db').as_uri()}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {t: sorted(conn.execute(f"SELECT * FROM {t}"), key=repr) for t in tables}
    finally:
        conn.close()


def _statements(project, run) -> list[str]:
    """The statements ``run(project)`` made on this thread's read connection."""
    seen: list[str] = []
    with project.db.reading() as conn:
        conn.set_trace_callback(seen.append)
    try:
        run(project)
    finally:
        with project.db.reading() as conn:
            conn.set_trace_callback(None)
    return seen


def _full_scans(conn: sqlite3.Connection, statements: list[str]) -> list[tuple[str, str]]:
    out = []
    for sql in statements:
        if not sql.lstrip().upper().startswith("SELECT"):
            continue
        for *_, detail in conn.execute("EXPLAIN QUERY PLAN " + sql):
            if detail.startswith("SCAN images") and not USABLE_INDEX.match(detail):
                out.append((sql, detail))
    return out


@pytest.mark.parametrize("run", [project_stats, index_summary], ids=["stats", "scan"])
def test_skipped_files_are_found_without_reading_every_image(messy, run):
    with open_project(messy) as project:
        statements = _statements(project, run)
        with project.db.reading() as conn:
            assert any("skip_reason IS NOT NULL" in s for s in statements)
            assert _full_scans(conn, statements) == []


def test_the_counts_by_reason_are_those_of_the_files(messy):
    with open_project(messy) as project:
        stats = project_stats(project)
        listed = index_summary(project)["skipped"]
    assert {s["path"] for s in listed} >= set(BAD_MESSY_FILES)
    assert [s["path"] for s in listed] == sorted(s["path"] for s in listed)
    assert stats["skipped"] == len(listed)
    assert stats["skipped_by_reason"]["truncated file"] == 2


def test_an_older_project_gains_the_index_and_keeps_every_row(messy):
    with open_project(messy) as project:
        project.set_label("good/rgb.jpg", "cat", create_class=True)  # a history to keep
        expected = project_stats(project)
    _as_schema_13(messy)
    before = _rows(messy)
    with open_project(messy) as project:
        assert db_schema.schema_version(project.db.conn) == db_schema.SCHEMA_VERSION == 15
        names = {r[0] for r in project.db.query("SELECT name FROM sqlite_master")}
        assert "images_skipped" in names
        assert project_stats(project) == expected
        assert project.history("good/rgb.jpg")[0].new_label == "cat"
    after = _rows(messy)
    # (and schema 15's column of label_batches, empty in every row before it)
    assert {r[-1] for r in after["label_batches"]} == {None}
    after["label_batches"] = sorted((r[:-1] for r in after["label_batches"]), key=repr)
    assert after == before  # every table, every row: only the index was added


def test_a_read_only_project_of_schema_13_is_read_as_it_is(messy, make_read_only):
    with open_project(messy) as project:
        expected = project_stats(project)
    _as_schema_13(messy)
    make_read_only(messy)
    before = snapshot(messy)
    with open_project(messy) as project:
        assert project.read_only is not None
        assert project_stats(project) == expected
        assert db_schema.schema_version(project.db.conn) == 13
    assert snapshot(messy) == before  # not upgraded: not a byte written


def test_a_read_only_project_of_schema_12_is_still_refused(messy, make_read_only):
    from labeldesk.core.errors import ProjectReadOnly

    _as_schema_13(messy)
    with sqlite3.connect(messy / "labeldesk.db") as conn:
        conn.execute("PRAGMA user_version = 12")  # 13 added a column: read as 13 only
    make_read_only(messy)
    with pytest.raises(ProjectReadOnly, match="older LabelDesk"):
        open_project(messy)


def test_a_damaged_project_of_schema_13_opens_read_only_and_is_not_upgraded(tmp_path):
    folder = sample_project(tmp_path)
    _as_schema_13(folder)
    zero_last_images_page(folder)
    db = folder / "labeldesk.db"
    record_damage(db, "database disk image is malformed")
    before = digest(db)
    with open_project(folder) as project:
        assert project.read_only is not None and "damaged" in project.read_only
        assert db_schema.schema_version(project.db.conn) == 13
    assert digest(db) == before
    wal = folder / "labeldesk.db-wal"
    assert not wal.exists() or wal.stat().st_size == 0
