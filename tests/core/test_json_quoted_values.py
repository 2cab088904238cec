"""A path or label read from a JSON file is quoted in a problem as JSON writes it
(``"a\\b.png"``), so that the person can search the file for it; a CSV file's stay as
LabelDesk has always quoted them (``'a\\b.png'``). Before, JSON files' were quoted as
Python's repr: ``'a\\\\b.png'``, which is in neither file."""

from __future__ import annotations

import json

import pytest

from labeldesk.core.errors import LabelFileError
from labeldesk.core.label_files import apply_label_rows, read_label_file


def problems_of(project, f) -> list[str]:
    with pytest.raises(LabelFileError) as err:
        apply_label_rows(project, read_label_file(f))
    return err.value.problems


def test_json_paths_labels_and_splits_are_quoted_as_json(project, tmp_path):
    f = tmp_path / "labels.json"
    rows = [
        {"path": "old\\a.png", "label": "cat"},
        {"path": "_unlabeled/u0.png", "label": "fox's"},
        {"path": "_unlabeled/u1.png", "label": "cat", "split": "dev"},
        {"path": "_unlabeled/u2.png", "label": "cat"},
        {"path": "./_unlabeled/u2.png", "label": "dog"},
    ]
    f.write_text(json.dumps(rows))
    assert problems_of(project, f) == [
        'entry 1: "old\\\\a.png" is not an image in the project',
        'entry 2: unknown class "fox\'s"',
        'entry 3: unknown split "dev" (use train, val or test)',
        'entry 5: "_unlabeled/u2.png" is labeled "dog" here but "cat" on entry 4',
    ]


def test_json_lines_are_quoted_as_json_too(project, tmp_path):
    f = tmp_path / "labels.jsonl"
    f.write_text('{"path": "x\\\\y.png", "label": "cat"}\n')
    assert problems_of(project, f) == ['line 1: "x\\\\y.png" is not an image in the project']


def test_a_csv_files_values_keep_their_quoting(project, tmp_path):
    f = tmp_path / "labels.csv"
    f.write_text(
        "path,label,split\nold\\a.png,cat,\n_unlabeled/u0.png,fox,\n_unlabeled/u1.png,cat,dev\n"
    )
    assert problems_of(project, f) == [
        "line 2: 'old\\\\a.png' is not an image in the project",
        "line 3: unknown class 'fox'",
        "line 4: unknown split 'dev' (use train, val or test)",
    ]
