from __future__ import annotations

import json
import pickle

import pytest

from labeldesk.core.create import create_and_index
from labeldesk.core.errors import LabelFileError
from labeldesk.core.label_file_formats import Columns
from labeldesk.core.label_files import apply_label_rows, normalise_path, read_label_file
from labeldesk.core.label_notes import unusable_rows_note


def rejected(project, f, **kwargs) -> list[str]:
    """The problems listed when applying ``f``; asserts that nothing was applied."""
    before = project.images().set_index("path")[["label", "split"]]
    last = project.history(limit=1)[0].id
    with pytest.raises(LabelFileError) as err:
        apply_label_rows(project, read_label_file(f), **kwargs)
    after = project.images().set_index("path")[["label", "split"]]
    assert before.equals(after) and project.history(limit=1)[0].id == last
    return err.value.problems


def test_csv_with_header_and_split(tmp_path):
    f = tmp_path / "labels.csv"
    f.write_text("filename,class,split\n_unlabeled/u0.png,cat,val\n.\\_unlabeled\\u1.png,dog,\n")
    rows = read_label_file(f)
    assert [(r.path, r.label, r.split, r.line) for r in rows] == [
        ("_unlabeled/u0.png", "cat", "val", 2),
        (".\\_unlabeled\\u1.png", "dog", None, 3),
    ]
    assert rows.problems == []


def test_csv_without_header(tmp_path):
    f = tmp_path / "labels.csv"
    f.write_text("a.jpg,cat\nb.jpg,\nc.jpg,dog,test\n")
    rows = read_label_file(f)
    assert [(r.path, r.label, r.split) for r in rows] == [
        ("a.jpg", "cat", None),
        ("b.jpg", None, None),
        ("c.jpg", "dog", "test"),
    ]


@pytest.mark.parametrize("sep", [";", "\t"])
def test_semicolons_or_tabs_separate_cells_when_the_first_line_has_no_comma(tmp_path, sep):
    f = tmp_path / "labels.csv"
    f.write_text(f'path{sep}label\n"a,b.png"{sep}cat\nc.png{sep}\n')
    assert [(r.path, r.label) for r in read_label_file(f)] == [("a,b.png", "cat"), ("c.png", None)]


def test_json_dict_list_and_lines(tmp_path):
    f = tmp_path / "l.json"
    f.write_text(json.dumps({"a.jpg": "cat", "b.jpg": None}))
    assert [(r.path, r.label) for r in read_label_file(f)] == [("a.jpg", "cat"), ("b.jpg", None)]
    f.write_text(json.dumps([{"path": "a.jpg", "label": "cat", "split": "test"}]))
    assert read_label_file(f).rows[0].split == "test"
    f = tmp_path / "l.jsonl"
    f.write_text('{"path": "a.jpg", "label": "cat"}\n\n{"path": "b.jpg", "label": 3}\n')
    rows = read_label_file(f)
    assert [r.path for r in rows] == ["a.jpg"]
    assert rows.describe(rows.problems) == [
        "line 3: the label 3 must be text (or empty for unlabeled)"
    ]
    f = tmp_path / "l.json"
    f.write_text("[42]")
    assert read_label_file(f).problems == [(1, 'expected an object with "path" and "label"')]
    f.write_text('{"a.jpg": {"label": "cat"}}')
    assert read_label_file(f).problems == [
        (1, 'the label {"label": "cat"} must be text (or empty for unlabeled)')
    ]
    f.write_text("42")
    with pytest.raises(LabelFileError, match="expected a JSON object"):
        read_label_file(f)


def test_a_json_value_in_a_problem_is_shown_as_json(tmp_path):
    # as the file has it (true, {"a": 1}), not as Python writes it (True, {'a': 1})
    f = tmp_path / "l.jsonl"
    f.write_text(
        '{"path": "a.jpg", "label": true}\n'
        '{"path": "b.jpg", "label": {"a": 1, "b": [null, false]}}\n'
        '{"path": "c.jpg", "label": "cat", "split": false}\n'
    )
    assert read_label_file(f).problems == [
        (1, "the label true must be text (or empty for unlabeled)"),
        (2, 'the label {"a": 1, "b": [null, false]} must be text (or empty for unlabeled)'),
        (3, "the split false must be text"),
    ]


