"""`labeldesk version create` says which files changed on disk since the last scan: a
version names the indexed bytes, so those files could never be exported with it, and the
person should learn it when recording, not first at the export."""

from __future__ import annotations

import json
import os

from labeldesk.cli import main
from labeldesk.core.version_files import stale_files


def test_create_names_files_edited_or_gone_since_the_scan(project, capsys):
    edited = project.root / "train/cat/cat0.jpg"
    edited.write_bytes(edited.read_bytes() + b"edited")
    (project.root / "val/dog/dog0.jpg").unlink()
    assert main(["version", str(project.path), "create", "v1"]) == 0  # recorded all the same
    out = capsys.readouterr().out
    assert "created version v1" in out
    warning = out.split("warning: ", 1)[1]
    assert "1 file changed" in warning and "1 file gone" in warning
    assert "train/cat/cat0.jpg" in warning and "val/dog/dog0.jpg" in warning
    assert f"run `labeldesk scan {project.path}`" in warning

    assert main(["version", str(project.path), "create", "v2", "--json"]) == 0
    made = json.loads(capsys.readouterr().out)
    assert made["name"] == "v2" and made["images"] == 19  # as indexed
    files = made["files_since_scan"]
    assert (files["checked"], files["changed"], files["gone"]) == (19, 1, 1)
    assert files["changed_paths"] == ["train/cat/cat0.jpg"]
    assert files["gone_paths"] == ["val/dog/dog0.jpg"]
    assert len(made["warnings"]) == 1 and "val/dog/dog0.jpg" in made["warnings"][0]


def test_after_a_rescan_create_says_nothing_more(project, capsys):
    moved = project.root / "train/cat/cat0.jpg"
    os.rename(moved, moved.with_name("renamed.jpg"))
    project.scan()
    assert main(["version", str(project.path), "create", "v1", "--json"]) == 0
    made = json.loads(capsys.readouterr().out)
    assert made["warnings"] == [] and made["files_since_scan"]["gone"] == 0
    assert made["files_since_scan"]["checked"] == 19


def test_a_file_only_touched_counts_and_the_folder_gone_is_said(project, tmp_path):
    touched = project.root / "train/dog/dog0.jpg"
    st = touched.stat()
    os.utime(touched, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    found = stale_files(project.db, project.root)
    assert (found.changed, found.gone, found.changed_paths) == (1, 0, ["train/dog/dog0.jpg"])
    assert "edited or touched" in found.warning()
    gone = stale_files(project.db, tmp_path / "unplugged")
    assert gone.root_missing and not gone.clean and "image folder is not there" in gone.warning()


def test_the_python_api_says_it_as_the_cli_does(project):
    import labeldesk as ld

    (project.root / "val/dog/dog0.jpg").unlink()
    made = ld.create_version(project, "v1")
    assert made["name"] == "v1" and made["files_since_scan"]["gone_paths"] == ["val/dog/dog0.jpg"]
    assert len(made["warnings"]) == 1 and "labeldesk scan" in made["warnings"][0]
