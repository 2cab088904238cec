"""A label changed in another tool comes back unverified, whatever the format.

``verified`` says a person checked one label in LabelDesk. An export's rows carry the
status beside the label; a tool that relabels a row leaves the status cell, key or field
as it was. Each format's export is relabeled here as its tools do it (a cell, a metadata
row, a shard's ``.cls`` and record, an annotation, a ``labels.json`` target, a file moved
to another class folder) and imported back, into the project and into a fresh one: the
relabeled image comes in unverified (as a relabel through ImageFolder always did), the
verified image left alone stays verified.
"""

from __future__ import annotations

import csv
import io
import json
import tarfile

import pytest

from labeldesk.core.create import create_and_index
from labeldesk.core.label_files import apply_label_rows, read_label_file
from labeldesk.interop.export import ExportOptions, export
from labeldesk.interop.formats import read_labels

CHANGED, KEPT = "train/cat/cat0.jpg", "train/cat/cat1.jpg"
SOURCE = {"csv": "labels.csv", "parquet": "labels.parquet", "labelstudio": "tasks.json"}
FORMATS = ["csv", "parquet", "hf", "webdataset", "labelstudio", "fiftyone", "imagefolder"]


def _csv(out):
    f = out / "labels.csv"
    rows = list(csv.DictReader(f.open(encoding="utf-8", newline="")))
    for row in rows:
        if row["path"].endswith(CHANGED):
            row["label"] = "dog"  # a spreadsheet edit: the other cells stay
    with f.open("w", encoding="utf-8", newline="") as sink:
        writer = csv.DictWriter(sink, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _parquet_file(f, match):
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pq.read_table(f)
    names = table.column_names
    path_column = "path" if "path" in names else "file_name"
    rows = table.to_pylist()
    hits = [r for r in rows if match(r[path_column])]
    assert len(hits) == 1
    hits[0]["label"] = "dog"
    pq.write_table(pa.Table.from_pylist(rows, schema=table.schema), f)


def _parquet(out):
    _parquet_file(out / "labels.parquet", lambda p: p.endswith(CHANGED))


def _hf(out):  # a metadata row's label, as a datasets user edits it
    _parquet_file(out / "train" / "metadata.parquet", lambda p: p.endswith("cat0.jpg"))


def _webdataset(out):  # a relabeling pass: .cls and the record's label, rest as it was
    classes = (out / "classes.txt").read_text(encoding="utf-8").splitlines()
    for shard in sorted(out.glob("*.tar")):
        with tarfile.open(shard) as tar:
            members = [(m, tar.extractfile(m).read()) for m in tar.getmembers()]
        records = {
            m.name.removesuffix(".json"): json.loads(d)
            for m, d in members
            if m.name.endswith(".json")
        }
        keys = [k for k, r in records.items() if r["path"] == CHANGED]
        if not keys:
            continue
        key = keys[0]
        records[key]["label"] = "dog"
        with tarfile.open(shard, "w") as tar:
            for member, data in members:
                if member.name == f"{key}.json":
                    data = json.dumps(records[key]).encode()
                elif member.name == f"{key}.cls":
                    data = str(classes.index("dog")).encode()
                member.size = len(data)
                tar.addfile(member, io.BytesIO(data))


def _labelstudio(out):  # an annotator's new choice; the task's data as it was
    f = out / "tasks.json"
    tasks = json.loads(f.read_text(encoding="utf-8"))
    task = next(t for t in tasks if t["data"]["path"] == CHANGED)
    task["annotations"][0]["result"][0]["value"]["choices"] = ["dog"]
    f.write_text(json.dumps(tasks), encoding="utf-8")


def _fiftyone(out):  # a target edited in labels.json; the keys LabelDesk added stay
    f = out / "train" / "labels.json"
    data = json.loads(f.read_text(encoding="utf-8"))
    key = CHANGED.rsplit(".", 1)[0]
    data["labels"][key] = data["classes"].index("dog")
    f.write_text(json.dumps(data), encoding="utf-8")


def _imagefolder(out):  # the file moved to the other class folder
    (out / "train" / "cat" / "cat0.jpg").rename(out / "train" / "dog" / "cat0.jpg")


RELABEL = {
    "csv": _csv,
    "parquet": _parquet,
    "hf": _hf,
    "webdataset": _webdataset,
    "labelstudio": _labelstudio,
    "fiftyone": _fiftyone,
    "imagefolder": _imagefolder,
}


def _state(project, path):
    row = project.images().set_index("path").loc[path]
    status = row.status if isinstance(row.status, str) else None
    return row.label, status


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_label_another_tool_changed_comes_back_unverified(project, imagefolder, tmp_path, fmt):
    project.set_status([CHANGED, KEPT], "verified")
    out = tmp_path / "out"
    # (with the unlabeled images, so that Hugging Face's has metadata, where statuses go)
    export(project, out, fmt, ExportOptions(include_unlabeled=True))
    RELABEL[fmt](out)
    root, _ = imagefolder
    fresh, _ = create_and_index(tmp_path / "fresh", root, workers=1)
    with fresh:
        for target in (project, fresh):
            _, rows = read_labels(out / SOURCE.get(fmt, ""))
            assert rows.problems == []
            apply_label_rows(target, rows)
            assert _state(target, CHANGED) == ("dog", None)
            if fmt != "imagefolder":  # (it holds no status: the project keeps its own)
                assert _state(target, KEPT) == ("cat", "verified")
                assert "1 row says verified for another label" in rows.status_note


def test_a_row_that_names_its_new_label_verified_keeps_it(project, tmp_path):
    """A person who relabels in a spreadsheet and checked the new label says so: the
    row's verified_label names it (or is left empty, as in a file written by hand)."""
    project.set_status([CHANGED, KEPT], "verified")
    f = tmp_path / "labels.csv"
    f.write_text(
        "path,label,status,verified_label\n"
        f"{CHANGED},dog,verified,dog\n"
        f"{KEPT},dog,verified,\n"
        "train/cat/cat2.jpg,dog,verified,cat\n",
        encoding="utf-8",
    )
    rows = read_label_file(f)
    apply_label_rows(project, rows)
    assert _state(project, CHANGED) == ("dog", "verified")
    assert _state(project, KEPT) == ("dog", "verified")
    assert _state(project, "train/cat/cat2.jpg") == ("dog", None)
    assert rows.status_note.startswith("1 row says verified for another label")


def test_the_same_label_in_another_unicode_form_keeps_verified(project, tmp_path):
    """A tool that writes the label in decomposed Unicode (macOS file names and some
    editors do) names the same class: the import matches it to the class (NFC), so the
    row was not relabeled and its verified is read, nor is it counted as relabeled."""
    composed = "caf\u00e9"  # é as one code point, as LabelDesk stores it
    decomposed = "cafe\u0301"  # e + combining acute: the same class to the import
    project.add_classes([composed])
    project.set_label(CHANGED, composed)
    f = tmp_path / "labels.csv"
    f.write_text(
        f"path,label,status,verified_label\n{CHANGED},{decomposed},verified,{composed}\n",
        encoding="utf-8",
    )
    rows = read_label_file(f)
    apply_label_rows(project, rows)
    assert _state(project, CHANGED) == (composed, "verified")
    assert "relabeled" not in rows.status_note