def test_every_bad_row_is_kept_with_its_line(tmp_path):
    f = tmp_path / "labels.csv"
    f.write_text(
        "path,label,split\nok.jpg,cat,train\nshort.jpg\n,dog,train\nx.jpg,cat,holdout\n"
        "y.jpg,a/b,val\n"
    )
    rows = read_label_file(f)
    assert [r.path for r in rows] == ["ok.jpg"]
    problems = rows.describe(rows.problems)
    assert [p.split(":")[0] for p in problems] == ["line 3", "line 4", "line 5", "line 6"]
    assert "found 1 column" in problems[0] and "path is empty" in problems[1]
    assert "holdout" in problems[2] and "slash" in problems[3]
    with pytest.raises(LabelFileError) as err:
        rows.check()
    assert err.value.problems == problems


def test_every_problem_is_listed_by_line_in_one_run(project, tmp_path):
    f = tmp_path / "labels.csv"
    f.write_text(
        "path,label\n"
        "_unlabeled/u0.png,cat\n"  # 2: fine
        "missing/one.jpg,dog\n"  # 3: unknown path
        "_unlabeled/u1.png,fox\n"  # 4: unknown class
        "_unlabeled/u2.png\n"  # 5: bad row
        "./_unlabeled/u0.png,dog\n"  # 6: conflicts with line 2
        "_unlabeled/u2.png,bad\x00name\n"  # 7: invalid class name
    )
    problems = rejected(project, f)
    assert [p.split(":")[0] for p in problems] == [f"line {n}" for n in (3, 4, 5, 6, 7)]
    assert "'missing/one.jpg' is not an image" in problems[0]
    assert "unknown class 'fox'" in problems[1]
    assert "expected at least 2 columns" in problems[2]
    assert "'_unlabeled/u0.png' is labeled 'dog' here but 'cat' on line 2" in problems[3]
    assert "control characters" in problems[4]


def test_unknown_classes_apply_nothing_unless_allowed(project, tmp_path):
    f = tmp_path / "labels.csv"
    f.write_text("path,label\n_unlabeled/u0.png,cat\n_unlabeled/u1.png,fox\n")
    # core names the class; how to add it is the command's or the form's to say
    assert rejected(project, f) == ["line 3: unknown class 'fox'"]
    with pytest.raises(LabelFileError) as err:
        apply_label_rows(project, read_label_file(f))
    assert err.value.unknown_classes == ["fox"]
    assert str(err.value).endswith("known classes: 'cat', 'dog'")
    advised = err.value.advised("add it first")
    assert str(advised).endswith("known classes: 'cat', 'dog'\nadd it first")
    assert advised.problems == err.value.problems and advised.unknown_classes == ["fox"]
    assert apply_label_rows(project, read_label_file(f), create_classes=True) == 2
    assert "fox" in project.classes()


@pytest.mark.parametrize(
    "spelling",
    [
        "./_unlabeled/u0.png",
        "_unlabeled//u0.png",
        ".\\_unlabeled\\u0.png",
        "ABS",
        " _unlabeled/u0.png",
    ],
)
def test_one_image_spelt_two_ways_with_two_labels_is_a_conflict(
    project, imagefolder, tmp_path, spelling
):
    root, _ = imagefolder
    spelling = str(root / "_unlabeled/u0.png") if spelling == "ABS" else spelling
    f = tmp_path / "labels.csv"
    f.write_text(f'path,label\n_unlabeled/u0.png,cat\n"{spelling}",dog\n')
    assert rejected(project, f) == [
        "line 3: '_unlabeled/u0.png' is labeled 'dog' here but 'cat' on line 2"
    ]
    f.write_text(f'path,label,split\n_unlabeled/u0.png,cat,\n"{spelling}",cat,test\n')
    assert apply_label_rows(project, read_label_file(f)) == 1  # same label twice is fine
    frame = project.images().set_index("path")
    assert (frame.label["_unlabeled/u0.png"], frame.split["_unlabeled/u0.png"]) == ("cat", "test")


