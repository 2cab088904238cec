"""The image files a FiftyOne export's ``labels.json`` keys do not name, in the layout of
one dataset (``OUT/data`` + ``OUT/labels.json``) and of one per split."""

from __future__ import annotations

import json

from labeldesk.interop.export_unlisted import unlisted_files


def _dataset(base, keys: dict[str, int | None], files: list[str]) -> None:
    (base / "data").mkdir(parents=True)
    for name in files:
        (base / "data" / name).write_bytes(b"x")
    (base / "labels.json").write_text(json.dumps({"classes": ["cat"], "labels": keys}))


def test_a_file_of_one_dataset_without_its_key_is_named(tmp_path):
    _dataset(tmp_path, {"a": 0, "b": None}, ["a.png", "b.png", "c.png"])
    found = unlisted_files(tmp_path, "fiftyone", ["data/a.png", "data/b.png", "data/c.png"])
    assert found == [{"path": "data/c.png", "why": "no key of labels.json names it (the "
                      "export writes one for every image it holds)"}]  # fmt: skip


def test_each_split_dataset_is_read_by_its_own_keys(tmp_path):
    _dataset(tmp_path / "train", {"a": 0}, ["a.png"])
    _dataset(tmp_path / "val", {"b": None}, ["a.png", "b.png"])
    found = unlisted_files(tmp_path, "fiftyone", ["train/data/a.png", "val/data/a.png",
                                                  "val/data/b.png"])  # fmt: skip
    assert [row["path"] for row in found] == ["val/data/a.png"]
    assert found[0]["why"].startswith("no key of val/labels.json names it")
