"""A person labels an image while a scan runs (its folder labels one batch, written in
several transactions, so the scan's batch gets events after the person's newer batch):
undo, undo of the scan, redo each leave every image as a user expects, and versions
taken in between read back exactly what they recorded."""

from __future__ import annotations

from pathlib import Path

from helpers import make_imagefolder

from labeldesk.cli import main
from labeldesk.core import scanner
from labeldesk.core.project import open_project
from labeldesk.core.scan_writer import ScanWriter
from labeldesk.core.version_state import recorded_state
from labeldesk.core.versions import create_version, get_version


def labels_now(proj: Path) -> dict[str, str | None]:
    with open_project(proj) as project:
        rows = project.db.query("SELECT path, label FROM images WHERE removed_at IS NULL")
    return {r[0]: r[1] for r in rows}


def version_labels(proj: Path, name: str) -> dict[int, object]:
    with open_project(proj) as project:
        state = recorded_state(project.db, get_version(project.db, name))
    return {k: (v[0] if isinstance(v, tuple) else v) for k, v in state.items()}


def test_a_label_made_mid_scan_then_undo_undo_redo(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(scanner, "WRITE_BATCH", 3)
    root = tmp_path / "images"
    expected = make_imagefolder(root)
    proj = tmp_path / "p"
    mine: list[str] = []
    original = ScanWriter.write

    def write_then_label(self, results):  # the person's window, between two transactions
        original(self, results)
        if mine or self.batch_id is None:
            return
        with open_project(self.project.path) as other:
            rows = other.db.query("SELECT path, label FROM images WHERE label IS NOT NULL")
            path, label = rows[0][0], rows[0][1]
            other.set_label(path, "dog" if label == "cat" else "cat")
            create_version(other.db, "mid")
        mine.append(path)

    monkeypatch.setattr(ScanWriter, "write", write_then_label)
    assert main(["new", str(proj), "--images", str(root), "--workers", "1"]) == 0
    monkeypatch.setattr(ScanWriter, "write", original)
    assert mine
    (path,) = mine
    theirs = "dog" if expected[path] == "cat" else "cat"
    scanned = dict(expected)
    with open_project(proj) as project:
        create_version(project.db, "end")
    mid, end = version_labels(proj, "mid"), version_labels(proj, "end")
    assert labels_now(proj) == {**scanned, path: theirs}

    with open_project(proj) as project:
        project.undo()  # the person's label
    assert labels_now(proj) == scanned
    with open_project(proj) as project:
        project.undo(sources=("import",))  # the scan's folder labels, all of them
    assert labels_now(proj) == dict.fromkeys(scanned)
    with open_project(proj) as project:
        project.redo(sources=("import",))  # the scan's labels again, not the person's
    assert labels_now(proj) == scanned
    assert version_labels(proj, "mid") == mid
    assert version_labels(proj, "end") == end
