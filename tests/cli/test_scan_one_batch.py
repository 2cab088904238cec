"""One scan's folder labels are one undoable batch, though the scan writes them in
several transactions (each row with its folder label, so a scan cut short keeps what it
wrote): `labeldesk new` over 600 images said `--include-imports` would take back "its 88
labels" of 400, the last transaction's."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import make_imagefolder

from labeldesk.cli import main
from labeldesk.core import scanner


def run_json(capsys, *argv):
    assert main([*argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_a_scan_written_in_several_transactions_is_one_batch_to_undo(
    tmp_path: Path, capsys, monkeypatch
):
    monkeypatch.setattr(scanner, "WRITE_BATCH", 3)  # 19 images: 7 transactions
    root = tmp_path / "images"
    make_imagefolder(root)
    proj = str(tmp_path / "p")
    labeled = run_json(capsys, "new", proj, "--images", str(root), "--workers", "1")["labeled"]
    assert labeled > 3
    batches = {e["batch"] for e in run_json(capsys, "history", proj, "-n", "0")}
    assert len(batches) == 1
    assert main(["undo", proj]) == 1
    err = capsys.readouterr().err
    assert f"“folder labels from scan”, taking back its {labeled} labels" in err
    undone = run_json(capsys, "undo", proj, "--include-imports")
    assert undone["events"] == labeled
    assert run_json(capsys, "stats", proj)["labeled"] == 0


def test_a_scan_after_its_batch_was_undone_starts_another(tmp_path: Path, monkeypatch):
    """A scan's later transactions never add labels to a batch undone meanwhile (they
    would stand, and the batch could not be undone again): they start a new one."""
    from labeldesk.core.project import open_project
    from labeldesk.core.scan_writer import ScanWriter

    monkeypatch.setattr(scanner, "WRITE_BATCH", 3)
    undone: list[int] = []
    original = ScanWriter.write

    def write_then_undo_once(self, results):  # as another window's undo between two
        original(self, results)
        if self.batch_id is not None and not undone:
            undone.append(self.batch_id)
            self.project.undo(self.batch_id, sources=("import",))

    monkeypatch.setattr(ScanWriter, "write", write_then_undo_once)
    root = tmp_path / "images"
    make_imagefolder(root)
    assert main(["new", str(tmp_path / "p"), "--images", str(root), "--workers", "1"]) == 0
    with open_project(tmp_path / "p") as project:
        rows = project.db.query("SELECT id, source FROM label_batches ORDER BY id")
    assert [r[1] for r in rows] == ["import", "undo", "import"]
