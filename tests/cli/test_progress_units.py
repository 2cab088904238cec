"""The progress lines name what they count. Hashing an export's files said
"hashing the exported files: 21/21 images" (labels.csv and the manifest counted as
images), and reading shards "reading shards: 3/3 images" (it counts shards)."""

from __future__ import annotations

import pytest

from labeldesk.cli import main
from labeldesk.core import progress_bar


@pytest.fixture
def no_terminal(monkeypatch):
    monkeypatch.setattr(progress_bar, "stderr_is_terminal", lambda: False)


def phase_lines(err: str, phase: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith(phase + ":")]


def test_hashing_an_export_counts_files_and_reading_shards_counts_shards(
    no_terminal, project, tmp_path, capsys
):
    path, csv_out, shards = str(project.path), tmp_path / "csv", tmp_path / "shards"
    capsys.readouterr()
    assert main(["export", path, str(csv_out), "--format", "csv"]) == 0
    err = capsys.readouterr().err
    hashing = phase_lines(err, "hashing the exported files")
    files = sum(1 for p in csv_out.rglob("*") if p.is_file())  # the manifest's own too
    assert hashing[-1] == f"hashing the exported files: {files - 1:,}/{files - 1:,} files (100%)"
    # then the same files synced to the disk, a phase of its own
    syncing = phase_lines(err, "syncing the exported files to the disk")
    assert (
        syncing[-1]
        == f"syncing the exported files to the disk: {files - 1:,}/{files - 1:,} files (100%)"
    )

    assert main(["export", path, str(shards), "--format", "webdataset"]) == 0
    capsys.readouterr()
    assert main(["version", path, "verify", str(shards)]) == 0
    err = capsys.readouterr().err
    n = len(list(shards.glob("*.tar")))
    assert phase_lines(err, "reading shards")[-1] == f"reading shards: {n}/{n} shards (100%)"
    assert phase_lines(err, "hashing the exported files")[-1].endswith(" files (100%)")
