"""Labels from a folder of class folders (``[<split>/]<class>/<image>``): LabelDesk's own
ImageFolder export and a Hugging Face export without metadata read back into their
project, and folders sorted by other tools matched by path or, else, by file name."""

from __future__ import annotations

import json
import os
import re
import shutil

import pytest
from helpers import made_project, write_image

from interop.label_states import labels_of
from labeldesk.cli import main
from labeldesk.core.errors import LabelDeskError, LabelFileError
from labeldesk.core.label_files import apply_label_rows
from labeldesk.core.project import open_project
from labeldesk.interop.formats import detect_format, read_labels, source_state

made = made_project


# Project paths an export cannot keep: a label unlike the image's folder, two images of
# one name that land in one class folder, a nested folder.
FILES = ["cat/a.png", "dog/a.png", "dog/b.png", "2024/05/c.png", "cat/d.png"]
LABELS = {"dog/a.png": "cat", "2024/05/c.png": "dog"}


@pytest.mark.parametrize("fmt", ["imagefolder", "hf"])
def test_an_export_reads_back_into_its_project_with_labels_and_splits(tmp_path, fmt):
    path = made(tmp_path, FILES, LABELS)
    with open_project(path) as p:
        p.set_splits({"cat/a.png": "train", "dog/a.png": "val", "2024/05/c.png": "test"})
        p.set_labels({"2024/05/c.png": "cat"}, create_classes=True)
        p.set_labels({"2024/05/c.png": "dog"})
        before = labels_of(p, FILES)
    out = tmp_path / "out"
    assert main(["export", str(path), str(out), "--format", fmt]) == 0
    if fmt == "hf":  # every image labeled, two classes: the folders alone give the labels
        assert not list(out.rglob("metadata.*"))
    with open_project(path) as p:  # later mistakes, that the export undoes
        p.set_labels({"cat/a.png": "dog", "dog/a.png": "dog", "2024/05/c.png": "cat"})
        p.set_splits({"cat/a.png": "test", "dog/a.png": "train"})
    assert detect_format(out) == "imagefolder"
    assert main(["import", str(path), str(out)]) == 0
    with open_project(path) as p:
        assert labels_of(p, FILES) == before


def test_one_split_folder_of_an_export_reads_back_too(tmp_path):
    path = made(tmp_path, FILES, LABELS)
    with open_project(path) as p:
        p.set_splits({q: "train" for q in FILES})
        before = labels_of(p, FILES)
    out = tmp_path / "out"
    assert main(["export", str(path), str(out)]) == 0
    with open_project(path) as p:
        p.set_labels({"dog/a.png": "dog", "cat/a.png": "dog"})
    assert main(["import", str(path), str(out / "train")]) == 0
    with open_project(path) as p:
        assert labels_of(p, FILES) == before


def test_a_file_moved_to_another_class_folder_takes_that_label(tmp_path):
    path = made(tmp_path, ["train/cat/a.png", "train/cat/b.png", "train/dog/c.png"])
    out = tmp_path / "out"
    assert main(["export", str(path), str(out)]) == 0
    shutil.move(out / "train/cat/a.png", out / "train/dog/a.png")
    assert main(["import", str(path), str(out)]) == 0
    with open_project(path) as p:
        got = labels_of(p, ["train/cat/a.png", "train/cat/b.png", "train/dog/c.png"])
    assert got == {
        "train/cat/a.png": ("dog", "train"),
        "train/cat/b.png": ("cat", "train"),
        "train/dog/c.png": ("dog", "train"),
    }


def test_a_folder_sorted_elsewhere_matches_each_file_by_its_bytes(tmp_path, capsys):
    """The class folder is the new label, not where the image lives: ``cat/1.png`` sorted
    there is the project's ``dog/1.png`` (its bytes), not the project's own ``cat/1.png``;
    ``cat/1.png`` is not the top-level ``1.png`` either."""
    files = ["cat/1.png", "dog/1.png", "dog/2.png", "1.png", "photos/3.png"]
    path = made(tmp_path, files)
    sorted_ = tmp_path / "sorted"
    for rel, to in (("dog/1.png", "cat"), ("dog/2.png", "cat"), ("photos/3.png", "cat")):
        (sorted_ / to).mkdir(parents=True, exist_ok=True)
        shutil.copy(tmp_path / "im" / rel, sorted_ / to / rel.rsplit("/", 1)[1])
    assert main(["import", str(path), str(sorted_)]) == 0
    assert "file name alone" not in capsys.readouterr().out
    with open_project(path) as p:
        got = {k: v[0] for k, v in labels_of(p, files).items()}
    assert got == {
        "cat/1.png": "cat",
        "dog/1.png": "cat",
        "dog/2.png": "cat",
        "1.png": None,
        "photos/3.png": "cat",
    }


