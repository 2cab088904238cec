"""Folders LabelDesk made inside the image folder (a project, an export) are not indexed:
two projects in one image folder must not index each other's thumbnails."""

from __future__ import annotations

from helpers import make_imagefolder, write_image

from labeldesk.core.create import create_and_index
from labeldesk.core.staging import EXPORT_MANIFEST
from labeldesk.core.walk import walk_images


def _paths(project) -> set[str]:
    return set(project.images().path)


def test_two_projects_in_one_image_folder_leave_each_other_out(tmp_path):
    root = tmp_path / "img"
    expected = set(make_imagefolder(root))
    one, counts = create_and_index(root / "projA", root, workers=1)
    assert any("inside the image folder" in w for w in counts.warnings)
    two, counts = create_and_index(root / "projB", root, workers=1)
    assert any("projA" in w and "left out" in w for w in counts.warnings)
    with one, two:
        assert _paths(two) == expected
        for _ in range(2):  # each scan would have added the other's new thumbnails
            assert one.scan(workers=1).added == 0
            assert two.scan(workers=1).added == 0
        assert _paths(one) == expected and _paths(two) == expected
        assert set(one.classes()) == {"cat", "dog"}


def test_an_export_folder_inside_the_image_folder_is_left_out(tmp_path):
    root = tmp_path / "img"
    write_image(root / "cat" / "a.jpg", seed=1)
    write_image(root / "exported" / "cat" / "a.jpg", seed=1)
    (root / "exported" / EXPORT_MANIFEST).write_text("{}")
    walked = walk_images(root)
    assert set(walked.files) == {"cat/a.jpg"}
    assert walked.labeldesk_folders == ["exported"]


def test_a_project_beside_the_image_folder_gets_no_warning(tmp_path):
    root = tmp_path / "img"
    make_imagefolder(root)
    project, counts = create_and_index(tmp_path / "proj", root, workers=1)
    project.close()
    assert not any("image folder" in w for w in counts.warnings)


def test_the_warning_says_how_many_folders_it_does_not_name(tmp_path):
    """The warning "left out 10 folders …: p3, fmq, cold, demo-ft, demo2" named five and
    stopped, as if the list were whole."""
    root = tmp_path / "img"
    write_image(root / "cat" / "a.jpg", seed=1)
    for i in range(7):
        (root / f"export{i}").mkdir()
        (root / f"export{i}" / EXPORT_MANIFEST).write_text("{}")
    project, counts = create_and_index(tmp_path / "proj", root, workers=1)
    project.close()
    (warning,) = [w for w in counts.warnings if "left out" in w]
    assert warning.startswith("left out 7 folders LabelDesk made inside the image folder")
    assert warning.endswith(", … and 2 more")


def test_a_project_and_an_export_beside_the_dataset_do_not_hide_a_folder_too_high(tmp_path):
    """The app puts a new project (``fashion-labeldesk/``) and an export (``fashion-export/``)
    beside the image folder. ``labeldesk new q --images fm``, their parent, then made one
    class 'fashion' of the whole dataset instead of refusing: the layout check counted the
    two folders the scan leaves out as classes, and warned about 'fashion-export/' too."""
    from labeldesk.core.db import DB_FILENAME
    from labeldesk.core.errors import ImageRootError
    from labeldesk.core.layout_check import ONE_LEVEL_TOO_HIGH, check_layout

    root = tmp_path / "fm"
    make_imagefolder(root / "fashion")
    (root / "fashion-labeldesk").mkdir()
    (root / "fashion-labeldesk" / DB_FILENAME).write_bytes(b"")
    write_image(root / "fashion-export" / "train" / "cat" / "cat0.jpg", seed=1)
    (root / "fashion-export" / EXPORT_MANIFEST).write_text("{}")
    (warning,) = check_layout(root)
    assert warning.kind == ONE_LEVEL_TOO_HIGH
    assert warning.suggested_root == root / "fashion"
    try:
        create_and_index(tmp_path / "q", root, workers=1, refuse_too_high=True)
    except ImageRootError as error:
        assert "one level too high" in str(error)
    else:
        raise AssertionError("a folder one level too high was indexed")
    assert not (tmp_path / "q").exists()
