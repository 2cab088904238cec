"""Hugging Face imagefolder: `datasets` loads the export (ClassLabel when the folders
are the labels, a string column with metadata otherwise), round trips, and reading
metadata files, hostile ones included. Offline: datasets reads local folders only."""

from __future__ import annotations

import json
import os

os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import pytest
from helpers import write_image

from labeldesk.core.create import create_and_index
from labeldesk.core.errors import LabelFileError
from labeldesk.core.indexed_files import hash_file
from labeldesk.core.label_files import apply_label_rows
from labeldesk.interop.export import ExportOptions, export
from labeldesk.interop.formats import ImportOptions, detect_format, read_labels
from labeldesk.interop.formats.hf import reads_as_split


def load(out, tmp_path):
    """Every image datasets loads from ``out``: {content hash: (split, label name)}, and
    the label feature of each split."""
    import datasets

    datasets.disable_progress_bars()
    loaded = datasets.load_dataset("imagefolder", data_dir=str(out), cache_dir=str(tmp_path / "c"))
    found: dict[str, tuple[str, str | None]] = {}
    features = {}
    for split, ds in loaded.items():
        feature = ds.features["label"]
        features[split] = feature
        ds = ds.cast_column("image", datasets.Image(decode=False))
        for example in ds:
            label = example["label"]
            if isinstance(feature, datasets.ClassLabel):
                label = feature.int2str(label)
            found[hash_file(example["image"]["path"])] = (split, label)
    return found, features


def expected(project, *, unlabeled: bool = False) -> dict[str, tuple[str, str | None]]:
    """{content hash: (datasets' split name, label)} of the images the export holds."""
    names = {"train": "train", "val": "validation", "test": "test", None: "train"}
    frame = project.images(include_skipped=False)
    labels = frame.label.astype(object).where(frame.label.notna(), None)
    return {
        h: (names[s if isinstance(s, str) and s != "unassigned" else None], lab)
        for h, lab, s in zip(frame.hash, labels, frame.split, strict=True)
        if unlabeled or isinstance(lab, str)
    }


def test_labeled_folders_load_with_a_class_label(project, tmp_path):
    out = tmp_path / "out"
    report = export(project, out, "hf")
    assert not list(out.rglob("metadata.*"))  # the folders are the labels
    found, features = load(out, tmp_path)
    assert found == expected(project) and len(found) == report.written == 16
    assert {str(f.names) for f in features.values()} == {"['cat', 'dog']"}
    assert set(features) == {"train", "validation", "test"}


def test_unlabeled_images_bring_metadata_and_a_string_label(project, tmp_path):
    out = tmp_path / "out"
    export(project, out, "hf", ExportOptions(include_unlabeled=True))
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("metadata.*")) == [
        "test/metadata.jsonl",
        "train/metadata.jsonl",
        "val/metadata.jsonl",
    ]
    first = json.loads((out / "train/metadata.jsonl").read_text().splitlines()[0])
    assert set(first) == {"file_name", "label"} and (out / "train" / first["file_name"]).is_file()
    found, features = load(out, tmp_path)
    assert found == expected(project, unlabeled=True) and len(found) == 19
    assert {f.dtype for f in features.values()} == {"string"}


def test_a_split_with_only_unlabeled_images_switches_to_typed_parquet(project, tmp_path):
    frame = project.images()
    project.set_labels({p: None for p in frame.path[frame.split == "test"]})
    out = tmp_path / "out"
    export(project, out, "hf", ExportOptions(include_unlabeled=True))
    assert sorted(p.name for p in out.rglob("metadata.*")) == ["metadata.parquet"] * 3
    found, _ = load(out, tmp_path)
    assert found == expected(project, unlabeled=True)


def test_class_names_datasets_would_take_for_splits_cannot_invent_a_split(project, tmp_path):
    frame = project.images()
    project.set_splits({p: "train" for p in frame.path[frame.split == "test"]})  # no test split
    project.rename_class("dog", "test_tube")
    project.rename_class("cat", "dev")
    out = tmp_path / "out"
    export(project, out, "hf")
    assert (out / "train/metadata.jsonl").is_file()
    assert not (out / "train/test_tube").exists()  # its images sit in the split folder
    found, features = load(out, tmp_path)
    assert set(features) == {"train", "validation"}
    assert found == expected(project)