def test_a_re_encoded_copy_is_matched_by_its_name_below_the_class_folder(tmp_path, capsys):
    path = made(tmp_path, ["2024/05/a.png", "2024/06/b.png", "x/d.png"])
    sorted_ = tmp_path / "sorted"
    write_image(sorted_ / "cat" / "a.png", fmt="PNG", seed=101)  # other bytes than any
    write_image(sorted_ / "dog" / "06" / "b.png", fmt="PNG", seed=102)
    assert main(["import", str(path), str(sorted_)]) == 1  # new classes need --new-class
    assert "unknown class 'cat'" in capsys.readouterr().err
    assert main(["import", str(path), str(sorted_), "--new-class"]) == 0
    out = capsys.readouterr().out
    assert "2 images were found by file name alone, not by their folder" in out
    assert ": each is the project's one image of that name" in out
    with open_project(path) as p:
        got = labels_of(p, ["2024/05/a.png", "2024/06/b.png", "x/d.png"])
    assert {k: v[0] for k, v in got.items()} == {
        "2024/05/a.png": "cat",
        "2024/06/b.png": "dog",
        "x/d.png": "x",  # not in the folder: as it was
    }


def test_a_file_name_several_images_share_is_listed_not_guessed(tmp_path, capsys):
    path = made(tmp_path, ["x/a.png", "y/a.png", "y/b.png"])
    sorted_ = tmp_path / "sorted"
    write_image(sorted_ / "dog" / "a.png", fmt="PNG", seed=101)  # a re-encoded copy
    shutil.copy(tmp_path / "im" / "y" / "b.png", sorted_ / "dog" / "b.png")
    assert main(["import", str(path), str(sorted_), "--new-class"]) == 1
    err = capsys.readouterr().err
    assert (
        "'dog/a.png': no image in the project has its bytes, and 'a.png' fits 2 images "
        "('x/a.png', 'y/a.png')\n"
    ) in err
    with open_project(path) as p:  # all or nothing
        assert labels_of(p, ["y/b.png"])["y/b.png"][0] == "y"


def test_duplicates_in_the_project_are_told_apart_by_path_or_listed(tmp_path, capsys):
    root = tmp_path / "im"
    for rel in ("x/a.png", "y/a.png", "x/b.png", "y/c.png"):
        write_image(root / rel, fmt="PNG", seed=7)  # four images with one content
    path = tmp_path / "p"
    assert main(["new", str(path), "--images", str(root)]) == 0
    sorted_ = tmp_path / "sorted"
    (sorted_ / "x").mkdir(parents=True)
    shutil.copy(root / "x/b.png", sorted_ / "x" / "b.png")  # path below: b.png, one image
    assert main(["import", str(path), str(sorted_)]) == 0
    with open_project(path) as p:
        assert labels_of(p, ["y/c.png"])["y/c.png"][0] == "y"
    (sorted_ / "z").mkdir()
    shutil.copy(root / "x/a.png", sorted_ / "z" / "a.png")  # a.png: x/a.png and y/a.png
    assert main(["import", str(path), str(sorted_), "--new-class"]) == 1
    assert "'z/a.png' has the content of 4 images" in capsys.readouterr().err