def test_two_splits_for_one_image_is_a_conflict(project, tmp_path):
    f = tmp_path / "labels.csv"
    f.write_text("path,label,split\n_unlabeled/u0.png,cat,val\n_unlabeled/u0.png,cat,test\n")
    assert rejected(project, f) == [
        "line 3: '_unlabeled/u0.png' is in split 'test' here but 'val' on line 2"
    ]


def test_json_conflicts_and_repeated_keys_are_listed_by_entry(project, tmp_path):
    f = tmp_path / "l.json"
    f.write_text('{"_unlabeled/u0.png": "cat", "./_unlabeled/u0.png": "dog", "x.png": "cat"}')
    assert rejected(project, f) == [
        'entry 2: "_unlabeled/u0.png" is labeled "dog" here but "cat" on entry 1',
        'entry 3: "x.png" is not an image in the project',
    ]
    f.write_text(
        '{"_unlabeled/u0.png": "cat", "_unlabeled/u0.png": "dog"}'
    )  # json.loads: last wins
    assert "entry 2" in rejected(project, f)[0]


def test_absolute_paths_inside_the_root_are_accepted_and_outside_ones_explained(
    project, imagefolder, tmp_path
):
    root, _ = imagefolder
    f = tmp_path / "labels.csv"
    f.write_text(f"path,label\n{root / '_unlabeled/u0.png'},dog\n")
    apply_label_rows(project, read_label_file(f))
    assert project.images().set_index("path").label["_unlabeled/u0.png"] == "dog"
    f.write_text(f"path,label\n{tmp_path / 'elsewhere.png'},dog\n")
    assert "is outside the image folder" in rejected(project, f)[0]


def test_normalise_path_unifies_spellings(project, imagefolder):
    root, _ = imagefolder
    for spelling in (
        "./train/cat/cat0.jpg",
        "train\\cat\\cat0.jpg",
        str(root / "train/cat/cat0.jpg"),
    ):
        assert normalise_path(project, spelling) == "train/cat/cat0.jpg"


def test_quoted_fields_may_span_lines_and_line_numbers_stay_right(project, tmp_path):
    f = tmp_path / "labels.csv"
    f.write_bytes(
        b'path,label\r\n"_unlabeled/u0.png","two\r\nlines"\r\n_unlabeled/u1.png,fox\r\n'
        b'"_unlabeled/u2.png",cat\r\n'
    )
    rows = read_label_file(f)
    assert [(r.path, r.line) for r in rows] == [("_unlabeled/u1.png", 4), ("_unlabeled/u2.png", 5)]
    [problem] = rows.describe(rows.problems)
    assert problem.startswith("line 2: invalid class name 'two\\r\\nlines'")
    assert "spans lines 2-3" in problem
    assert [p.split(":")[0] for p in rejected(project, f)] == ["line 2", "line 4"]


def test_labels_are_stripped_and_neutralised_cells_restored(tmp_path):
    f = tmp_path / "labels.csv"
    f.write_text(
        "path,label,split\n"
        "a.png,  cat ,\n"
        "'=b.png,cat,'\ttest\n"
        "'-c.png,'-1,\n"  # a number may start with a minus
        "f.png,'plain,\n"  # a quote not followed by a formula character is kept
    )
    rows = read_label_file(f)
    assert rows.problems == []
    assert [(r.path, r.label, r.split) for r in rows] == [
        ("a.png", "cat", None),
        ("=b.png", "cat", "test"),
        ("-c.png", "-1", None),
        ("f.png", "'plain", None),
    ]


