"""Labels that are not classes are repaired at any open, not only right after the upgrade
that needs it: an upgrade killed between its schema step and the repair is finished by
the next open, and an open with nothing to repair writes nothing."""

from __future__ import annotations

from labeldesk.core import db, db_schema
from labeldesk.core.project import Project


def _schema_11_project_with_orphans(tmp_path):
    """What a process killed after migrating, before repairing, leaves behind."""
    project_dir = tmp_path / "old"
    project_dir.mkdir()
    conn = db.connect(project_dir / db.DB_FILENAME)
    db_schema.migrate(conn)  # the current schema: the upgrade itself committed
    conn.execute("INSERT INTO meta(key, value) VALUES ('image_root', ?)", (str(tmp_path),))
    conn.execute("INSERT INTO classes(name, position, created_at) VALUES ('coat', 0, 0)")
    for i, label in enumerate([" coat", "coat", "two\nlines", " shirt ", None]):
        conn.execute(
            "INSERT INTO images(path, size, mtime_ns, hash, label, indexed_at) "
            "VALUES (?, 1, 1, ?, ?, 0)",
            (f"{i}.jpg", f"{i:032x}", label),
        )
    conn.close()
    return project_dir


def test_an_interrupted_upgrade_is_repaired_at_the_next_open(tmp_path):
    project_dir = _schema_11_project_with_orphans(tmp_path)
    with Project(project_dir) as project:
        labels = dict(project.db.query("SELECT path, label FROM images"))
        assert labels == {
            "0.jpg": "coat", "1.jpg": "coat", "2.jpg": None, "3.jpg": "shirt", "4.jpg": None
        }  # fmt: skip
        assert project.classes() == ["coat", "shirt"]
        batches = project.db.scalar("SELECT COUNT(*) FROM label_batches")
    with Project(project_dir) as project:  # nothing left to repair: no new batch
        assert project.db.scalar("SELECT COUNT(*) FROM label_batches") == batches