def test_a_row_led_back_to_a_removed_image_is_not_given_to_another(tmp_path, capsys):
    path = made(tmp_path, ["old/a.png", "other/a.png", "keep/b.png"])
    with open_project(path) as p:
        p.set_labels({"old/a.png": "keep", "other/a.png": None})
    out = tmp_path / "out"
    assert main(["export", str(path), str(out)]) == 0  # train/keep/a.png: old/a.png
    (tmp_path / "im" / "old" / "a.png").unlink()
    assert main(["scan", str(path)]) == 0
    assert main(["import", str(path), str(out)]) == 1
    assert "'old/a.png' is not an image in the project" in capsys.readouterr().err
    with open_project(path) as p:
        assert labels_of(p, ["other/a.png"])["other/a.png"][0] is None


def test_a_symlinked_export_reads_back(tmp_path):
    path = made(tmp_path, FILES, LABELS)
    with open_project(path) as p:
        before = labels_of(p, FILES)
    out = tmp_path / "out"
    assert main(["export", str(path), str(out), "--symlink"]) == 0
    with open_project(path) as p:
        p.set_labels({"dog/a.png": "dog", "cat/d.png": "dog"})
    assert main(["import", str(path), str(out)]) == 0
    with open_project(path) as p:
        assert labels_of(p, FILES) == before


@pytest.mark.parametrize("fmt", ["csv", "parquet", "labelstudio"])
def test_other_exports_are_not_read_as_class_folders(tmp_path, fmt):
    path = made(tmp_path, ["cat/a.png", "dog/b.png"])
    out = tmp_path / "out"
    assert main(["export", str(path), str(out), "--format", fmt]) == 0
    with pytest.raises(LabelDeskError, match=r"is a LabelDesk export .*, not a label file"):
        detect_format(out)  # refused, naming the file that holds its labels


def test_skipping_a_bad_row_leaves_out_the_image_its_file_holds(tmp_path):
    path = made(tmp_path, ["photos/a.png", "photos/b.png"])
    sorted_ = tmp_path / "sorted"
    for folder in ("cat", "=x"):  # "=x" is no class name: a bad row
        (sorted_ / folder).mkdir(parents=True)
        shutil.copy(tmp_path / "im" / "photos" / "a.png", sorted_ / folder / "a.png")
    shutil.copy(tmp_path / "im" / "photos" / "b.png", sorted_ / "cat" / "b.png")
    args = ["import", str(path), str(sorted_), "--new-class", "--skip-bad-rows"]
    assert main(args) == 0
    with open_project(path) as p:
        got = labels_of(p, ["photos/a.png", "photos/b.png"])
    assert {k: v[0] for k, v in got.items()} == {"photos/a.png": "photos", "photos/b.png": "cat"}


def test_unlabeled_folders_clear_and_loose_images_set_only_the_split(tmp_path):
    files = ["train/cat/a.png", "train/cat/b.png", "train/dog/c.png", "d.png"]
    path = made(tmp_path, files)
    with open_project(path) as p:
        p.set_labels({"d.png": "cat"})
    folder = tmp_path / "folder"
    write_image(folder / "test" / "_unlabeled" / "a.png", fmt="PNG", seed=1)
    write_image(folder / "val" / "b.png", fmt="PNG", seed=2)  # no class folder
    write_image(folder / "train" / "dog" / "d.png", fmt="PNG", seed=4)
    write_image(folder / "c.png", fmt="PNG", seed=3)  # loose at the top: says nothing
    name, rows = read_labels(folder)
    assert name == "imagefolder"
    assert [(r.path, r.label, r.split, r.keep_label) for r in rows] == [
        ("test/_unlabeled/a.png", None, "test", False),
        ("train/dog/d.png", "dog", "train", False),
        ("val/b.png", None, "val", True),
    ]
    with open_project(path) as p:
        assert apply_label_rows(p, rows) == 3
        assert labels_of(p, files) == {
            "train/cat/a.png": (None, "test"),
            "train/cat/b.png": ("cat", "val"),
            "train/dog/c.png": ("dog", "train"),
            "d.png": ("dog", "train"),
        }


def test_a_folder_without_class_folders_is_refused(tmp_path):
    flat = tmp_path / "flat"
    write_image(flat / "a.png", fmt="PNG", seed=1)
    write_image(flat / "train" / "b.png", fmt="PNG", seed=2)
    write_image(flat / "_unlabeled" / "c.png", fmt="PNG", seed=3)
    with pytest.raises(LabelDeskError, match="not a label file LabelDesk recognises"):
        detect_format(flat)
    with pytest.raises(LabelFileError, match="no image in a class folder"):
        read_labels(flat, "imagefolder")


