"""The rescue a damaged-database message suggests must not be a dead end. The sqlite3
program Debian and Ubuntu ship is built without the page reader `.recover` needs: it
prints "SQL logic error", and `... | sqlite3 recovered.db` leaves recovered.db empty.
Put in place, that empty file only earns a second "damaged (0 bytes)" message. The
advice names the sqlite3 that has `.recover` and says to check the result first."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from labeldesk.core.errors import DatabaseDamaged
from labeldesk.core.failures import damaged_database
from labeldesk.core.project import open_project


def test_the_advice_names_the_sqlite3_that_can_recover_and_the_check():
    message = damaged_database("the project database /p/labeldesk.db", "malformed")
    assert "sqlite.org" in message
    assert "SQL logic error" in message  # what the other one says, so it is recognised
    assert "not empty" in message  # recovered.db checked before it replaces anything


def _has_no_recover(sqlite3: str, tmp_path) -> bool:
    probe = tmp_path / "probe.db"
    subprocess.run([sqlite3, probe, "CREATE TABLE t(x); INSERT INTO t VALUES (1);"], check=True)
    done = subprocess.run([sqlite3, probe, ".recover"], capture_output=True, text=True)
    return "SQL logic error" in done.stdout + done.stderr


@pytest.mark.skipif(shutil.which("sqlite3") is None, reason="no sqlite3 program here")
def test_where_sqlite3_cannot_recover_the_old_advice_was_a_dead_end(closed_damaged, tmp_path):
    """The case the advice now warns about, as this machine's sqlite3 shows it (skipped
    where its sqlite3 has a working .recover)."""
    sqlite3 = shutil.which("sqlite3")
    if not _has_no_recover(sqlite3, tmp_path):
        pytest.skip("this sqlite3 has a working .recover")
    project = closed_damaged
    with pytest.raises(DatabaseDamaged) as caught:
        open_project(project)
    assert "SQL logic error" in str(caught.value)  # the message warns of exactly this
    dump = subprocess.run(
        [sqlite3, project / "labeldesk.db", ".recover"], capture_output=True, text=True
    )
    recovered = tmp_path / "recovered.db"
    subprocess.run([sqlite3, recovered], input=dump.stdout, text=True, capture_output=True)
    assert not recovered.exists() or recovered.stat().st_size == 0  # the empty result


@pytest.fixture
def closed_damaged(project):
    project.set_label("_unlabeled/u0.png", "dog")
    project.close()
    for extra in ("labeldesk.db-wal", "labeldesk.db-shm"):
        (project.path / extra).unlink(missing_ok=True)
    db = project.path / "labeldesk.db"
    with open(db, "r+b") as f:
        f.write(b"\x5a" * 100)  # its header overwritten: refused as it opens
    return project.path
