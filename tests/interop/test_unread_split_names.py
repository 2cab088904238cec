"""A Hugging Face ``dev/metadata.jsonl`` and a WebDataset ``dev-000000.tar`` name a split
(datasets reads ``dev`` as validation, ``eval`` as test) that LabelDesk does not read:
their rows would lose the split without a word. As with class folders under ``dev/``
beside ``train/`` (:mod:`labeldesk.interop.formats.folder_labels`), each such row is a bad
row saying what to rename the folder or shard to; a row with a split of its own is fine."""

from __future__ import annotations

import json

import pytest
from helpers import shard, write_image

from labeldesk.interop.formats import read_labels


def written(root, files: dict[str, str]):
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


@pytest.mark.parametrize(("top", "meant"), [("dev", "val"), ("eval", "test"), ("holdout", "test")])
def test_metadata_in_a_split_folder_labeldesk_does_not_read_is_a_bad_row(tmp_path, top, meant):
    root = written(
        tmp_path / "ds",
        {
            "train/metadata.jsonl": '{"file_name": "a.png", "label": "cat"}\n',
            f"{top}/metadata.jsonl": '{"file_name": "b.png", "label": "dog"}\n'
            '{"file_name": "c.png", "label": "dog", "split": "val"}\n',
        },
    )
    _, rows = read_labels(root)
    assert sorted((r.path, r.label, r.split) for r in rows) == [
        (f"{top}/c.png", "dog", "val"),  # a split of its own: as it says
        ("train/a.png", "cat", "train"),
    ]
    (problem,) = [text for _, text in rows.problems]
    assert problem.startswith(f"{top}/metadata.jsonl line 1: '{top}/' is a split folder")
    assert f"rename it {meant}/" in problem
    assert [p for _, p in rows.refused] == [f"{top}/b.png"]  # skipped, its image stays out


def test_one_metadata_file_of_a_dev_folder_is_read_from_the_dataset_folder(tmp_path):
    """Given ``dev/metadata.jsonl`` alone, its paths are the dataset's (``dev/b.png``, as
    for ``train/metadata.jsonl``), not the folder's own (``b.png``)."""
    root = written(
        tmp_path / "ds", {"dev/metadata.jsonl": '{"file_name": "b.png", "label": "dog"}\n'}
    )
    _, rows = read_labels(root / "dev" / "metadata.jsonl")
    assert list(rows) == []
    (problem,) = [text for _, text in rows.problems]
    assert "(Hugging Face datasets reads it so)" in problem and "rename it val/" in problem
    assert [p for _, p in rows.refused] == ["dev/b.png"]


@pytest.mark.parametrize(
    ("name", "word", "renamed"),
    [
        ("dev-000000.tar", "dev", "val-000000.tar"),
        ("imagenet-eval-0001.tar", "eval", "imagenet-test-0001.tar"),
    ],
)
def test_a_shard_named_with_a_split_labeldesk_does_not_read_is_a_bad_sample(
    tmp_path, name, word, renamed
):
    for seed in (1, 2):
        write_image(tmp_path / f"{seed}.png", fmt="PNG", seed=seed)
    folder = tmp_path / "shards"
    folder.mkdir()
    one, two = ((tmp_path / f"{n}.png").read_bytes() for n in (1, 2))
    shard(
        folder / name,
        {
            "k1": {"png": one, "json": b'{"label": "cat"}'},
            "k2": {"png": two, "json": json.dumps({"label": "dog", "split": "val"}).encode()},
            "k3": {"png": one},  # says nothing of a label: left out, as anywhere
        },
    )
    _, rows = read_labels(folder)
    assert [(r.label, r.split) for r in rows] == [("dog", "val")]
    (problem,) = [text for _, text in rows.problems]
    assert problem.startswith(f"{name}:k1: '{word}' in the shard's name is a split")
    assert "(Hugging Face datasets reads it so)" in problem
    assert f"rename it {renamed}" in problem


def test_a_shard_name_with_a_read_split_word_or_none_is_as_before(tmp_path):
    write_image(tmp_path / "x.png", fmt="PNG", seed=1)
    folder = tmp_path / "shards"
    folder.mkdir()
    png = (tmp_path / "x.png").read_bytes()
    for name in ("train-dev-0.tar", "devices-0.tar"):
        shard(folder / name, {"k": {"png": png, "json": b'{"label": "c"}'}})
    _, rows = read_labels(folder)
    assert sorted((r.label, r.split or "") for r in rows) == [("c", ""), ("c", "train")]
    assert rows.problems == []


def test_the_three_messages_say_why_in_one_wording(tmp_path):
    """The layout check, the folder and metadata importers and the WebDataset reader
    word the note on a split name LabelDesk does not read alike (one function makes it),
    each as it was written before: pinned whole."""
    from labeldesk.core.layout import unread_split_advice
    from labeldesk.core.layout_check import check_layout
    from labeldesk.interop.formats.webdataset_read import _unread_split

    assert unread_split_advice("dev") == (
        "'dev/' is a split folder (Hugging Face datasets reads it so), but LabelDesk reads "
        "only train, val and test as splits: rename it val/"
    )
    assert unread_split_advice("holdout") == (
        "'holdout/' is a split folder, but LabelDesk reads only train, val and test as "
        "splits: rename it test/"
    )
    assert _unread_split("imagenet-Eval-0001.tar") == (
        "'Eval' in the shard's name is a split (Hugging Face datasets reads it so), but "
        "LabelDesk reads only train, val and test as splits: rename it "
        "imagenet-test-0001.tar, or give the sample a split in its .json (else it gets none)"
    )
    for rel in ("train/cat/a.png", "dev/cat/b.png", "calib/dog/c.png"):
        write_image(tmp_path / "img" / rel, seed=len(rel))
    assert sorted(w.message for w in check_layout(tmp_path / "img")) == [
        "calib/ beside train/ looks like a split folder, but LabelDesk reads only train/, "
        "val/ and test/ as splits: all its images get the class 'calib' and no split, "
        "whatever class folder (dog/) they are in; rename it val/ to make it the val split",
        "dev/ beside train/ looks like a split folder (Hugging Face datasets reads it as the "
        "validation split), but LabelDesk reads only train/, val/ and test/ as splits: all "
        "its images get the class 'dev' and no split, whatever class folder (cat/) they are "
        "in; rename it val/ to make it the val split",
    ]
