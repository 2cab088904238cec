"""A label file that is there but cannot be read says why, in the same words, whichever
reader meets it (a CSV, a JSON file, Hugging Face metadata, a WebDataset's classes.txt)."""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest

from labeldesk.core.errors import LabelFileError
from labeldesk.core.label_files import read_label_file
from labeldesk.interop.formats import ImportOptions
from labeldesk.interop.formats.hf_metadata import read_metadata
from labeldesk.interop.formats.json_input import load_json
from labeldesk.interop.formats.webdataset_read import read_shards


def csv_file(tmp_path: Path) -> tuple[Path, Path]:
    f = tmp_path / "labels.csv"
    f.write_text("path,label\na.png,cat\n")
    return f, f


def json_file(tmp_path: Path) -> tuple[Path, Path]:
    f = tmp_path / "labels.json"
    f.write_text('{"a.png": "cat"}')
    return f, f


def hf_folder(tmp_path: Path) -> tuple[Path, Path]:
    f = tmp_path / "metadata.jsonl"
    f.write_text('{"file_name": "a.png", "label": "cat"}\n')
    return tmp_path, f


def shard_folder(tmp_path: Path) -> tuple[Path, Path]:
    with tarfile.open(tmp_path / "train-000000.tar", "w"):
        pass
    f = tmp_path / "classes.txt"
    f.write_text("cat\ndog\n")
    return tmp_path, f


READERS = {
    "csv": (csv_file, read_label_file),
    "json": (json_file, load_json),
    "hf metadata": (hf_folder, lambda p: read_metadata(p, ImportOptions())),
    "webdataset classes.txt": (shard_folder, lambda p: read_shards(p, ImportOptions())),
}


@pytest.mark.parametrize("kind", READERS)
def test_a_file_that_cannot_be_read_says_why(tmp_path, monkeypatch, kind):
    make, read = READERS[kind]
    given, unreadable = make(tmp_path)
    read_bytes = Path.read_bytes

    def denied(self: Path) -> bytes:
        if self == unreadable:
            raise PermissionError(13, "Permission denied")
        return read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", denied)
    with pytest.raises(LabelFileError) as err:
        read(given)
    assert err.value.source == str(unreadable)
    assert err.value.problems == ["cannot read it: Permission denied"]
