"""The per-image frame: one table, categoricals over the shared vocabulary."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from labeldesk.core.errors import UnknownClassError
from labeldesk.core.image_frame import COLUMNS, image_frame
from labeldesk.core.vocab import (
    EXCLUDED,
    SPLITS,
    STATUSES,
    VERIFIED,
    class_codes,
    known_class_codes,
)


def test_class_codes_are_the_index_in_the_class_order():
    codes = class_codes(["dog", None, "cat", float("nan"), "bird"], ["dog", "cat"])
    assert codes.tolist() == [0, -1, 1, -1, -1]
    assert codes.dtype == np.int64
    # A label outside the list can be told apart from no label when asked.
    assert class_codes(["bird", None], ["dog"], unknown=-2).tolist() == [-2, -1]
    assert class_codes([], ["dog"]).tolist() == []
    assert class_codes(["dog"], []).tolist() == [-1]


def test_frame_categoricals_follow_the_project_classes_and_vocabulary(project):
    project.add_classes(["ant"])  # a class named last, with no images: still a category
    project.set_status(["train/cat/cat0.jpg"], EXCLUDED)
    project.set_status(["train/dog/dog0.jpg"], VERIFIED)
    frame = image_frame(project)
    classes = project.classes()
    assert classes == ["cat", "dog", "ant"]
    assert list(frame.label.cat.categories) == classes
    assert frame.label.cat.codes.tolist() == class_codes(frame.label, classes).tolist()
    assert frame.label.cat.codes.tolist() == class_codes(list(frame.label), classes).tolist()
    assert list(frame.split.cat.categories) == list(SPLITS)
    assert list(frame.status.cat.categories) == list(STATUSES)
    by_path = frame.set_index("path")
    assert by_path.status["train/cat/cat0.jpg"] == EXCLUDED
    assert by_path.status["train/dog/dog0.jpg"] == VERIFIED
    assert pd.isna(by_path.label["_unlabeled/u0.png"])


def test_frame_keeps_the_columns_and_index_project_images_had(project):
    frame = image_frame(project)
    assert frame.index.name == "id" and frame.index.dtype == np.int64
    assert tuple(frame.columns) == COLUMNS
    assert list(frame.path) == sorted(frame.path)
    assert project.images().equals(frame)
    by_path = frame.set_index("path")
    # The effective split: a labeled image without one counts as train.
    project.set_splits({"train/cat/cat0.jpg": None})
    assert image_frame(project).set_index("path").split["train/cat/cat0.jpg"] == "train"
    assert by_path.width.dtype.kind in "if" and by_path.hash.notna().all()


def test_a_label_outside_the_classes_is_kept_not_turned_into_a_gap(project):
    """Older projects could store such labels; the frame must not hide them."""
    with project.db.write() as conn:
        conn.execute("UPDATE images SET label = 'zebra' WHERE path = 'train/cat/cat0.jpg'")
    frame = image_frame(project.db)  # a database works as well as a project
    assert list(frame.label.cat.categories) == ["cat", "dog", "zebra"]
    row = frame.set_index("path").loc["train/cat/cat0.jpg"]
    assert row.label == "zebra"
    assert class_codes(frame.label, project.classes())[frame.path == "train/cat/cat0.jpg"] == [-1]


@pytest.mark.parametrize("include_skipped", [True, False])
def test_skipped_files_are_left_out_on_request(project, imagefolder, include_skipped):
    root, _ = imagefolder
    (root / "train" / "cat" / "broken.jpg").write_bytes(b"not an image")
    project.scan(workers=1)
    frame = image_frame(project, include_skipped=include_skipped)
    assert ("train/cat/broken.jpg" in set(frame.path)) == include_skipped
    assert frame.skip_reason.notna().any() == include_skipped


def test_training_codes_refuse_a_label_that_is_not_a_class():
    """Training must not quietly treat such an image as unlabeled."""
    labels = ["cat", None, "zebra", "zebra"]
    paths = ["a.jpg", "b.jpg", "c.jpg", "d.jpg"]
    assert known_class_codes(["cat", None], ["dog", "cat"], paths[:2]).tolist() == [1, -1]
    with pytest.raises(UnknownClassError, match=r"2 images carry a label.*zebra.*e\.g\. c\.jpg"):
        known_class_codes(labels, ["cat"], paths)
