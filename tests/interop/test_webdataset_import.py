"""Labels from WebDataset shards: LabelDesk's own export reads back into its project (each
sample found by the bytes it holds), shards of other tools label the images whose bytes
they hold or, re-encoded, whose file stem is the key; bad samples are listed by number."""

from __future__ import annotations

import json

import pytest
from helpers import shard, write_image

from interop.label_states import labels_of
from labeldesk.cli import main
from labeldesk.core.errors import LabelDeskError, LabelFileError
from labeldesk.core.label_files import apply_label_rows
from labeldesk.core.project import open_project
from labeldesk.interop.formats import detect_format, read_labels, source_state

FILES = ["cat/a.png", "dog/a.png", "dog/b.png", "2024/c.png", "_unlabeled/d.png"]


def made(tmp_path):
    root = tmp_path / "im"
    for seed, rel in enumerate(FILES, start=1):
        write_image(root / rel, fmt="PNG", seed=seed)
    path = tmp_path / "p"
    assert main(["new", str(path), "--images", str(root)]) == 0
    return path


def test_an_export_reads_back_with_labels_splits_and_unlabeled_images(tmp_path):
    path = made(tmp_path)
    with open_project(path) as p:
        p.set_labels({"dog/a.png": "cat", "2024/c.png": "dog"})
        p.set_splits({"cat/a.png": "val", "dog/b.png": "test", "_unlabeled/d.png": "train"})
        before = labels_of(p, FILES)
    out = tmp_path / "out"
    args = ["export", str(path), str(out), "--format", "webdataset", "--include-unlabeled"]
    assert main(args) == 0
    with open_project(path) as p:  # later mistakes, that the shards undo
        p.set_labels({"cat/a.png": "dog", "dog/a.png": "dog", "_unlabeled/d.png": "cat"})
        p.set_splits({"cat/a.png": "test", "dog/b.png": "train"})
    assert detect_format(out) == "webdataset"
    assert main(["import", str(path), str(out)]) == 0
    with open_project(path) as p:
        assert labels_of(p, FILES) == before


def test_one_shard_reads_alone(tmp_path):
    path = made(tmp_path)
    out = tmp_path / "out"
    assert main(["export", str(path), str(out), "--format", "webdataset"]) == 0
    with open_project(path) as p:
        p.set_labels({"cat/a.png": "dog"})
    assert detect_format(out / "train-000000.tar") == "webdataset"
    assert main(["import", str(path), str(out / "train-000000.tar")]) == 0
    with open_project(path) as p:
        assert labels_of(p, ["cat/a.png"])["cat/a.png"][0] == "cat"


def test_shards_of_another_tool_label_by_content_then_by_key(tmp_path, capsys):
    path = made(tmp_path)
    im = tmp_path / "im"
    folder = tmp_path / "shards"
    folder.mkdir()
    (folder / "classes.txt").write_text("cat\ndog\n")
    write_image(tmp_path / "re-encoded.jpg", fmt="JPEG", seed=99)
    shard(
        folder / "val-000000.tar",
        {
            "x/0001": {"png": (im / "dog/b.png").read_bytes(), "cls": b"0"},  # by content
            "x/c": {"jpg": (tmp_path / "re-encoded.jpg").read_bytes(), "cls": b"0"},  # key
            "x/0003": {"png": (im / "cat/a.png").read_bytes()},  # no label: left out
            "x/0004": {"txt": b"a caption"},  # no image: left out
        },
    )
    with open_project(path) as p:
        untouched = labels_of(p, ["cat/a.png"])["cat/a.png"]
    assert main(["import", str(path), str(folder)]) == 0
    assert "1 image was found by file name alone" in capsys.readouterr().out
    with open_project(path) as p:
        assert labels_of(p, ["dog/b.png", "2024/c.png", "cat/a.png"]) == {
            "dog/b.png": ("cat", "val"),
            "2024/c.png": ("cat", "val"),
            "cat/a.png": untouched,
        }


def test_bad_samples_are_listed_by_number_with_shard_and_key(tmp_path):
    path = made(tmp_path)
    im = tmp_path / "im"
    folder = tmp_path / "shards"
    folder.mkdir()
    png = (im / "cat/a.png").read_bytes()
    shard(
        folder / "part.tar",
        {
            "k1": {"png": png, "cls": b"7"},  # no classes.txt
            "k2": {"png": png, "cls": b"abc"},
            "k3": {"png": png, "json": b"{not json"},
            "k4": {"png": (im / "dog/b.png").read_bytes(), "json": b'{"label": "cat"}'},
        },
    )
    _, rows = read_labels(folder)
    assert [r.label for r in rows] == ["cat"]
    problems = dict(rows.problems)
    assert (
        problems[1] == "part.tar:k1: class index 7, but no classes.txt beside the shards names it"
    )
    assert problems[2] == "part.tar:k2: the class index 'abc' is not a whole number"
    assert "part.tar:k3: k3.json: line 1: not valid JSON" in problems[3]
    with open_project(path) as p:
        with pytest.raises(LabelFileError, match="sample 1"):
            apply_label_rows(p, rows)
        skipped: list[str] = []
        assert apply_label_rows(p, rows, skipped=skipped) == 1
        assert len(skipped) == 3
        assert labels_of(p, ["dog/b.png"])["dog/b.png"][0] == "cat"


