"""The labeling queue offers images whose labels train the model: the model learns from
train labels only, so a queue that offered test images (as the cold start of a project
with train/ and test/ folders did, about half of each batch) let an annotator label 20
images and still see no prediction. Val and test images come only when asked for, and a
queue that leaves them out says how many it left."""

from __future__ import annotations

from labeldesk import api
from labeldesk.ml.predictions import project_predictions
from labeldesk.ml.queue import labeling_queue

from .fake_embeddings import make_folder_project, true_class


def _label_as_truth(project, rows) -> None:
    project.set_labels({r["path"]: true_class(r["path"]) for r in rows})


def test_the_cold_start_offers_train_images_only(tmp_path):
    project = make_folder_project(tmp_path, {"train/_unlabeled": 8, "test/_unlabeled": 8})
    with project:
        for _ in range(3):  # the cold start, then queues the model ranks
            rows = labeling_queue(project, n=6)
            assert len(rows) == 6
            assert all(r["path"].startswith("train/") for r in rows), [r["path"] for r in rows]
            _label_as_truth(project, rows)
        assert project_predictions(project).meaningful  # every label taught the model


def test_images_outside_split_folders_are_offered_and_val_is_not(tmp_path):
    # an unlabeled image outside any split folder has no split; labeled, it is train
    project = make_folder_project(tmp_path, {"_unlabeled": 3, "val/_unlabeled": 3})
    with project:
        frame = project.images().set_index("path")
        outside = sorted(p for p in frame.index if p.startswith("_unlabeled/"))
        assert frame.split[outside].isna().all()
        rows = labeling_queue(project, n=50)
        assert sorted(r["path"] for r in rows) == outside
        _label_as_truth(project, rows[:3])
        labeled = [r["path"] for r in rows[:3]]
        assert set(project.images().set_index("path").split[labeled]) == {"train"}


def test_an_empty_train_pool_says_what_is_left_and_all_splits_offers_it(tmp_path):
    from labeldesk.ml.queue import held_out_text, next_to_label  # new with the fix

    project = make_folder_project(tmp_path, {"test/_unlabeled": 4, "val/_unlabeled": 1})
    with project:
        found = next_to_label(project, n=10)
        assert found.rows == [] and labeling_queue(project, n=10) == []
        assert found.held_out == {"test": 12, "val": 3}
        assert held_out_text(found.held_out) == "12 images in test and 3 in val"
        everything = labeling_queue(project, n=100, all_splits=True)
        assert len(everything) == 15
        assert next_to_label(project, n=5, all_splits=True).held_out == {}
        table = api.queue(project, n=10)
        assert len(table) == 0 and table.attrs["held_out"] == {"test": 12, "val": 3}
        assert len(api.queue(project, n=10, all_splits=True)) == 10


def test_labeled_test_images_do_not_stand_for_train_labels(tmp_path):
    # test/ fully labeled with two of the three classes; train/ not labeled at all. The
    # model knows nothing yet, so the first batch must reach every class: counted as
    # known, the test labels sent the whole batch to the third class's region, and its
    # labels (one class) still predicted nothing.
    project = make_folder_project(
        tmp_path, {"train/_unlabeled": 10, "test/ant": 15, "test/bee": 15}
    )
    with project:
        rows = labeling_queue(project, n=3)
        assert {true_class(r["path"]) for r in rows} == {"ant", "bee", "cow"}
        _label_as_truth(project, rows)
        assert project_predictions(project).meaningful
