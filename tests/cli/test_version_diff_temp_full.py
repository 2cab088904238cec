"""`version diff` keeps its lists in a scratch file in the temporary folder (TMPDIR):
when that folder's disk is full, the error names the temporary folder and how to point
TMPDIR elsewhere; it said the *project database's* disk was full, so a person freed
space beside the project and met the same error again."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import make_imagefolder

from labeldesk.cli import main
from labeldesk.core import version_diff
from labeldesk.core.create import create_and_index
from labeldesk.core.versions import create_version


def test_a_full_temporary_folder_is_named_not_the_project_disk(tmp_path: Path, capsys, monkeypatch):
    root = tmp_path / "images"
    make_imagefolder(root)
    project, _ = create_and_index(tmp_path / "p", root, workers=1)
    create_version(project.db, "v1")
    project.set_labels({"train/cat/cat0.jpg": "dog", "train/cat/cat1.jpg": "dog"})
    project.close()
    scratch = version_diff._scratch

    def full_scratch():  # as a scratch file on a full disk: no page can be added
        conn = scratch()
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages}")
        return conn

    monkeypatch.setattr(version_diff, "_scratch", full_scratch)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.delenv("SQLITE_TMPDIR", raising=False)
    assert main(["version", str(tmp_path / "p"), "diff", "v1", "--json"]) == 1
    captured = capsys.readouterr()
    document = json.loads(captured.out)
    assert document["kind"] == "DiskFull"
    assert "project database" not in document["error"]
    assert f"temporary folder {tmp_path}" in document["error"]
    assert "TMPDIR" in document["error"]
    assert "Traceback" not in captured.err
