"""The export manifest is written as it is encoded (a million images' manifest is never
held as one text): its bytes are still what ``json.dumps(indent=2, sort_keys=True)``
writes, its renamed files and image hashes in path order, whatever the batch size; and
the CSV's rows are written one at a time from the columns."""

from __future__ import annotations

import csv
import json

import pytest

from labeldesk.core.progress import CancelToken, no_progress
from labeldesk.interop import manifest as manifest_module
from labeldesk.interop.export import ExportOptions, ExportReport, export
from labeldesk.interop.export_target import MANIFEST
from labeldesk.interop.manifest import write_manifest


@pytest.mark.parametrize("pieces", [1, 7, 10_000])
def test_the_manifest_is_the_text_json_dumps_writes(project, tmp_path, monkeypatch, pieces):
    monkeypatch.setattr(manifest_module, "WRITE_PIECES", pieces)
    options = ExportOptions(include_unlabeled=True, class_map=(("dog", "hound"),))
    report = export(project, tmp_path / "out", "imagefolder", options)
    text = (tmp_path / "out" / MANIFEST).read_text(encoding="utf-8")
    manifest = json.loads(text)
    assert text == json.dumps(manifest, indent=2, sort_keys=True) + "\n"
    # the dogs written as hounds: renamed (in path order, not the order written)
    assert len(manifest["image_hashes"]) == report.written == 19
    assert list(manifest["renamed"]) == sorted(report.renamed)
    assert len(manifest["renamed"]) == 8
    assert manifest["renamed"]["train/hound/dog0.jpg"] == "train/dog/dog0.jpg"
    assert list(manifest["image_hashes"]) == sorted(report.exported_hashes)
    paths = [f["path"] for f in manifest["files"]]
    assert paths == sorted(paths) and len(paths) == 19


def test_renamed_files_and_hashes_are_listed_in_path_order(project, tmp_path):
    """(a format may record them in any order: WebDataset's shards, a renamed GIF)"""
    folder = tmp_path / "staging"
    folder.mkdir()
    (folder / "b.txt").write_text("b")
    report = ExportReport(out=str(folder), format="csv", written=2)
    report.renamed = {"z/b.png": "b.png", "a/c.png": "c.png", "m/a.png": "a.png"}
    report.exported_hashes = {"z/b.png": "2", "a/c.png": "3", "m/a.png": "1"}
    write_manifest(project, folder, "csv", ExportOptions(), report, no_progress, CancelToken())
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    assert list(manifest["renamed"]) == ["a/c.png", "m/a.png", "z/b.png"]
    assert list(manifest["image_hashes"]) == ["a/c.png", "m/a.png", "z/b.png"]
    assert [f["path"] for f in manifest["files"]] == ["b.txt"]
    assert list(report.renamed) == ["z/b.png", "a/c.png", "m/a.png"]  # (left as it was)


def test_the_same_state_writes_the_same_manifest_bytes(project, tmp_path, monkeypatch):
    first = export(project, tmp_path / "a", "csv")
    monkeypatch.setattr(manifest_module, "WRITE_PIECES", 3)
    again = export(project, tmp_path / "b", "csv")
    assert first.written == again.written == 16
    a = (tmp_path / "a" / MANIFEST).read_bytes()
    b = (tmp_path / "b" / MANIFEST).read_bytes()
    assert a == b
    with open(tmp_path / "b" / "labels.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[0][:4] == ["path", "label", "split", "content_hash"]
    assert len(rows) == 17 and len({r[0] for r in rows[1:]}) == 16


@pytest.mark.parametrize("fmt", ["csv", "webdataset", "imagefolder"])
def test_every_kind_of_file_entry_is_written_as_json_dumps_writes_it(project, tmp_path, fmt):
    """Files, symbolic links (a link instead of a hash), shards: one text."""
    link = "symlink" if fmt == "imagefolder" else "copy"
    export(project, tmp_path / "out", fmt, ExportOptions(link=link, include_unlabeled=True))
    text = (tmp_path / "out" / MANIFEST).read_text(encoding="utf-8")
    manifest = json.loads(text)
    assert text == json.dumps(manifest, indent=2, sort_keys=True) + "\n"
    kinds = {tuple(sorted(entry)) for entry in manifest["files"]}
    if link == "symlink":
        assert kinds == {("link", "path")}
    else:
        assert kinds == {("path", "sha256", "size")}