def test_a_single_class_brings_metadata_so_the_label_is_not_dropped(project, tmp_path):
    project.merge_classes("dog", "cat")
    out = tmp_path / "out"
    export(project, out, "hf")
    assert (out / "train/metadata.jsonl").is_file()  # folders alone: datasets drops the label
    found, features = load(out, tmp_path)
    assert found == expected(project) and {v[1] for v in found.values()} == {"cat"}
    assert {f.dtype for f in features.values()} == {"string"}


def test_reads_as_split():
    for name in ("test", "TEST", "test_tube", "my-val", "dev 2", "eval"):
        assert reads_as_split(name), name
    for name in ("cat", "contest", "devil", "testy", "values"):
        assert not reads_as_split(name), name


@pytest.mark.parametrize("unlabeled", [False, True])
def test_round_trip_into_a_new_project_keeps_labels_and_splits(project, tmp_path, unlabeled):
    project.set_label("_unlabeled/u0.png", "dog")  # labeled without a split: train
    out = tmp_path / "out"
    export(project, out, "hf", ExportOptions(include_unlabeled=unlabeled))
    again, _ = create_and_index(tmp_path / "again", out, workers=1)
    with again:
        if unlabeled:
            assert detect_format(out) == "hf"
            name, rows = read_labels(out)
            assert name == "hf" and rows.problems == []
            apply_label_rows(again, rows)
        assert {h: v[1] for h, v in expected(again, unlabeled=True).items()} == {
            h: v[1] for h, v in expected(project, unlabeled=unlabeled).items()
        }
        # same splits; an unlabeled image without one is in train, as datasets reads it
        assert expected(again, unlabeled=True) == expected(project, unlabeled=unlabeled)


def test_a_name_with_a_unicode_line_separator_reads_back(tmp_path):
    """metadata.jsonl keeps U+2028 in a file name as it is (JSON allows it): reading it
    back must not take it for the end of a line."""
    root = tmp_path / "im"
    for seed, rel in enumerate(["cat/x\u2028y.png", "dog/b.png", "_unlabeled/u.png"], 1):
        write_image(root / rel, fmt="PNG", seed=seed)
    made, _ = create_and_index(tmp_path / "p", root, workers=1)
    with made:
        out = tmp_path / "out"
        export(made, out, "hf", ExportOptions(include_unlabeled=True))
        _, rows = read_labels(out)
        assert rows.problems == []
        assert sorted(r.label for r in rows if r.label) == ["cat", "dog"]


# -- importing -----------------------------------------------------------------------
def dataset(root, files: dict[str, str]):
    """Images for every file name mentioned, and the metadata files given."""
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def test_metadata_per_split_reads_paths_under_the_dataset_and_its_splits(tmp_path):
    root = dataset(
        tmp_path / "ds",
        {
            "train/metadata.jsonl": '{"file_name": "a.png", "label": "cat"}\n'
            '{"file_name": "./sub/b.png", "label": null}\n',
            "validation/metadata.jsonl": (
                '{"file_name": "c.png", "label": "dog", "split": "test"}\n'
            ),
            "metadata.jsonl": '{"file_name": "d.png", "label": "dog"}\n',
        },
    )
    assert detect_format(root) == "hf" and detect_format(root / "train/metadata.jsonl") == "hf"
    _, rows = read_labels(root)
    assert sorted((r.path, r.label, r.split) for r in rows) == [
        ("d.png", "dog", None),
        ("train/a.png", "cat", "train"),
        ("train/sub/b.png", None, "train"),
        ("validation/c.png", "dog", "test"),  # a split column wins over the folder
    ]
    _, one = read_labels(root / "train/metadata.jsonl")  # its dataset is the folder above
    assert [r.path for r in one] == ["train/a.png", "train/sub/b.png"]


def test_metadata_csv_with_a_named_label_column(tmp_path):
    root = dataset(tmp_path / "ds", {"test/metadata.csv": "file_name,breed,n\nx.jpg,cat,1\n"})
    with pytest.raises(LabelFileError, match="no label column"):
        read_labels(root)
    _, rows = read_labels(root, options=ImportOptions(label_column="breed"))
    assert [(r.path, r.label, r.split, r.line) for r in rows] == [("test/x.jpg", "cat", "test", 2)]


def test_a_jsonl_without_a_label_key_names_its_keys(tmp_path):
    root = dataset(tmp_path / "ds", {"metadata.jsonl": '{"file_name": "a.png", "text": "hi"}\n'})
    with pytest.raises(LabelFileError, match=r'no label key.*"file_name", "text"'):
        read_labels(root)


