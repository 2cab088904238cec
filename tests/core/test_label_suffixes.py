"""Paths written by other tools match the project's images by path suffix (Label Studio's
document-root paths, upload names, URLs), never by guessing between several."""

from __future__ import annotations

import pytest
from helpers import write_image

from labeldesk.core.errors import LabelFileError
from labeldesk.core.label_files import LabelFile, LabelRow, apply_label_rows
from labeldesk.core.label_suffixes import suffix_candidates

PATHS = ["train/cat/cat0.jpg", "val/cat/cat0.jpg", "train/dog/dog0.jpg", "dog1.jpg"]


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("images/train/cat/cat0.jpg", ["train/cat/cat0.jpg"]),  # under a longer root
        ("cat/cat0.jpg", ["train/cat/cat0.jpg", "val/cat/cat0.jpg"]),  # a tie: both listed
        ("dog0.jpg", ["train/dog/dog0.jpg"]),  # an upload's bare name
        ("x/train/dog/dog1.jpg", ["dog1.jpg"]),  # the project path ends the written one
        ("cat/dog0.jpg", None),  # a different folder is a different image
        ("cat0.png", None),
    ],
)
def test_suffix_candidates(written, expected):
    assert suffix_candidates([written], PATHS).get(written) == expected


def test_the_longest_shared_suffix_wins():
    paths = ["cat0.jpg", "train/cat/cat0.jpg"]
    assert suffix_candidates(["a/train/cat/cat0.jpg"], paths) == {
        "a/train/cat/cat0.jpg": ["train/cat/cat0.jpg"]
    }


def rows(*paths, unmatched_ok=False):
    found = LabelFile(
        "tasks.json", [LabelRow(p, "dog", None, n) for n, p in enumerate(paths, 1)], unit="entry"
    )
    found.unmatched_ok = unmatched_ok
    return found


def test_rows_apply_through_suffixes_and_ties_are_listed(project, imagefolder):
    root, _ = imagefolder
    write_image(root / "train/cat/u0.png", fmt="PNG", seed=900)  # a second u0.png
    project.scan(workers=1)
    apply_label_rows(project, rows("bucket/images/_unlabeled/u1.png", "u2.png"))
    labels = project.images().set_index("path").label
    assert labels["_unlabeled/u1.png"] == "dog" and labels["_unlabeled/u2.png"] == "dog"
    with pytest.raises(LabelFileError) as err:
        apply_label_rows(project, rows("u0.png"))
    assert "fits 2 images" in err.value.problems[0]
    assert "'_unlabeled/u0.png'" in err.value.problems[0]


def test_absolute_and_climbing_paths_never_match_by_suffix(project, tmp_path):
    for path in (str(tmp_path / "elsewhere/_unlabeled/u0.png"), "../_unlabeled/u0.png"):
        with pytest.raises(LabelFileError):
            apply_label_rows(project, rows(path))
    assert project.images().label.isna().sum() == 3  # nothing applied


def test_unmatched_rows_are_listed_when_the_file_allows_it(project):
    found = rows("_unlabeled/u0.png", "other/project/img9.png", unmatched_ok=True)
    assert apply_label_rows(project, found) == 1
    assert found.unmatched == ["entry 2: 'other/project/img9.png' is not an image in the project"]
    with pytest.raises(LabelFileError, match="img9"):  # nothing matches: refused
        apply_label_rows(project, rows("other/project/img9.png", unmatched_ok=True))
    strict = rows("_unlabeled/u1.png", "other/project/img9.png")
    with pytest.raises(LabelFileError):
        apply_label_rows(project, strict)
    assert project.images().set_index("path").label["_unlabeled/u1.png"] != "dog"


@pytest.mark.parametrize(
    ("file", "written"),
    [
        ("photos/u\u0308.png", "\u00fc.png"),  # macOS wrote the name decomposed (NFD)
        ("photos/u\u0308.png", "bucket/photos/\u00fc.png"),
        ("photos/back\\slash.png", "images/photos/back\\slash.png"),  # a Linux name
        ("photos/back\\slash.png", "back\\slash.png"),
    ],
)
def test_every_spelling_of_a_path_is_matched_by_suffix_in_turn(tmp_path, file, written):
    """A path's first spelling (NFC, backslashes as folder separators) is matched by
    suffix first; when it fits no image, its other spellings are tried: the name in the
    other Unicode form, or with its backslash kept as a file name's character. Else a
    Label Studio upload of ``ü.png`` named no image in a folder of macOS's ``ü.png``."""
    from labeldesk.core.create import create_and_index

    write_image(tmp_path / "im" / file, fmt="PNG", seed=1)
    write_image(tmp_path / "im" / "other.png", fmt="PNG", seed=2)
    project, _ = create_and_index(tmp_path / "p", tmp_path / "im", workers=1)
    with project:
        project.add_classes(["dog"])
        assert apply_label_rows(project, rows(written)) == 1
        assert project.images().set_index("path").label[file] == "dog"


def test_a_later_spelling_is_not_tried_when_the_first_fits_several(tmp_path):
    """Several images for the first spelling are listed, as before, not settled by a
    later spelling that happens to fit one."""
    from labeldesk.core.create import create_and_index

    for n, file in enumerate(["a/x\\y.png", "a/x/y.png", "b/x/y.png"]):
        write_image(tmp_path / "im" / file, fmt="PNG", seed=n)
    project, _ = create_and_index(tmp_path / "p", tmp_path / "im", workers=1)
    with project:
        project.add_classes(["dog"])
        with pytest.raises(LabelFileError, match="fits 2 images"):
            apply_label_rows(project, rows("x\\y.png"))
