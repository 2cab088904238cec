"""A val split (or held-out part of train) too small to measure a model is said, not
quietly used: one val image gave "val accuracy 100%" without a word. Too small: fewer
than 10 images, or fewer images than the classes trained on."""

from __future__ import annotations

import json

import numpy as np
import pytest

from labeldesk.cli import main
from labeldesk.ml.metrics import evaluation_split, evaluation_warning
from ml.fake_embeddings import make_clustered_project


def _split(counts: dict[str, list[int]]):
    """labels and splits with ``counts[split][class]`` images each."""
    labels, splits = [], []
    for split, per_class in counts.items():
        for cls, n in enumerate(per_class):
            labels += [cls] * n
            splits += [split] * n
    labels_array = np.array(labels)
    return evaluation_split(labels_array, splits, np.ones(len(labels), bool))


def test_the_rule_is_ten_images_and_one_per_class():
    assert evaluation_warning(10, 3, "val") is None
    assert evaluation_warning(30, 30, "val") is None
    one = evaluation_warning(1, 3, "val")
    assert one is not None and one.startswith("the val split has only 1 image for 3 classes")
    assert "100 points" in one and "at least one class has none" in one
    many = evaluation_warning(25, 30, "val")  # ten or more, but fewer than the classes
    assert many is not None and "at least one class has none" in many
    assert "label at least 30 val images" in many
    held = evaluation_warning(4, 2, "holdout")
    assert held is not None and held.startswith("the part of train held out has only 4")
    assert evaluation_warning(0, 2, "holdout").startswith("nothing to measure accuracy on")


def test_the_split_carries_the_warning():
    assert _split({"train": [20, 20], "val": [1, 0]}).warning.startswith("the val split")
    assert _split({"train": [20, 20], "val": [5, 5]}).warning is None
    assert _split({"train": [3, 3]}).warning.startswith("nothing to measure")  # none held out
    assert _split({"train": [40, 40]}).warning is None  # 6 + 6 held out


@pytest.fixture
def one_val_image(tmp_path):
    pytest.importorskip("torch")
    project, _ = make_clustered_project(tmp_path, flipped=0)
    val = sorted(p for p in project.images().path if p.startswith("val/"))
    project.set_splits({p: "train" for p in val[1:]})  # one val image left
    project.close()
    return project.path


def test_train_warns_in_text_and_json(one_val_image, capsys):
    assert main(["train", str(one_val_image), "--epochs", "2"]) == 0
    text = capsys.readouterr().out
    assert "(n=1, too few to measure)" in text
    assert "\nwarning: the val split has only 1 image for 3 classes" in text
    assert main(["train", str(one_val_image), "--epochs", "2", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["warnings"] == [data["metrics"]["eval_warning"]]
    assert data["metrics"]["eval"]["n"] == 1
    assert main(["models", str(one_val_image)]) == 0
    assert "(n=1, too few to measure)" in capsys.readouterr().out


def test_a_big_enough_val_split_gives_no_warning(tmp_path, capsys):
    pytest.importorskip("torch")
    project, _ = make_clustered_project(tmp_path, flipped=0)
    project.close()
    assert main(["train", str(project.path), "--epochs", "2", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["warnings"] == [] and data["metrics"]["eval_warning"] is None