def test_hostile_metadata_rows_are_refused_with_their_lines(tmp_path):
    long = "x" * 5000
    lines = [
        {"file_name": "ok.png", "label": "cat"},
        {"file_name": "../../etc/passwd", "label": "cat"},
        {"file_name": "/etc/passwd", "label": "cat"},
        {"file_name": "file:///etc/passwd", "label": "cat"},
        {"file_name": "b.png", "label": long},
        {"file_name": "c.png", "label": "cat", "split": "nowhere"},
        {"label": "cat"},
    ]
    root = dataset(
        tmp_path / "ds",
        {
            "train/metadata.jsonl": "".join(json.dumps(x) + "\n" for x in lines),
            "metadata.jsonl": '{"file_name": "x/../../y.png", "label": "dog"}\n',
        },
    )
    _, rows = read_labels(root)
    # several metadata files: rows numbered on (metadata.jsonl's one row first), and each
    # problem names its file and its line there
    assert [(r.path, r.line) for r in rows] == [("train/ok.png", 2)]
    (root_problem,) = [text for line, text in rows.problems if not text.startswith("train/")]
    assert root_problem.startswith("metadata.jsonl line 1: ") and "leads out" in root_problem
    _, rows = read_labels(root / "train/metadata.jsonl")
    problems = dict(rows.problems)
    assert sorted(problems) == [2, 3, 4, 5, 6, 7]
    assert "leads out of the folder" in problems[2]
    assert "relative to its folder" in problems[3] and "relative to its folder" in problems[4]
    assert "5,000 characters" in problems[5] and "unknown split" in problems[6]
    assert '"file_name"' in problems[7]


def test_two_metadata_files_in_one_folder_are_refused(tmp_path):
    root = dataset(
        tmp_path / "ds",
        {"metadata.jsonl": '{"file_name": "a.png", "label": "cat"}\n', "metadata.csv": "x"},
    )
    with pytest.raises(LabelFileError, match=r"metadata.jsonl and metadata.csv"):
        read_labels(root, "hf")


def test_a_folder_without_metadata_is_not_hf(tmp_path):
    write_image(tmp_path / "ds/train/cat/a.jpg", seed=1)
    with pytest.raises(LabelFileError, match=r"no metadata\.jsonl"):
        read_labels(tmp_path / "ds", "hf")


def test_an_hf_export_of_labeled_folders_read_as_hf_says_how_to_read_it(project, tmp_path):
    """LabelDesk's own hf export of labeled images has no metadata file (the folders are
    the labels); `import --format hf` on it names the format that reads it."""
    out = tmp_path / "out"
    export(project, out, "hf")
    with pytest.raises(LabelFileError, match=r"--format imagefolder") as refused:
        read_labels(out, "hf")
    assert "class folders" in str(refused.value)
    _, read = read_labels(out, "imagefolder")
    assert len(read.rows) == 16 and not read.problems


@pytest.mark.skipif(os.sep != "/", reason="a backslash is a separator on Windows")
def test_a_backslash_is_a_file_names_character_where_such_a_file_is_there(project, tmp_path):
    """A file named ``x\\y.png`` (legal on Linux and macOS) made the whole import of an
    export fail: every backslash was taken for a folder separator. It still is one for a
    name that names no file so (a dataset written on Windows)."""
    image = project.root / "train/cat/x\\y.png"
    write_image(image, fmt="PNG", seed=7)
    project.scan()
    out = tmp_path / "out"
    export(project, out, "hf", ExportOptions(include_unlabeled=True))  # metadata files
    assert (out / "train/metadata.jsonl").is_file()
    _, rows = read_labels(out)
    assert "train/cat/x\\y.png" in {r.path for r in rows}
    other, _ = create_and_index(tmp_path / "other", project.root, workers=1)
    with other:
        other.set_label("train/cat/x\\y.png", "dog")
        assert apply_label_rows(other, rows) >= 1  # refused whole before
        assert other.images().set_index("path").label["train/cat/x\\y.png"] == "cat"

    line = '{"file_name": "sub\\\\a.png", "label": "cat"}\n'
    windows = dataset(tmp_path / "win", {"train/metadata.jsonl": line})
    _, rows = read_labels(windows)
    assert [r.path for r in rows] == ["train/sub/a.png"]
