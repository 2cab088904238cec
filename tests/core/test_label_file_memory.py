"""A big label file is read row by row into compact columns and matched in chunks:
memory per row stays small, and nothing of the all-or-nothing checking is lost."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import peak_bytes, project_of_rows

from labeldesk.core import label_files
from labeldesk.core.errors import LabelFileError
from labeldesk.core.label_files import apply_label_rows, read_label_file
from labeldesk.core.label_rows import LabelRow, RowTable
from labeldesk.core.project import Project

N = 10_000


@pytest.fixture
def big(tmp_path: Path) -> Project:
    """A project of N image rows without files (matching a label file needs none)."""
    project = project_of_rows(tmp_path, N)
    yield project
    project.close()


def big_file(tmp_path: Path, fmt: str, last_label: str = "dog") -> Path:
    labels = ["cat"] * (N - 1) + [last_label]
    f = tmp_path / f"labels.{fmt}"
    if fmt == "csv":
        body = "".join(f"train/img{i:06d}.jpg,{label},val\n" for i, label in enumerate(labels))
        f.write_text("path,label,split\n" + body)
    else:
        f.write_text(
            "".join(
                json.dumps({"path": f"train/img{i:06d}.jpg", "label": label, "split": "val"}) + "\n"
                for i, label in enumerate(labels)
            )
        )
    return f


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_a_big_file_is_read_in_a_few_times_its_size(tmp_path, fmt):
    # (a list of records, then of rows, took 17 times a CSV's size, 8 times a JSONL's)
    f = big_file(tmp_path, fmt)
    rows, peak = peak_bytes(lambda: read_label_file(f))
    assert len(rows) == N and not rows.problems
    assert peak < 6 * f.stat().st_size, peak / f.stat().st_size


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_checking_a_big_file_against_the_project_keeps_little_per_row(big, tmp_path, fmt):
    # one bad row (a class the project lacks): every row is read and matched, nothing
    # is applied (about 650 bytes a row were held before, rows read included)
    f = big_file(tmp_path, fmt, last_label="bird")
    last = big.history(limit=1)

    def check():
        with pytest.raises(LabelFileError) as err:
            apply_label_rows(big, read_label_file(f))
        return err.value.problems

    problems, peak = peak_bytes(check)
    line, bird = (N + 1, "'bird'") if fmt == "csv" else (N, '"bird"')  # (as the file has it)
    assert len(problems) == 1 and problems[0].startswith(f"line {line}: unknown class {bird}")
    assert big.history(limit=1) == last
    assert peak < 480 * N, peak / N


def test_paths_are_looked_up_in_chunks_and_every_unknown_one_is_listed(big, tmp_path, monkeypatch):
    monkeypatch.setattr(label_files, "LOOKUP_CHUNK", 2)
    f = tmp_path / "labels.csv"
    rows = ["train/img000000.jpg", "nope/a.jpg", "./train/img000001.jpg", "train/img000002.jpg"]
    f.write_text("path,label\n" + "".join(f"{p},dog\n" for p in [*rows, "nope/b.jpg"]))
    with pytest.raises(LabelFileError) as err:
        apply_label_rows(big, read_label_file(f))
    assert err.value.problems == [
        "line 3: 'nope/a.jpg' is not an image in the project",
        "line 6: 'nope/b.jpg' is not an image in the project",
    ]
    assert big.images().label.isna().all()
    f.write_text("path,label\n" + "".join(f"{p},dog\n" for p in rows if "nope" not in p))
    assert apply_label_rows(big, read_label_file(f)) == 3
    labeled = big.images().dropna(subset=["label"])
    assert sorted(labeled.path) == [f"train/img00000{i}.jpg" for i in range(3)]


def test_an_image_named_by_three_rows_one_bad_is_left_out_with_all_its_lines(big, tmp_path):
    f = tmp_path / "labels.csv"
    f.write_text(
        "path,label,split\n"
        "train/img000000.jpg,cat,\n"  # line 2
        "train/img000001.jpg,dog,\n"  # line 3: another image, kept
        "train/img000000.jpg,,val\n"  # line 4: unlabeled here, cat on line 2: a bad row
        "./train/img000000.jpg,cat,\n"  # line 5
    )
    skipped: list[str] = []
    assert apply_label_rows(big, read_label_file(f), skipped=skipped) == 1
    assert skipped == [
        "line 2: 'train/img000000.jpg' left out with the bad row of that image",
        "line 4: 'train/img000000.jpg' is labeled unlabeled here but 'cat' on line 2",
        "line 5: 'train/img000000.jpg' left out with the bad row of that image",
    ]
    labeled = big.images().dropna(subset=["label"])
    assert list(labeled.path) == ["train/img000001.jpg"]


def test_json_lines_read_as_a_stream_split_only_at_line_ends(tmp_path):
    # U+2028, U+0085 and a form feed stay inside their JSON line; \r\n and \r end lines
    f = tmp_path / "labels.jsonl"
    f.write_bytes(
        '{"path": "a\u2028b.png", "label": "cat"}\r\n'
        '\r\n'
        '{"path": "c\u0085d.png", "label": "dog"}\r'
        '{"path": "e.png", "label": "a\\u000cb"}\n'
        'not json\n'.encode()
    )  # fmt: skip
    rows = read_label_file(f)
    assert [(r.path, r.line) for r in rows] == [("a\u2028b.png", 1), ("c\u0085d.png", 3)]
    assert sorted(line for line, _ in rows.problems) == [4, 5]


def test_a_bad_status_word_after_good_ones_drops_every_status(tmp_path):
    f = tmp_path / "labels.csv"
    f.write_text("path,label,status\na.png,cat,verified\nb.png,dog,excluded\nc.png,cat,ok\n")
    rows = read_label_file(f)
    assert [r.status for r in rows] == ["", "", ""]
    assert "holds 'ok' (line 4)" in rows.status_note


def test_a_row_table_reads_as_the_list_of_its_rows():
    rows = [
        LabelRow("a.png", "cat", "train", 2),
        LabelRow("b.png", None, None, 3, status="verified"),
        LabelRow("c.png", None, "val", 7, keep_label=True),
    ]
    table = RowTable(rows)
    assert table == rows and list(table) == rows and len(table) == 3
    assert table[1] == rows[1] and table[-1] == rows[-1] and table[1:] == rows[1:]
    table.append(LabelRow("d.png", "dog", None, 9))
    assert table[3].label == "dog" and bool(table) and not RowTable()
    table.clear_statuses()
    assert [r.status for r in table] == ["", "", "", ""]


def test_writing_a_big_file_keeps_little_per_row_beyond_its_rows(big, tmp_path):
    # the labels written as one batch (a million-row file's write cost about 550 bytes a
    # row: the events' parameters listed whole, a tuple per image's state); 526 bytes a
    # row here before
    rows = read_label_file(big_file(tmp_path, "csv"))
    applied, peak = peak_bytes(lambda: apply_label_rows(big, rows))
    assert applied == N and big.images().label.notna().all()
    assert peak < 470 * N, peak / N