def test_a_file_that_is_not_a_tar_is_refused_with_the_reason(tmp_path):
    bad = tmp_path / "broken.tar"
    bad.write_bytes(b"this is not a tar archive" * 40)
    with pytest.raises(LabelFileError, match="not a readable tar file"):
        read_labels(bad)


def test_an_image_member_with_a_label_class_index_out_of_range(tmp_path):
    folder = tmp_path / "shards"
    folder.mkdir()
    (folder / "classes.txt").write_text("cat\n")
    write_image(tmp_path / "x.png", fmt="PNG", seed=1)
    shard(folder / "a.tar", {"k": {"png": (tmp_path / "x.png").read_bytes(), "cls": b"3"}})
    _, rows = read_labels(folder)
    assert rows.problems == [(1, "a.tar:k: class index 3, but classes.txt has no class on line 4")]
    meta = json.dumps({"label": "dog", "split": "bogus"}).encode()
    shard(folder / "a.tar", {"k": {"png": (tmp_path / "x.png").read_bytes(), "json": meta}})
    _, rows = read_labels(folder)
    assert len(rows.problems) == 1 and "unknown split 'bogus'" in rows.problems[0][1]


def test_an_image_without_a_split_reads_back_leaving_the_split_alone(tmp_path):
    path = made(tmp_path)
    with open_project(path) as p:
        p.set_splits({q: None for q in FILES})
        p.set_labels({"2024/c.png": "dog"})
        before = labels_of(p, FILES)
    out = tmp_path / "out"
    args = ["export", str(path), str(out), "--format", "webdataset", "--include-unlabeled"]
    assert main(args) == 0
    assert (out / "unassigned-000000.tar").is_file()
    with open_project(path) as p:
        p.set_labels({"2024/c.png": "cat"})
    assert main(["import", str(path), str(out)]) == 0
    with open_project(path) as p:
        assert labels_of(p, FILES) == before


def test_a_sequence_number_key_names_no_image(tmp_path, capsys):
    root = tmp_path / "im"
    for seed, rel in enumerate(["000000.png", "000001.png"], start=1):
        write_image(root / rel, fmt="PNG", seed=seed)
    path = tmp_path / "p"
    assert main(["new", str(path), "--images", str(root)]) == 0
    folder = tmp_path / "shards"
    folder.mkdir()
    (folder / "classes.txt").write_text("cat\ndog\n")
    write_image(tmp_path / "other.png", fmt="PNG", seed=50)  # none of the project's images
    shard(folder / "test-000000.tar", {"000001": {"png": (tmp_path / "other.png").read_bytes(),
                                                 "cls": b"1"}})  # fmt: skip
    assert main(["import", str(path), str(folder), "--new-class"]) == 1
    err = capsys.readouterr().err
    assert "'test-000000.tar:000001': no image in the project has its bytes\n" in err


def test_skipping_bad_samples_leaves_out_the_images_they_hold(tmp_path):
    path = made(tmp_path)
    im = tmp_path / "im"
    folder = tmp_path / "shards"
    folder.mkdir()
    (folder / "classes.txt").write_text("cat\ndog\n")
    a_png, b_png = (im / "cat/a.png").read_bytes(), (im / "dog/b.png").read_bytes()
    shard(folder / "a.tar", {"k1": {"png": a_png, "cls": b"abc"}})  # bad: holds cat/a.png
    shard(folder / "b.tar", {"k2": {"png": a_png, "cls": b"1"}})
    bogus = json.dumps({"label": "cat", "split": "bogus"}).encode()
    shard(folder / "c.tar", {"b": {"png": a_png, "json": bogus}})  # bad: key b, a.png's bytes
    shard(folder / "d.tar", {"z": {"png": b_png, "cls": b"0"}})
    with open_project(path) as p:
        before = labels_of(p, ["cat/a.png"])
    assert main(["import", str(path), str(folder), "--skip-bad-rows"]) == 0
    with open_project(path) as p:
        assert labels_of(p, ["cat/a.png"]) == before
        assert labels_of(p, ["dog/b.png"])["dog/b.png"][0] == "cat"


def test_fields_are_whole_suffixes_as_the_webdataset_library_reads_them(tmp_path):
    write_image(tmp_path / "x.png", fmt="PNG", seed=1)
    write_image(tmp_path / "y.png", fmt="PNG", seed=2)
    folder = tmp_path / "shards"
    folder.mkdir()
    (folder / "classes.txt").write_text("cat\ndog\n")
    png = (tmp_path / "x.png").read_bytes()
    shard(
        folder / "a.tar",
        {
            "k6": {"png": png, "cls": b"0", "meta.json": b'{"label": "dog"}'},
            "k3": {"png": png, "seg.png": (tmp_path / "y.png").read_bytes(), "cls": b"1"},
            "k4": {"png": png, "json": b"[[0, 0, 5, 5]]", "cls": b"1"},  # boxes: no label
            "k5": {"png": png, "json": b'{"label": 1}'},  # an index, named by classes.txt
        },
    )
    _, rows = read_labels(folder)
    assert not rows.problems
    assert [r.label for r in rows] == ["cat", "dog", "dog", "dog"]