def test_formula_text_as_a_class_is_refused_row_by_row(tmp_path):
    f = tmp_path / "labels.csv"
    f.write_text(
        "path,label\n"
        "a.png,=cmd|' -C calc'!A0\n"
        "b.png,'+SUM(1;2)\n"  # neutralised by a spreadsheet-safe writer: still a formula
        "c.png,-x\n"
        "d.png,@home\n"
        "e.png,cat\n"
    )
    rows = read_label_file(f)
    assert [line for line, _ in rows.problems] == [2, 3, 4, 5]
    assert all("formula" in problem for _, problem in rows.problems)
    assert [r.label for r in rows] == ["cat"]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "the file is empty"),
        (b"  \n\n", "the file is empty"),
        (b"path,label\na.png," + b'"' + b"x" * 10_000_000 + b'"\n', "longer than 131,072"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b"path,label\ncaf\xe9.png,cat\n", "line 2: byte 0xE9 is not UTF-8"),
        ("path,label\n".encode("utf-16"), "UTF-16"),
        (pickle.dumps(list(range(1000))), "binary"),
        (bytes(range(256)) * 40, "binary"),
        (b"\x00" * 4096, "binary"),
        (b'{"a.png": "cat",', "not valid JSON"),
        (b"file,comment\na.png,hi\n", "needs a path column and a label column"),
    ],
)
def test_unreadable_files_are_one_clear_error(project, tmp_path, content, reason):
    f = tmp_path / "labels.csv"
    f.write_bytes(content)
    with pytest.raises(LabelFileError) as err:
        read_label_file(f)
    assert reason in str(err.value)
    assert len(err.value.problems) == 1


def test_a_folder_or_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(LabelFileError, match="file not found"):
        read_label_file(tmp_path / "nope.csv")
    with pytest.raises(LabelFileError, match="not a file"):
        read_label_file(tmp_path)


def test_a_nul_inside_a_label_is_a_problem_of_its_line(tmp_path):
    f = tmp_path / "labels.csv"
    f.write_bytes(b"path,label\na.png,cat\nb.png,c\x00t\n")
    rows = read_label_file(f)
    assert [r.path for r in rows] == ["a.png"]
    assert rows.describe(rows.problems)[0].startswith("line 3: invalid class name")


def test_new_with_labels_file_overrides_folders_and_sets_splits(tmp_path, imagefolder):
    root, _ = imagefolder
    f = tmp_path / "labels.csv"
    f.write_text("path,label,split\n_unlabeled/u0.png,bird,test\ntrain/cat/cat0.jpg,dog,\n")
    project, _ = create_and_index(tmp_path / "p", root, labels_file=f, workers=1)
    with project:
        frame = project.images().set_index("path")
        assert (frame.label["_unlabeled/u0.png"], frame.split["_unlabeled/u0.png"]) == (
            "bird",
            "test",
        )
        assert frame.label["train/cat/cat0.jpg"] == "dog"
        assert project.history("train/cat/cat0.jpg")[0].source == "import"