def test_a_bad_class_folder_name_is_a_bad_row(tmp_path):
    path = made(tmp_path, ["cat/a.png", "dog/b.png"])
    folder = tmp_path / "folder"
    write_image(folder / "cat" / "a.png", fmt="PNG", seed=1)
    write_image(folder / "=cmd" / "b.png", fmt="PNG", seed=2)  # a spreadsheet formula
    _, rows = read_labels(folder)
    assert [r.path for r in rows] == ["cat/a.png"]
    assert len(rows.problems) == 1 and rows.problems[0][0] == 1  # "=cmd" sorts first
    with open_project(path) as p:
        with pytest.raises(LabelFileError, match="image 1: invalid class name '=cmd'"):
            apply_label_rows(p, rows)
        skipped: list[str] = []
        assert apply_label_rows(p, rows, skipped=skipped) == 0  # cat/a.png is a cat already
        assert len(skipped) == 1


def test_metadata_still_makes_a_hugging_face_folder(tmp_path):
    folder = tmp_path / "ds"
    write_image(folder / "train" / "cat" / "a.png", fmt="PNG", seed=1)
    (folder / "train" / "metadata.jsonl").write_text(
        json.dumps({"file_name": "cat/a.png", "label": "dog"}) + "\n"
    )
    assert detect_format(folder) == "hf"


def test_moving_a_file_between_class_folders_changes_the_source_state(tmp_path):
    folder = tmp_path / "folder"
    write_image(folder / "train" / "cat" / "a.png", fmt="PNG", seed=1)
    write_image(folder / "train" / "dog" / "b.png", fmt="PNG", seed=2)
    before = source_state(folder)
    shutil.move(folder / "train" / "cat" / "a.png", folder / "train" / "dog" / "a.png")
    assert source_state(folder) != before


def test_a_changed_file_whose_path_is_a_project_path_is_found_by_name(tmp_path, capsys):
    """Relabel by moving, in the project's own folder, before a scan: the moved file has its
    bytes; one re-saved since the scan has other bytes and a path the project knows, and
    is found by its name (the fallback), not refused as "not an image"."""
    path = made(tmp_path, ["dog/0.png", "cat/1.png"])
    root = tmp_path / "im"
    shutil.move(root / "dog/0.png", root / "cat/0.png")
    write_image(root / "cat/1.png", fmt="PNG", seed=50)  # re-saved: other bytes
    assert main(["import", str(path), str(root)]) == 0
    out = capsys.readouterr().out
    assert "1 image was found by file name alone" in out
    # one image: "its folder … its bytes … it is", not "their folder … each is"
    assert "not by its folder in the project or its bytes" in out
    assert ": it is the project's one image of that name" in out
    with open_project(path) as p:
        got = labels_of(p, ["dog/0.png", "cat/1.png"])
    assert {k: v[0] for k, v in got.items()} == {"dog/0.png": "cat", "cat/1.png": "cat"}


