"""The format registry: detection, reading through an importer, and the export names."""

from __future__ import annotations

import pytest

from labeldesk.core.errors import LabelDeskError, LabelFileError
from labeldesk.interop.export import EXPORTERS
from labeldesk.interop.export_formats import EXPORT_FORMATS
from labeldesk.interop.formats import IMPORTERS, detect_format, read_labels


def test_every_format_registers_and_imagefolder_comes_first():
    assert EXPORTERS.names()[0] == "imagefolder"
    assert "csv" in EXPORTERS and "csv" in IMPORTERS


def test_the_command_line_lists_every_export_format_in_the_registry_order():
    # `--format` takes these names without loading the writers; a new format, or one
    # moved in the dialog's list, is named there too
    assert list(EXPORT_FORMATS) == EXPORTERS.names()


def test_a_csv_manifest_is_detected_and_read_with_its_lines(tmp_path):
    f = tmp_path / "labels.csv"
    f.write_text("path,label,split\na.png,cat,train\nb.png,,val\nc.png,dog,nowhere\n")
    name, rows = read_labels(f)
    assert name == "csv"
    assert [(r.path, r.label, r.split, r.line) for r in rows] == [
        ("a.png", "cat", "train", 2),
        ("b.png", None, "val", 3),
    ]
    assert rows.problems and rows.problems[0][0] == 4  # the unknown split, by line


def test_an_unknown_file_names_the_formats_and_the_flag(tmp_path):
    f = tmp_path / "labels.bin"
    f.write_bytes(b"\x00\x01")
    with pytest.raises(LabelDeskError, match="name its format") as exc:
        detect_format(f)
    assert "csv" in str(exc.value)
    with pytest.raises(LabelDeskError, match="not found"):
        detect_format(tmp_path / "missing.csv")


def test_an_unknown_format_name_lists_the_known_ones(tmp_path):
    f = tmp_path / "labels.csv"
    f.write_text("path,label\na.png,cat\n")
    with pytest.raises(LabelDeskError, match="csv"):
        read_labels(f, "xml")
    with pytest.raises(LabelFileError):
        read_labels(tmp_path, "csv")  # a folder is not a CSV file