def test_failed_new_lists_every_problem_and_leaves_no_project_behind(tmp_path, imagefolder):
    root, _ = imagefolder
    f = tmp_path / "labels.csv"
    f.write_text("path,label\nnot/there.jpg,cat\n_unlabeled/u0.png,a/b\n")
    with pytest.raises(LabelFileError) as err:
        create_and_index(tmp_path / "p", root, labels_file=f, workers=1)
    assert [p.split(":")[0] for p in err.value.problems] == ["line 2", "line 3"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["images", "labels.csv"]


def test_blank_lines_before_a_csv_header_do_not_make_it_a_data_row(tmp_path):
    f = tmp_path / "labels.csv"
    f.write_bytes(b"\xef\xbb\xbf\r\n\r\npath,label,split\r\n_unlabeled/u0.png,cat,val\r\n")
    rows = read_label_file(f)
    assert rows.problems == []
    assert [(r.path, r.label, r.split, r.line) for r in rows] == [
        ("_unlabeled/u0.png", "cat", "val", 4)
    ]
    f.write_text("\nfile,label,nope\nx.png,cat,1\n")
    with pytest.raises(LabelFileError, match="line 2: "):  # the header's own line
        read_label_file(f, columns=Columns(path="path"))


def test_applying_what_the_project_holds_counts_no_change(project, tmp_path):
    f = tmp_path / "labels.csv"
    f.write_text("path,label\n_unlabeled/u0.png,cat\ntrain/cat/cat0.jpg,cat\n_unlabeled/u1.png,\n")
    assert apply_label_rows(project, read_label_file(f)) == 1  # only u0 changes
    last = project.history(limit=1)[0].id
    assert apply_label_rows(project, read_label_file(f)) == 0
    assert project.history(limit=1)[0].id == last  # and no batch recorded


@pytest.mark.parametrize("suffix", [".json", ".jsonl"])
def test_an_object_without_a_label_key_is_refused_not_unlabeled(project, tmp_path, suffix):
    """A misspelt key ("lable") must not clear the label: only an explicit null does."""
    labeled = project.images().dropna(subset=["label"]).path.tolist()[:2]
    objects = [{"path": labeled[0], "lable": "dog"}, {"path": labeled[1], "label": None}]
    f = tmp_path / f"l{suffix}"
    lines = [json.dumps(o) for o in objects]
    f.write_text("\n".join(lines) if suffix == ".jsonl" else f"[{', '.join(lines)}]")
    problems = rejected(project, f)
    where = "line 1" if suffix == ".jsonl" else "entry 1"
    assert len(problems) == 1 and problems[0].startswith(f'{where}: no label key ("label"')
    assert '"lable"' in problems[0]  # the keys it has, to see the typo
    objects[0]["label"] = "dog"
    lines = [json.dumps(o) for o in objects]
    f.write_text("\n".join(lines) if suffix == ".jsonl" else f"[{', '.join(lines)}]")
    apply_label_rows(project, read_label_file(f), create_classes=True)
    now = project.images().set_index("path").label
    assert now[labeled[0]] == "dog" and now.isna()[labeled[1]]  # null still unlabels


@pytest.mark.parametrize("on_disk", ["NFC", "NFD"])
def test_a_path_in_the_other_unicode_form_names_the_image(tmp_path, on_disk):
    """A CSV written on macOS spells é decomposed; the file's name may be either."""
    import unicodedata

    from helpers import write_image

    name = unicodedata.normalize(on_disk, "cat/café.jpg")
    write_image(tmp_path / "images" / name, seed=1)
    write_image(tmp_path / "images" / "dog" / "d.jpg", seed=2)
    project, _ = create_and_index(tmp_path / "proj", tmp_path / "images", workers=1)
    other = "NFD" if on_disk == "NFC" else "NFC"
    f = tmp_path / "l.csv"
    f.write_text(f"path,label\n{unicodedata.normalize(other, name)},dog\n", encoding="utf-8")
    assert apply_label_rows(project, read_label_file(f)) == 1
    assert project.images().set_index("path").label[name] == "dog"
    project.close()


def test_an_exact_file_name_beats_another_image_s_name_without_its_extension(tmp_path):
    """`x.jpg` once went to train/cat/x.jpg.png (whose stem is x.jpg), not to val/dog/x.jpg."""
    from helpers import write_image

    root = tmp_path / "images"
    write_image(root / "train/cat/x.jpg.png", fmt="PNG", seed=1)
    write_image(root / "val/dog/x.jpg", seed=2)
    project, _ = create_and_index(tmp_path / "proj", root, workers=1)
    f = tmp_path / "labels.csv"
    f.write_text("path,label\nx.jpg,dog\n")
    project.add_classes(["dog"])
    apply_label_rows(project, read_label_file(f))
    labels = project.images().set_index("path").label
    assert labels["val/dog/x.jpg"] == "dog" and labels["train/cat/x.jpg.png"] == "cat"
    project.close()


def test_skipping_bad_rows_leaves_out_every_image_a_bad_row_names(project, tmp_path):
    """A row refused for its label, split or a hostile cell once let the same image's
    good row through: the file disagrees about that image, so neither is applied."""
    f = tmp_path / "labels.csv"
    f.write_text(
        "path,label,split\n"
        "train/dog/dog0.jpg,cat,\n"
        "train/dog/dog0.jpg,=dog,\n"  # an invalid class name
        "train/dog/dog1.jpg,cat,\n"
        "./train/dog/dog1.jpg,cat,nowhere\n"  # an unknown split, the path spelt otherwise
        "train/dog/dog2.jpg,cat,\n"
        f"train/dog/dog2.jpg,{'x' * 5000},\n"  # an over-long cell
        "val/cat/cat0.jpg,dog,\n"
    )
    skipped: list[str] = []
    changed = apply_label_rows(project, read_label_file(f), skipped=skipped)
    labels = project.images().set_index("path").label
    assert [labels[f"train/dog/dog{i}.jpg"] for i in range(3)] == ["dog"] * 3
    assert labels["val/cat/cat0.jpg"] == "dog" and changed == 1
    assert len([s for s in skipped if "left out with" not in s]) == 3
    assert sum("left out with the bad row of that image" in s for s in skipped) == 3


@pytest.mark.parametrize(
    "written",
    [
        " /other/dataset/train/cat/cat0.jpg",
        " ../../other/train/cat/cat0.jpg",
        "\t/other/dataset/train/cat/cat0.jpg",
        "file:///other/dataset/train/cat/cat0.jpg",
        "file:../../other/train/cat/cat0.jpg",
        "file:C:/elsewhere/train/cat/cat0.jpg",
    ],
)
def test_outer_spaces_or_a_file_uri_do_not_smuggle_a_path_from_elsewhere(
    project, tmp_path, written
):
    """A path outside the image folder is refused, never matched by its ending."""
    f = tmp_path / "labels.csv"
    f.write_text(f"label,path\ndog,{written}\n")
    problems = rejected(project, f)  # nothing applied
    explained = ("outside the image folder", "leads out", "not an image in the project")
    assert any(why in p for p in problems for why in explained)


def test_a_file_uri_inside_the_image_folder_names_its_image(project, imagefolder, tmp_path):
    root, _ = imagefolder
    f = tmp_path / "labels.csv"
    f.write_text(f"path,label\n{(root / '_unlabeled/u0.png').as_uri()},dog\n")
    apply_label_rows(project, read_label_file(f))
    assert project.images().set_index("path").label["_unlabeled/u0.png"] == "dog"


def test_a_huge_labels_file_is_refused_before_it_is_read(tmp_path, monkeypatch):
    """`labeldesk label --csv` and `new --labels` read through here: they once read a
    file of any size whole."""
    from labeldesk.core import label_bytes

    f = tmp_path / "labels.csv"
    f.write_text("path,label\na.png,cat\n")
    monkeypatch.setattr(label_bytes, "MAX_LABEL_FILE_BYTES", 10)
    with pytest.raises(LabelFileError, match="label files over 10 are refused"):
        read_label_file(f)


def labels_after_import(tmp_path, images: list[str], csv_text: str):
    """Labels by path after importing ``csv_text`` into a project of ``images`` (each in
    its folder's class; a class ``dog`` added)."""
    from helpers import write_image

    root = tmp_path / "images"
    for seed, name in enumerate(images):
        write_image(root / name, seed=seed)
    project, _ = create_and_index(tmp_path / "proj", root, workers=1)
    project.add_classes(["dog"])
    f = tmp_path / "labels.csv"
    f.write_text(csv_text)
    apply_label_rows(project, read_label_file(f))
    labels = project.images().set_index("path").label
    project.close()
    return labels


def test_a_file_named_with_an_outer_space_or_file_colon_is_matched_as_written(tmp_path):
    labels = labels_after_import(
        tmp_path,
        ["cat/a.jpg", "cat/a.jpg ", "cat/file:0001.jpg"],  # legal names: a trailing space
        'path,label\ncat/a.jpg,cat\n"cat/a.jpg ",dog\ncat/file:0001.jpg,dog\n',
    )
    assert (labels["cat/a.jpg"], labels["cat/a.jpg "]) == ("cat", "dog")
    assert labels["cat/file:0001.jpg"] == "dog"


def test_a_bare_file_colon_name_finds_its_own_image_by_its_ending(tmp_path):
    """`file:0001.jpg` once went to val/0001.jpg, read as a URI for 0001.jpg."""
    labels = labels_after_import(
        tmp_path,
        ["train/cat/file:0001.jpg", "val/cat/0001.jpg"],
        "path,label\nfile:0001.jpg,dog\n",
    )
    assert labels["train/cat/file:0001.jpg"] == "dog" and labels["val/cat/0001.jpg"] == "cat"


def test_a_row_with_more_filled_cells_than_the_header_is_refused_by_line(project, tmp_path):
    f = tmp_path / "labels.csv"
    f.write_text(
        "path,label\n"
        "_unlabeled/u0.png,cat,test\n"  # 2: a third cell the header has no column for
        "_unlabeled/u1.png,1,0\n"  # 3: the label "1,0" unquoted
        "_unlabeled/u2.png,dog,,\n"  # 4: a spreadsheet's trailing commas: fine
    )
    rows = read_label_file(f)
    assert [(r.path, r.label) for r in rows] == [("_unlabeled/u2.png", "dog")]
    problems = rows.describe(rows.problems)
    assert [p.split(":")[0] for p in problems] == ["line 2", "line 3"]
    assert "expected 2 columns, found 3" in problems[0] and "quotes" in problems[0]
    # with bad rows skipped, the images the refused rows name are left out
    assert [p for _, p in rows.refused] == ["_unlabeled/u0.png", "_unlabeled/u1.png"]
    assert len(rejected(project, f)) == 2
    # without a header: path,label,split are read, cells after them (a score) are not
    g = tmp_path / "bare.csv"
    g.write_text("_unlabeled/u0.png,cat,val\n_unlabeled/u1.png,cat,val,0.93\n")
    bare = read_label_file(g)
    assert [(r.path, r.split) for r in bare] == [("_unlabeled/u0.png", "val")] * 1 + [
        ("_unlabeled/u1.png", "val")
    ]
    assert not bare.problems


def test_a_header_naming_a_used_column_twice_is_refused(tmp_path):
    f = tmp_path / "labels.csv"
    f.write_text("path,label,label\n_unlabeled/u0.png,cat,dog\n")
    with pytest.raises(LabelFileError) as err:
        read_label_file(f)
    assert "line 1: the header names the column 'label' more than once" in err.value.problems[0]
    ok = tmp_path / "ok.csv"  # a repeated column the import does not read is no matter
    ok.write_text("path,label,note,note\n_unlabeled/u0.png,cat,a,b\n")
    assert [r.label for r in read_label_file(ok)] == ["cat"]
    named = tmp_path / "named.csv"  # a column named exactly is the one meant
    named.write_text("id,ID,category\nx,_unlabeled/u0.png,cat\n")
    rows = read_label_file(named, Columns(path="ID", label="category"))
    assert [(r.path, r.label) for r in rows] == [("_unlabeled/u0.png", "cat")]


def test_the_rows_naming_skipped_files_are_listed_in_one_way_for_app_and_command_line():
    """`labeldesk import` and the app's import form listed these rows in two wordings
    ("not applied: 1 row names …:" and "1 row names … (not applied):"); both now use
    this one note, the command line adding where the rest is."""
    unusable = [f"line {n}: 'l{n}.png': symbolic link" for n in (2, 3, 4)]
    assert unusable_rows_note([], 2) == []
    assert unusable_rows_note(unusable, 2, " (see --json)") == [
        "3 rows name a file the scan skips (not applied):",
        "  line 2: 'l2.png': symbolic link",
        "  line 3: 'l3.png': symbolic link",
        "  … and 1 more (see --json)",
    ]
    assert unusable_rows_note(unusable[:1], 2) == [
        "1 row names a file the scan skips (not applied):",
        "  line 2: 'l2.png': symbolic link",
    ]
