"""Hostile and unlucky folders: odd names, links out of the folder, a full disk, a layout
one level off. Each bad item is skipped with its reason; the rest is indexed."""

from __future__ import annotations

import errno
import json
import os

import pytest
from helpers import make_imagefolder, write_image

from labeldesk.core import imageio
from labeldesk.core.create import create_and_index
from labeldesk.core.layout_check import check_layout


def skipped(project) -> dict[str, str]:
    return {
        r["path"]: r["skip_reason"]
        for r in project.db.query(
            "SELECT path, skip_reason FROM images WHERE removed_at IS NULL AND skip_reason "
            "IS NOT NULL"
        )
    }


def test_names_that_are_not_utf8_are_skipped_and_the_rest_indexed(tmp_path):
    root = tmp_path / "img"
    write_image(root / "cat" / "ok.jpg", seed=1)
    bad_file = os.fsencode(root / "cat") + b"/caf\xe9.jpg"
    bad_folder = os.fsencode(root) + b"/d\xf6g"
    write_image(root / "tmp.jpg", seed=2)
    os.rename(root / "tmp.jpg", bad_file)
    os.mkdir(bad_folder)
    write_image(root / "tmp2.jpg", seed=3)
    os.rename(root / "tmp2.jpg", bad_folder + b"/x.jpg")
    project, _ = create_and_index(tmp_path / "p", root, workers=1)
    with project:
        reasons = skipped(project)
        assert set(project.images(include_skipped=False).path) == {"cat/ok.jpg"}
        assert reasons == {
            "cat/caf\ufffd.jpg": "name is not valid UTF-8 (rename it to index it)",
            "d\ufffdg": "name is not valid UTF-8 (rename it to index it)",
        }
        assert project.scan(workers=1).added == 0  # stable across re-scans


def test_a_name_that_is_not_utf8_never_takes_the_row_of_its_stand_in(tmp_path):
    """cat/x<U+FFFD>.png is a valid name: a file of that name beside cat/x<0xff>.png (and
    cat/x<0xfe>.png) kept its row, its label and its usability; `new` failed outright."""
    root = tmp_path / "img"
    write_image(root / "cat" / "x\ufffd.png", seed=1)
    for seed, byte in enumerate((b"\xff", b"\xfe"), start=2):
        write_image(root / "tmp.png", seed=seed)
        os.rename(root / "tmp.png", os.fsencode(root / "cat") + b"/x" + byte + b".png")
    project, _ = create_and_index(tmp_path / "p", root, workers=1)
    with project:
        bad = "name is not valid UTF-8 (rename it to index it)"
        expected = {"cat/x\ufffd.png (2)": bad, "cat/x\ufffd.png (3)": bad}
        assert skipped(project) == expected
        assert set(project.images(include_skipped=False).path) == {"cat/x\ufffd.png"}
        project.set_labels({"cat/x\ufffd.png": "dog"}, create_classes=True)
        for _ in range(2):  # the same stand-ins at every scan: nothing flips
            counts = project.scan(workers=1)
            assert (counts.added, counts.changed, counts.removed) == (0, 0, 0)
            assert skipped(project) == expected
        frame = project.images(include_skipped=False)
        assert dict(zip(frame.path, frame.label, strict=True)) == {"cat/x\ufffd.png": "dog"}


@pytest.mark.parametrize(
    ("folder", "expected"),
    [(" coat", "coat"), ("coat ", "coat")],
)
def test_class_folders_with_outer_spaces_become_the_plain_name(tmp_path, folder, expected):
    root = tmp_path / "img"
    write_image(root / folder / "a.jpg", seed=1)
    write_image(root / "coat" / "b.jpg", seed=2)
    project, _ = create_and_index(tmp_path / "p", root, workers=1)
    with project:
        assert project.classes() == ["coat"]
        assert set(project.images().label) == {expected}


def test_a_class_folder_that_cannot_be_a_class_is_skipped_with_its_reason(tmp_path):
    root = tmp_path / "img"
    write_image(root / "a\\b" / "x.jpg", seed=1)
    write_image(root / "two\nlines" / "y.jpg", seed=2)
    write_image(root / "cat" / "z.jpg", seed=3)
    project, _ = create_and_index(tmp_path / "p", root, workers=1)
    with project:
        assert project.classes() == ["cat"]
        reasons = skipped(project)
        assert set(reasons) == {"a\\b/x.jpg", "two\nlines/y.jpg"}
        assert all("is not usable" in r for r in reasons.values())


