"""A project whose database has one page of the images table zeroed in the middle of the
file (a bad sector, a copy that lost a block): SQLite opens it and notices the damage only
when something reads that page."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from pathlib import Path

import pytest

from labeldesk.core.create import create_and_index

FASHION = Path(__file__).resolve().parents[1] / "sample_data" / "fashion"


def sample_project(tmp_path: Path) -> Path:
    """A closed project of the bundled sample (600 images: its images table fills many
    pages), with everything in labeldesk.db itself (no -wal file)."""
    if not FASHION.is_dir():
        pytest.skip("sample_data/fashion is not in this checkout")
    project, _ = create_and_index(tmp_path / "proj", FASHION, workers=1)
    project.close()
    for extra in ("labeldesk.db-wal", "labeldesk.db-shm"):
        (project.path / extra).unlink(missing_ok=True)
    return project.path


def first_image(folder: Path) -> str:
    with sqlite3.connect(folder / "labeldesk.db") as conn:
        return str(conn.execute("SELECT path FROM images ORDER BY id LIMIT 1").fetchone()[0])


def zero_last_images_page(folder: Path, table: str = "images") -> int:
    """Zero the ``table``'s last leaf page (for images: its newest rows, not the first
    image's, which a test labels); the page's number."""
    db = folder / "labeldesk.db"
    conn = sqlite3.connect(db)
    try:
        size = int(conn.execute("PRAGMA page_size").fetchone()[0])
        pages = [
            int(r[0])
            for r in conn.execute(
                "SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf'", (table,)
            )
        ]
    except sqlite3.OperationalError:  # an SQLite built without dbstat
        pytest.skip("this SQLite has no dbstat table")
    finally:
        conn.close()
    assert len(pages) > 1
    page = pages[-1]
    with open(db, "r+b") as f:
        f.seek((page - 1) * size)
        f.write(b"\0" * size)
    return page


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def keep_copy(folder: Path, to: Path) -> Path:
    shutil.copy2(folder / "labeldesk.db", to)
    return to
