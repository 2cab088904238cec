"""`labeldesk version PROJECT verify` of a Label Studio or FiftyOne export whose entry for
an unlabeled image (no split, no status) was removed, the manifest made to match.

Their readers give no row for such an entry (nothing to apply on import), so before,
the task or ``labels.json`` key removed passed for the version (exit 0), though the
image is then in no dataset those tools load from the export."""

from __future__ import annotations

import json

import pytest

from cli.test_version_verify_labels import export_v1, resync, verify


def _drop_task(out) -> tuple[str, str]:
    tasks = json.loads((out / "tasks.json").read_text())
    kept = [t for t in tasks if not t["data"]["image"].endswith("_unlabeled/u1.png")]
    assert len(kept) == len(tasks) - 1
    (out / "tasks.json").write_text(json.dumps(kept, indent=1))
    return "images/_unlabeled/u1.png", "no task of tasks.json names it"


def _drop_key(out) -> tuple[str, str]:
    labels = json.loads((out / "unassigned/labels.json").read_text())
    assert labels["labels"].pop("_unlabeled/u1") is None
    (out / "unassigned/labels.json").write_text(json.dumps(labels, indent=1))
    return "unassigned/data/_unlabeled/u1.png", "no key of unassigned/labels.json names it"


@pytest.mark.parametrize(("fmt", "drop"), [("labelstudio", _drop_task), ("fiftyone", _drop_key)])
def test_the_entry_of_an_unlabeled_image_removed_is_found(project, tmp_path, capsys, fmt, drop):
    out = export_v1(project, tmp_path, fmt)
    file, why = drop(out)
    resync(out)
    code, found = verify(capsys, project, "v1", out)
    assert code == 1 and not found["intact"]
    assert found["files"] == [
        {"path": file, "why": f"{why} (the export writes one for every image it holds)"}
    ]
    assert found["labels"] == []


@pytest.mark.parametrize("fmt", ["labelstudio", "fiftyone", "csv", "parquet"])
def test_an_export_with_unlabeled_images_as_written_is_the_version(project, tmp_path, capsys, fmt):
    out = export_v1(project, tmp_path, fmt)
    code, found = verify(capsys, project, "v1", out)
    assert (code, found["ok"], found["files"], found["labels"]) == (0, True, [], [])
    assert found["images"] == 19  # (16 labeled, 3 unlabeled)


def test_a_fiftyone_file_renamed_with_its_key_passes(project, tmp_path, capsys):
    """Renamed in ``data/`` with its ``labels.json`` key (and the manifest) to match, a
    file is the same picture with the same label and split: what a training script and
    ``labeldesk import`` (it matches a file of ``data/`` by its bytes) read. FiftyOne's
    own exporter renames files too, so this passes; renamed alone, it does not."""
    out = export_v1(project, tmp_path, "fiftyone")
    old, new = "train/data/train/cat/cat0.jpg", "train/data/train/cat/renamed.jpg"
    (out / old).rename(out / new)
    code, found = verify(capsys, project, "v1", out)
    assert code == 1 and {"path": old, "why": "gone from the export"} in found["files"]
    labels = json.loads((out / "train/labels.json").read_text())
    labels["labels"]["train/cat/renamed"] = labels["labels"].pop("train/cat/cat0")
    (out / "train/labels.json").write_text(json.dumps(labels, indent=1))
    resync(out, moved={old: new})
    code, found = verify(capsys, project, "v1", out)
    assert (code, found["ok"], found["files"], found["labels"]) == (0, True, [], [])