def test_links_out_of_the_image_folder_are_not_followed_unless_asked(tmp_path):
    root = tmp_path / "img"
    outside = tmp_path / "elsewhere"
    write_image(root / "cat" / "in.jpg", seed=1)
    write_image(outside / "sub" / "secret.jpg", seed=2)
    write_image(outside / "lone.jpg", seed=3)
    (root / "linked-folder").symlink_to(outside / "sub")
    (root / "cat" / "linked.jpg").symlink_to(outside / "lone.jpg")
    (root / "cat" / "inside-link.jpg").symlink_to(root / "cat" / "in.jpg")
    project, _ = create_and_index(tmp_path / "p", root, workers=1)
    with project:
        usable = set(project.images(include_skipped=False).path)
        assert usable == {"cat/in.jpg", "cat/inside-link.jpg"}
        reasons = skipped(project)
        assert reasons == {
            "linked-folder": "symbolic link to outside the image folder (not followed)",
            "cat/linked.jpg": "symbolic link to outside the image folder (not followed)",
        }
        project.follow_outside_links(True)
        project.scan(workers=1)
        usable = set(project.images(include_skipped=False).path)
        assert {"linked-folder/secret.jpg", "cat/linked.jpg"} <= usable
    followed, _ = create_and_index(tmp_path / "q", root, follow_outside_links=True, workers=1)
    with followed:
        assert "linked-folder/secret.jpg" in set(followed.images().path)


def test_a_full_disk_while_thumbnailing_is_not_a_verdict_on_the_image(tmp_path, monkeypatch):
    root = tmp_path / "img"
    make_imagefolder(root)

    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(imageio, "_write_thumbnail", disk_full)
    project, counts = create_and_index(tmp_path / "p", root, workers=1)
    with project:
        assert skipped(project) == {}
        assert len(project.images(include_skipped=False)) == 19
        assert any("No space left on device" in w for w in counts.warnings)
        monkeypatch.undo()
        assert project.thumbnail("train/cat/cat0.jpg").is_file()  # made when needed


def test_images_an_older_version_marked_corrupt_for_a_full_disk_are_retried(project):
    project.db.conn.execute(
        "UPDATE images SET skip_reason = 'corrupt image data ([Errno 28] No space left on "
        "device)' WHERE path = 'train/cat/cat0.jpg'"
    )
    assert skipped(project)
    project.scan(workers=1)
    assert skipped(project) == {}


def test_layout_one_level_too_high_is_warned_about(tmp_path):
    root = tmp_path / "data"
    make_imagefolder(root / "fashion")
    warnings = check_layout(root)
    assert len(warnings) == 1
    assert warnings[0].suggested_root == root / "fashion"
    assert "one level too high" in warnings[0].message
    assert check_layout(root / "fashion") == []


def test_new_reports_layout_warnings_in_json(tmp_path, capsys):
    from labeldesk.cli import main

    root = tmp_path / "data"
    make_imagefolder(root / "fashion")
    write_image(root / "fashion" / "train" / "images" / "x.jpg", seed=5)
    assert main(["new", str(tmp_path / "p"), "--images", str(root), "--json", "--force"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert any("one level too high" in w for w in data["warnings"])
    assert main(["new", str(tmp_path / "q"), "--images", str(root / "fashion"), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert any("'images'" in w and "class" in w for w in data["warnings"])


@pytest.mark.parametrize(
    ("layout", "needle"),
    [
        ({"train/train/cat/a.jpg", "train/test/cat/b.jpg"}, "split folders inside a split"),
        ({"cat/train/a.jpg", "dog/b.jpg"}, "only read at the top"),
        # below a split's class folder too (said nothing; all of them became 'cat')
        ({"train/cat/test/a.jpg", "train/dog/b.jpg"}, "class folder train/cat/ holds test/"),
        ({"val/cat/_unlabeled/a.jpg", "val/dog/b.jpg"}, "class folder val/cat/ holds _unlabeled/"),
        ({"images/cat/a.jpg", "images/dog/b.jpg"}, "one level too high"),
    ],
)
def test_other_layouts_that_look_off(tmp_path, layout, needle):
    root = tmp_path / "data"
    for i, rel in enumerate(sorted(layout)):
        write_image(root / rel, seed=i)
    assert any(needle in w.message for w in check_layout(root))


def test_new_images_given_a_file_says_so(tmp_path, capsys):
    from labeldesk.cli import main

    file = tmp_path / "pic.jpg"
    write_image(file, seed=1)
    assert main(["new", str(tmp_path / "p"), "--images", str(file)]) == 1
    assert "is a file" in capsys.readouterr().err
    assert not (tmp_path / "p").exists()


def test_unlabeled_folders_inside_splits_are_the_documented_layout(tmp_path):
    root = tmp_path / "data"
    make_imagefolder(root)  # train/, val/, test/ and _unlabeled/
    write_image(root / "train" / "_unlabeled" / "x.jpg", seed=9)
    assert check_layout(root) == []


def test_a_project_folder_that_is_a_symlink_is_refused_before_scanning(tmp_path):
    from labeldesk.core.errors import ProjectError

    root = tmp_path / "img"
    write_image(root / "cat" / "a.jpg", seed=1)
    (tmp_path / "empty").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "empty")
    with pytest.raises(ProjectError, match="symbolic link"):
        create_and_index(tmp_path / "link", root, workers=1)
    assert list((tmp_path / "empty").iterdir()) == []