def test_an_unrelated_file_found_by_a_project_path_is_reported(tmp_path, capsys):
    path = made(tmp_path, ["1.png", "sub/2.png"])
    other = tmp_path / "other"
    write_image(other / "dog" / "1.png", fmt="PNG", seed=101)
    write_image(other / "dog" / "sub" / "2.png", fmt="PNG", seed=102)
    capsys.readouterr()
    assert main(["import", str(path), str(other), "--new-class", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["matched_by_file_name"] == 2


def test_a_file_that_cannot_be_read_is_a_bad_row(tmp_path, monkeypatch):
    import labeldesk.core.label_content as label_content

    path = made(tmp_path, ["cat/a.png", "dog/b.png"])
    folder = tmp_path / "folder"
    shutil.copy(tmp_path / "im/cat/a.png", tmp_path / "a.png")
    (folder / "dog").mkdir(parents=True)
    shutil.copy(tmp_path / "im/cat/a.png", folder / "dog" / "a.png")

    def denied(file):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(label_content, "hash_file", denied)
    _, rows = read_labels(folder)
    problem = re.escape("'dog/a.png': cannot read it: Permission denied")
    with open_project(path) as p, pytest.raises(LabelFileError, match=problem):
        apply_label_rows(p, rows)


def test_files_swapped_in_an_export_follow_their_bytes(tmp_path):
    path = made(tmp_path, ["a/1.png", "b/1.png"], {"a/1.png": "cat", "b/1.png": "dog"})
    out = tmp_path / "out"
    assert main(["export", str(path), str(out)]) == 0
    cat, dog = out / "train/cat/1.png", out / "train/dog/1.png"
    cat.rename(tmp_path / "swap.png")
    dog.rename(cat)
    (tmp_path / "swap.png").rename(dog)
    assert main(["import", str(path), str(out)]) == 0
    with open_project(path) as p:
        got = labels_of(p, ["a/1.png", "b/1.png"])
    assert {k: v[0] for k, v in got.items()} == {"a/1.png": "dog", "b/1.png": "cat"}


def test_an_image_moved_in_the_project_since_the_export_is_found_by_its_bytes(tmp_path):
    path = made(tmp_path, ["f/0.png", "g/1.png"], {"f/0.png": "cat", "g/1.png": "dog"})
    out = tmp_path / "out"
    assert main(["export", str(path), str(out)]) == 0
    (tmp_path / "im/f/0.png").rename(tmp_path / "im/g/zero.png")
    assert main(["scan", str(path)]) == 0
    with open_project(path) as p:
        p.set_labels({"g/zero.png": "dog"})
    assert main(["import", str(path), str(out)]) == 0
    with open_project(path) as p:
        assert labels_of(p, ["g/zero.png"])["g/zero.png"][0] == "cat"


def test_a_file_changed_after_the_check_is_hashed_again(tmp_path):
    path = made(tmp_path, ["x/a.png", "x/b.png"])
    folder = tmp_path / "folder"
    (folder / "cat").mkdir(parents=True)
    target = folder / "cat" / "a.png"
    shutil.copy(tmp_path / "im/x/a.png", target)
    _, rows = read_labels(folder)
    with open_project(path) as p:
        assert apply_label_rows(p, rows, dry_run=True, create_classes=True) == 1
        target.write_bytes((tmp_path / "im/x/b.png").read_bytes())  # now b.png's bytes
        os.utime(target, ns=(1, 1))
        assert apply_label_rows(p, rows, create_classes=True) == 1
        got = labels_of(p, ["x/a.png", "x/b.png"])
    assert {k: v[0] for k, v in got.items()} == {"x/a.png": "x", "x/b.png": "cat"}


def test_files_the_size_of_an_image_without_a_known_content_are_not_hashed(tmp_path, monkeypatch):
    """An image the scan could not read (too large, say) has no hash: a file of its size
    cannot be shown to hold it, and is not read to find out."""
    import labeldesk.core.label_content as label_content

    write_image(tmp_path / "im/x/a.png", fmt="PNG", seed=1)
    write_image(tmp_path / "im/x/b.png", size=(80, 60), fmt="PNG", seed=2)  # its own size
    path = tmp_path / "p"
    assert main(["new", str(path), "--images", str(tmp_path / "im")]) == 0
    with open_project(path) as p, p.db.write() as conn:
        conn.execute("UPDATE images SET hash = NULL WHERE path = 'x/b.png'")  # as if unread
    folder = tmp_path / "folder"
    (folder / "cat").mkdir(parents=True)
    shutil.copy(tmp_path / "im/x/b.png", folder / "cat" / "b.png")
    calls: list[object] = []
    real = label_content.hash_file
    monkeypatch.setattr(label_content, "hash_file", lambda f: calls.append(f) or real(f))
    _, rows = read_labels(folder)
    with open_project(path) as p:
        assert apply_label_rows(p, rows, create_classes=True) == 1  # by its name
        assert labels_of(p, ["x/b.png"])["x/b.png"][0] == "cat"
    assert calls == []


def test_skipping_a_duplicates_row_leaves_out_the_images_it_holds(tmp_path):
    root = tmp_path / "im"
    for rel in ("a/1.png", "b/1.png", "c/z.png"):
        write_image(root / rel, fmt="PNG", seed=7)  # one content, three paths
    path = tmp_path / "p"
    assert main(["new", str(path), "--images", str(root)]) == 0
    folder = tmp_path / "folder"
    for rel in ("dog/1.png", "cat/z.png"):
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(root / "a/1.png", folder / rel)
    args = ["import", str(path), str(folder), "--new-class", "--skip-bad-rows"]
    assert main(args) == 0
    with open_project(path) as p:
        got = labels_of(p, ["a/1.png", "b/1.png", "c/z.png"])
    assert {k: v[0] for k, v in got.items()} == {"a/1.png": "a", "b/1.png": "b", "c/z.png": "c"}


def test_one_split_folder_leads_back_to_the_split_s_images(tmp_path):
    """``OUT/train/cat/a.png`` read from ``OUT/train`` is the project's ``train/cat/a.png``
    (its path in the export), not a real top-level ``cat/a.png``."""
    files = ["train/cat/a.png", "cat/a.png", "train/dog/b.png"]
    path = made(tmp_path, files)
    with open_project(path) as p:
        p.set_splits({"cat/a.png": "val"})
    out = tmp_path / "out"
    assert main(["export", str(path), str(out)]) == 0
    write_image(out / "train/cat/a.png", fmt="PNG", seed=70)  # re-saved: its bytes changed
    with open_project(path) as p:
        p.set_labels({"train/cat/a.png": "dog", "cat/a.png": "dog"})
    assert main(["import", str(path), str(out / "train")]) == 0
    with open_project(path) as p:
        got = labels_of(p, files)
    assert {k: v[0] for k, v in got.items()} == {
        "train/cat/a.png": "cat",
        "cat/a.png": "dog",
        "train/dog/b.png": "dog",
    }


def test_a_skipped_bad_row_leaves_out_only_the_image_with_its_bytes(tmp_path):
    path = made(tmp_path, ["1.png", "a/2.png", "b/3.png"])
    folder = tmp_path / "folder"
    for rel, source in (("dog/x.png", "1.png"), ("=bad/1.png", "b/3.png")):
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(tmp_path / "im" / source, folder / rel)
    args = ["import", str(path), str(folder), "--new-class", "--skip-bad-rows"]
    assert main(args) == 0
    with open_project(path) as p:
        got = labels_of(p, ["1.png", "b/3.png"])
    assert {k: v[0] for k, v in got.items()} == {"1.png": "dog", "b/3.png": "b"}


def test_an_export_file_with_a_duplicate_s_bytes_is_not_settled_by_its_name(tmp_path, capsys):
    """The export's ``train/cat/a.png`` (from ``cat/a.png``) now holds the bytes of two
    duplicates, ``x/a.png`` and ``y/b.png``: its file name is its source image's, so it
    does not pick ``x/a.png``; the row is listed."""
    root = tmp_path / "im"
    write_image(root / "cat/a.png", fmt="PNG", seed=1)
    write_image(root / "x/a.png", fmt="PNG", seed=2)
    (root / "y").mkdir()
    shutil.copy(root / "x/a.png", root / "y/b.png")
    path = tmp_path / "p"
    assert main(["new", str(path), "--images", str(root)]) == 0
    out = tmp_path / "out"
    assert main(["export", str(path), str(out)]) == 0
    written = next(p for p in out.rglob("a.png") if p.parent.name == "cat")
    shutil.copy(root / "x/a.png", written)
    capsys.readouterr()
    assert main(["import", str(path), str(out)]) == 1
    assert "has the content of 2 images ('x/a.png', 'y/b.png')" in capsys.readouterr().err


def test_matching_a_folder_by_its_bytes_reports_progress_and_stops_on_cancel(tmp_path):
    """Reading a folder of images matches each file by its bytes (minutes for 100k): the
    Import form showed "Reading…" with no progress, and Close did not stop it."""
    from labeldesk.core.errors import Cancelled
    from labeldesk.core.progress import CancelToken

    path = made(tmp_path, [f"cat/{n}.png" for n in range(70)] + ["dog/z.png"])
    sorted_by_someone = tmp_path / "sorted"
    shutil.copytree(tmp_path / "im", sorted_by_someone)
    _, rows = read_labels(sorted_by_someone)
    reports = []
    with open_project(path) as p:
        assert apply_label_rows(p, rows, dry_run=True, progress=reports.append) == 0
        assert [r.done for r in reports] == [0, 64, 71] and {r.total for r in reports} == {71}
        assert reports[0].message == "matching files by their bytes"
        cancel = CancelToken()
        cancel.cancel()
        _, rows = read_labels(sorted_by_someone)
        with pytest.raises(Cancelled):
            apply_label_rows(p, rows, cancel=cancel)


@pytest.mark.parametrize("fmt", ["imagefolder", "hf"])
def test_duplicates_of_one_name_read_back_into_a_project_of_a_copy_of_the_folder(tmp_path, fmt):
    """Exact copies that share a file name in different folders, labeled apart, are
    written as ``train/cat/same.png``, ``val/dog/same.png``, … : a project of a copy of
    the image folder (a colleague's) tells them apart by the path the export's manifest
    records for each file, as the project they came from does, instead of refusing
    every one of them as a duplicate its path does not tell apart."""
    files = ["d1/same.png", "d2/same.png", "d3/same.png", "other.png"]
    root = tmp_path / "im"
    for rel in files:
        write_image(root / rel, fmt="PNG", seed=8 if rel == "other.png" else 7)
    path = tmp_path / "p"
    assert main(["new", str(path), "--images", str(root)]) == 0
    with open_project(path) as p:
        labels = dict(zip(files, ["cat", "dog", "bird", "cat"], strict=True))
        splits = dict(zip(files[:3], ["train", "val", "test"], strict=True))
        p.set_labels(labels, splits=splits, create_classes=True)
        before = labels_of(p, files)
    out = tmp_path / "out"
    assert main(["export", str(path), str(out), "--format", fmt]) == 0
    shutil.copytree(root, tmp_path / "copy")
    copy = tmp_path / "q"
    args = ["new", str(copy), "--images", str(tmp_path / "copy"), "--labels", str(out)]
    assert main(args) == 0
    with open_project(copy) as q:
        assert labels_of(q, files) == before


@pytest.mark.parametrize(
    ("top", "meant"),
    [
        ("dev", "val"),
        ("eval", "test"),
        ("Evaluation", "test"),
        ("holdout", "test"),
        ("calib", "val"),
    ],
)
def test_a_split_folder_labeldesk_does_not_read_beside_train_is_a_bad_row(
    tmp_path, capsys, top, meant
):
    """``train/`` beside ``dev/`` (Hugging Face datasets reads ``dev`` as validation,
    ``eval`` as test): ``dev/cat/a.png`` is a split folder's class folder, not an image of
    a class "dev"; with --new-class every such image became "dev" (and train). Each is
    listed, saying what to rename the folder to, and nothing is applied."""
    files = ["cat/a.png", "dog/b.png", "cat/c.png"]
    path = made(tmp_path, files)
    sorted_ = tmp_path / "sorted"
    for rel, to in (("cat/a.png", "train/cat/a.png"), ("cat/c.png", f"{top}/cat/c.png")):
        (sorted_ / to).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(tmp_path / "im" / rel, sorted_ / to)
    with open_project(path) as p:
        before = labels_of(p, files), p.classes()
    capsys.readouterr()
    assert main(["import", str(path), str(sorted_), "--new-class"]) == 1
    err = capsys.readouterr().err
    assert f"'{top}/cat/c.png': '{top}/' is a split folder" in err
    assert f"rename it {meant}/" in err
    with open_project(path) as p:
        assert (labels_of(p, files), p.classes()) == before


def test_an_export_whose_folder_no_longer_reads_is_not_advised_to_itself(tmp_path):
    # its class folders gone, an ImageFolder export said "import OUT to read its labels"
    out = tmp_path / "out"
    out.mkdir()
    (out / "labeldesk-export.json").write_text('{"format": "imagefolder"}')
    with pytest.raises(LabelDeskError) as caught:
        detect_format(out)
    assert "is not read as imagefolder: name its format (imagefolder)" in str(caught.value)
    assert f"import {out}" not in str(caught.value)