@pytest.mark.parametrize("cls", ["\u00b2", "9" * 5000, "-1", ""])
def test_a_class_index_that_is_no_whole_number_is_a_bad_sample(tmp_path, cls):
    write_image(tmp_path / "x.png", fmt="PNG", seed=1)
    folder = tmp_path / "shards"
    folder.mkdir()
    (folder / "classes.txt").write_text("cat\n")
    shard(folder / "a.tar", {"k": {"png": (tmp_path / "x.png").read_bytes(), "cls": cls.encode()}})
    _, rows = read_labels(folder)
    assert len(rows.problems) == 1 and "is not a whole number" in rows.problems[0][1]


def test_classes_txt_keeps_its_line_numbers_and_loses_its_byte_order_mark(tmp_path):
    write_image(tmp_path / "x.png", fmt="PNG", seed=1)
    folder = tmp_path / "shards"
    folder.mkdir()
    (folder / "classes.txt").write_bytes("\ufeffbird\n\ncat\n".encode())
    png = (tmp_path / "x.png").read_bytes()
    shard(folder / "a.tar", {"k": {"png": png, "cls": b"2"}, "j": {"png": png, "cls": b"0"}})
    _, rows = read_labels(folder)
    assert sorted(r.label for r in rows) == ["bird", "cat"]


@pytest.mark.parametrize("sep", ["\u2028", "\u2029", "\x85"])
def test_classes_txt_lines_end_only_at_line_ends(tmp_path, sep):
    """A class name may hold a Unicode line or paragraph separator: str.splitlines would cut
    it in two and shift every later class number onto the wrong class."""
    write_image(tmp_path / "x.png", fmt="PNG", seed=1)
    write_image(tmp_path / "y.png", fmt="PNG", seed=2)
    folder = tmp_path / "shards"
    folder.mkdir()
    (folder / "classes.txt").write_text(f"foo{sep}bar\r\ncat\ndog\n", encoding="utf-8")
    x, y = ((tmp_path / n).read_bytes() for n in ("x.png", "y.png"))
    shard(folder / "a.tar", {"k": {"png": x, "cls": b"1"}, "j": {"png": y, "cls": b"2"}})
    _, rows = read_labels(folder)
    assert sorted(r.label for r in rows) == ["cat", "dog"]


@pytest.mark.parametrize(
    ("name", "split"),
    [("imagenet-val-0001.tar", "val"), ("train.tar", "train"), ("part-7.tar", None)],
)
def test_the_split_comes_from_a_split_word_in_the_shard_name(tmp_path, name, split):
    write_image(tmp_path / "x.png", fmt="PNG", seed=1)
    folder = tmp_path / "shards"
    folder.mkdir()
    shard(
        folder / name, {"k": {"png": (tmp_path / "x.png").read_bytes(), "json": b'{"label": "c"}'}}
    )
    _, rows = read_labels(folder)
    assert [r.split for r in rows] == [split]


def test_a_class_folder_dataset_with_a_tar_beside_it_stays_class_folders(tmp_path):
    folder = tmp_path / "ds"
    write_image(folder / "cat" / "a.png", fmt="PNG", seed=1)
    shard(folder / "backup.tar", {"k": {"txt": b"x"}})
    assert detect_format(folder) == "imagefolder"
    (folder / "labels.csv").write_text("path,label\n")
    with pytest.raises(LabelDeskError, match="not a label file"):
        detect_format(folder)  # a labels file at the top: name it, not the folder


def test_a_shard_read_alone_notices_its_classes_txt_changing(tmp_path):
    (tmp_path / "a.tar").write_bytes(b"")
    (tmp_path / "classes.txt").write_text("cat\ndog\n")
    before = source_state(tmp_path / "a.tar")
    (tmp_path / "classes.txt").write_text("dog\ncat\nbird\n")
    assert source_state(tmp_path / "a.tar") != before


def test_reading_shards_reports_progress_and_stops_on_cancel(tmp_path):
    """Reading shards (gigabytes of images) showed no progress and took no Cancel."""
    from labeldesk.core.errors import Cancelled
    from labeldesk.core.progress import CancelToken

    png = b"\x89PNG fake"  # its bytes are hashed, not decoded
    for n in range(3):
        shard(tmp_path / f"train-{n:06d}.tar", {f"k{n}": {"png": png, "cls": b"0"}})
    (tmp_path / "classes.txt").write_text("cat\n")
    reports = []
    _, rows = read_labels(tmp_path, "webdataset", progress=reports.append)
    assert len(rows) == 3
    assert [(r.done, r.total) for r in reports] == [(0, 3), (1, 3), (2, 3)]
    assert reports[0].message == "reading shards"
    cancel = CancelToken()
    cancel.cancel()
    with pytest.raises(Cancelled):
        read_labels(tmp_path, "webdataset", cancel=cancel)
    _, rows = read_labels(tmp_path, "webdataset")  # the next read has no callback left
    assert len(rows) == 3
