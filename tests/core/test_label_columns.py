"""Column mapping, ids matched by file stem, and hostile cells in label files."""

from __future__ import annotations

import pytest
from helpers import write_image

from labeldesk.core.create import create_and_index
from labeldesk.core.errors import LabelFileError
from labeldesk.core.label_file_formats import MAX_CELL_CHARS, Columns, leaves_folder
from labeldesk.core.label_files import apply_label_rows, read_label_file
from labeldesk.core.label_stems import stem_candidates


def rows_of(f, **columns):
    return [(r.path, r.label, r.split, r.line) for r in read_label_file(f, Columns(**columns))]


def test_named_columns_are_read_and_the_usual_names_fill_the_rest(tmp_path):
    f = tmp_path / "train.csv"
    f.write_text("id,category,Subset,label\nabc,cat,val,ignored\ndef,dog,,ignored\n")
    assert rows_of(f, path="id", label="category") == [
        ("abc", "cat", "val", 2),  # the split found by its usual name, case aside
        ("def", "dog", None, 3),
    ]
    assert rows_of(f, path=" ID ", label="Category", split="subset")[0][:3] == ("abc", "cat", "val")
    # only the path named: the label column found by its usual name
    assert rows_of(f, path="id")[0][:2] == ("abc", "ignored")


def test_a_named_column_that_is_missing_lists_the_columns_found(tmp_path):
    f = tmp_path / "train.csv"
    f.write_text("id,category\nabc,cat\n")
    with pytest.raises(LabelFileError) as err:
        read_label_file(f, Columns(path="image_id", label="breed"))
    (problem,) = err.value.problems
    assert "'image_id' or 'breed'" in problem and "'id', 'category'" in problem


def test_an_unmapped_kaggle_file_says_which_option_names_the_column(tmp_path):
    f = tmp_path / "train.csv"
    f.write_text("id,category\nabc,cat\n")
    with pytest.raises(LabelFileError) as err:
        read_label_file(f)
    assert "'id', 'category'" in err.value.problems[0]
    with pytest.raises(LabelFileError, match="--path-column"):
        read_label_file(f, Columns(label="category"))


def test_json_objects_use_the_named_keys(tmp_path):
    f = tmp_path / "labels.jsonl"
    f.write_text('{"id": "a", "breed": "cat"}\n{"breed": "dog"}\n')
    found = read_label_file(f, Columns(path="id", label="breed"))
    assert [(r.path, r.label) for r in found] == [("a", "cat")]
    assert found.problems[0][0] == 2 and '"id"' in found.problems[0][1]


def test_hostile_cells_are_refused_row_by_row(tmp_path):
    f = tmp_path / "labels.csv"
    long_label = "x" * (MAX_CELL_CHARS + 1)
    f.write_text(
        f"path,label\n../../etc/passwd,cat\na/../../b.png,cat\nok.png,{long_label}\n"
        f"{'p' * 5000}.png,cat\ngood/../fine.png,dog\n"
    )
    found = read_label_file(f)
    assert [(r.path, r.line) for r in found] == [("good/../fine.png", 6)]
    problems = dict(found.problems)
    assert "leads out of the folder" in problems[2] and "leads out" in problems[3]
    assert f"{MAX_CELL_CHARS + 1:,} characters" in problems[4] and "label" in problems[4]
    assert "the path is 5,004 characters" in problems[5]
    assert len(found.problems) == 4


def test_leaves_folder():
    assert leaves_folder("..") and leaves_folder("../x") and leaves_folder("a\\..\\..\\x")
    assert not leaves_folder("a/../b") and not leaves_folder("..x/y") and not leaves_folder("/abs")


def test_stem_candidates_prefer_the_path_and_find_bare_stems_anywhere():
    paths = ["train/abc.jpg", "test/abc.png", "train/def.jpg", "x/y.z.png", "noext"]
    found = stem_candidates(["abc", "train/abc", "def", "y.z", "noext", "zzz"], paths)
    assert found == {
        "abc": ["test/abc.png", "train/abc.jpg"],  # two: ambiguous
        "train/abc": ["train/abc.jpg"],
        "def": ["train/def.jpg"],
        "y.z": ["x/y.z.png"],
    }


@pytest.fixture
def kaggle(tmp_path):
    """Images named by id (no class folders), as Kaggle ships them."""
    root = tmp_path / "images"
    for n, name in enumerate(["train/0a1b.jpg", "train/0a1c.jpg", "train/dup.jpg", "test/dup.png"]):
        write_image(root / name, seed=n, fmt="PNG" if name.endswith("png") else "JPEG")
    project, _ = create_and_index(tmp_path / "proj", root, workers=1)
    yield project
    project.close()


def test_an_id_without_extension_labels_the_one_image_with_that_stem(kaggle, tmp_path):
    f = tmp_path / "train.csv"
    f.write_text("id,category\n0a1b,cat\ntrain/0a1c,dog\ntrain/dup,dog\n")
    applied = apply_label_rows(
        kaggle, read_label_file(f, Columns(path="id", label="category")), create_classes=True
    )
    labels = dict(zip(kaggle.images().path, kaggle.images().label, strict=True))
    assert applied == 3
    assert labels["train/0a1b.jpg"] == "cat" and labels["train/0a1c.jpg"] == "dog"
    assert labels["train/dup.jpg"] == "dog"  # the folder makes it unambiguous
    assert labels["test/dup.png"] != labels["test/dup.png"]  # NaN: untouched


def test_an_id_that_fits_two_images_is_listed_not_guessed(kaggle, tmp_path):
    f = tmp_path / "train.csv"
    f.write_text("id,category\n0a1b,cat\ndup,dog\nnothing,dog\n")
    with pytest.raises(LabelFileError) as err:
        apply_label_rows(
            kaggle, read_label_file(f, Columns(path="id", label="category")), create_classes=True
        )
    problems = err.value.problems
    assert len(problems) == 2
    assert any(
        p.startswith("line 3:") and "fits 2 images" in p and "'test/dup.png'" in p for p in problems
    )
    assert any(p.startswith("line 4:") and "not an image in the project" in p for p in problems)
    assert kaggle.images().label.isna().all()
