"""Model versions scored on one frozen test set, compared (McNemar), and the head in use."""

from __future__ import annotations

import json

import numpy as np
import pytest

from labeldesk.cli import main
from labeldesk.core.errors import LabelDeskError
from labeldesk.core.vocab import EXCLUDED
from labeldesk.ml.model_choice import in_use, pin, train_and_choose
from labeldesk.ml.model_eval import (
    compare,
    evaluation,
    expected_calibration_error,
    frozen_test_set,
    mcnemar_exact,
    mcnemar_one_sided,
    score_version,
)
from labeldesk.ml.train import HeadParams

from .fake_embeddings import OVERLAPPING, make_overlapping_project

CLASSES = OVERLAPPING
PARAMS = HeadParams(epochs=40)


@pytest.fixture
def overlapping(tmp_path):
    project = make_overlapping_project(tmp_path)
    yield project
    project.close()


def _all_but(project, keep_per_class):
    """Train images beyond the first ``keep_per_class`` of each class."""
    return [f"train/{name}/{i}.png" for name in CLASSES for i in range(keep_per_class, 80)]


def test_a_worse_head_is_not_promoted_and_a_better_one_is(overlapping):
    project = overlapping
    first, chosen = train_and_choose(project, PARAMS)
    assert chosen.version.id == first.id and "first" in chosen.reason

    project.set_status(_all_but(project, 2), EXCLUDED)  # 2 labels per class left
    worse, chosen = train_and_choose(project, PARAMS)
    assert chosen.version.id == first.id and chosen.reason.startswith("kept")
    assert f"#{worse.id}" in chosen.reason and "one-sided McNemar p = " in chosen.reason
    assert in_use(project).version.id == first.id  # and it stays so

    project.set_status(_all_but(project, 2), None)  # every label back
    better, chosen = train_and_choose(project, PARAMS)
    assert chosen.version.id == better.id and chosen.reason.startswith("not worse")


def test_every_version_is_scored_on_the_same_frozen_images(overlapping):
    project = overlapping
    first, _ = train_and_choose(project, PARAMS)
    test = frozen_test_set(project)
    assert len(test.labels) == 200 and all(p.startswith("test/") for p in test.paths)

    # later, half the test images move to train: the frozen set keeps all 200, and the
    # version trained on the moved ones is scored without them
    moved = [f"test/{name}/{i}.png" for name in CLASSES for i in range(25)]
    project.set_splits(dict.fromkeys(moved, "train"))
    second, _ = train_and_choose(project, PARAMS)
    again = frozen_test_set(project)
    assert again.version == test.version and again.paths == test.paths
    a, b = score_version(project, first, again), score_version(project, second, again)
    assert len(a.rows) == 200 and len(b.rows) == 100 and b.left_out == {"trained on": 100}
    result = compare(a, b, again)
    assert result.n == 100  # only images neither trained on

    report = evaluation(a, again)
    assert 0.4 < report["accuracy"] < 1.0
    assert set(report["per_class_recall"]) == set(CLASSES)
    assert sum(map(sum, report["confusion"]["matrix"])) == 200
    assert 0.0 <= report["ece"] <= 1.0 and 0.0 < report["macro_f1"] <= 1.0


def test_mcnemar_and_ece_on_known_cases():
    assert mcnemar_exact(0, 0) == 1.0
    assert mcnemar_exact(5, 5) == 1.0
    assert mcnemar_exact(0, 10) == pytest.approx(2 * 0.5**10)
    assert mcnemar_exact(20, 3) < 0.01 < mcnemar_exact(8, 4)
    assert mcnemar_one_sided(10, 0) == pytest.approx(0.5**10)
    assert mcnemar_one_sided(8, 4) == pytest.approx(mcnemar_exact(8, 4) / 2)
    assert mcnemar_one_sided(4, 8) > 0.5 and mcnemar_one_sided(0, 0) == 1.0
    # perfectly calibrated: 80 % sure and right 80 % of the time
    right = np.array([True] * 8 + [False] * 2)
    assert expected_calibration_error(np.full(10, 0.8), right) == pytest.approx(0.0)
    assert expected_calibration_error(np.full(10, 0.99), right) == pytest.approx(0.19)


def test_a_pin_holds_over_later_training_until_lifted(overlapping):
    project = overlapping
    first, _ = train_and_choose(project, PARAMS)
    second, chosen = train_and_choose(project, HeadParams(epochs=40, seed=1))
    assert chosen.version.id == second.id
    assert pin(project, first.id).version.id == first.id
    _, chosen = train_and_choose(project, HeadParams(epochs=40, seed=2))
    assert chosen.version.id == first.id and chosen.pinned
    lifted = pin(project, None)  # back to the choice made by the paired test
    assert lifted.version.id == second.id and not lifted.pinned
    with pytest.raises(LabelDeskError, match="no model version"):
        pin(project, 999)


def test_models_cli_marks_the_version_in_use_and_compares_two(overlapping, capsys):
    project = overlapping
    first, _ = train_and_choose(project, PARAMS)
    project.set_status(_all_but(project, 2), EXCLUDED)
    worse, _ = train_and_choose(project, PARAMS)
    path = str(project.path)

    assert main(["models", path, "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in rows if r["chosen"]] == [first.id]  # kept: the newer is worse
    # but the labels changed since #first was trained: the probe predicts, as the app does
    assert [r["id"] for r in rows if r["in_use"]] == []
    scored = {r["id"]: r["evaluation"] for r in rows}
    assert scored[first.id]["accuracy"] > scored[worse.id]["accuracy"]
    assert scored[first.id]["n"] == scored[worse.id]["n"] == 200

    assert main(["models", path, "--compare", str(first.id), str(worse.id), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["b_significantly_worse"] and result["p_value_one_sided"] < 0.05
    assert result["p_value_one_sided"] == pytest.approx(result["p_value"] / 2)
    assert len(result["only_a_right"]) > len(result["only_b_right"])
    assert all(p.startswith("test/") for p in result["only_a_right"])
    assert main(["models", path, "--compare", str(first.id), str(worse.id)]) == 0
    p = result["p_value_one_sided"]
    assert f"one-sided McNemar p = {p:.3g} (two-sided" in capsys.readouterr().out

    assert main(["models", path]) == 0
    text = capsys.readouterr().out
    assert f"chosen: #{first.id} (kept" in text and "frozen test" in text
    assert "in use: no head, the linear probe predicts" in text

    assert main(["models", path, "--pin", str(worse.id), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in rows if r["in_use"]] == [worse.id]


def test_predictions_take_the_head_in_use_not_the_newest(overlapping):
    from labeldesk.ml.models import last_label_event
    from labeldesk.ml.predictions import current_head
    from labeldesk.ml.store import current_key

    project = overlapping
    first, _ = train_and_choose(project, PARAMS)
    project.set_status(_all_but(project, 2), EXCLUDED)
    worse, chosen = train_and_choose(project, PARAMS)
    assert chosen.version.id == first.id
    key, classes, now = current_key(project), project.classes(), last_label_event(project)
    # the worse head is the newest and matches the labels now, but is not used; the head
    # in use was trained on other labels, so the probe answers until a better head comes
    assert current_head(project, key, classes, now) is None
    pin(project, first.id)  # a person's choice holds even though labels changed since
    assert current_head(project, key, classes, now).id == first.id
    pin(project, worse.id)
    assert current_head(project, key, classes, now).id == worse.id


def test_a_class_renamed_after_the_test_set_was_frozen_is_one_class_to_the_scores(overlapping):
    """The frozen test set keeps its version's names, a new head predicts today's: both
    are mapped to today's names, so the new head is not 'worse' for the rename."""
    project = overlapping
    first, _ = train_and_choose(project, PARAMS)
    test = frozen_test_set(project)
    before = evaluation(score_version(project, first, test), test)
    old = CLASSES[0]
    project.rename_class(old, "renamed")

    second, chosen = train_and_choose(project, PARAMS)

    assert chosen.version.id == second.id and chosen.reason.startswith("not worse")
    again = evaluation(score_version(project, first, test), test)
    new = evaluation(score_version(project, second, test), test)
    assert again["accuracy"] == before["accuracy"]  # the old head, named anew
    assert abs(new["accuracy"] - before["accuracy"]) < 0.1
    assert "renamed" in new["per_class_recall"] and old not in new["per_class_recall"]
    assert new["macro_f1"] > 0.5


def test_two_class_names_swapped_after_the_test_set_was_frozen_score_as_they_are_now(
    overlapping,
):
    """Swapping two mixed-up names (a -> tmp, b -> a, tmp -> b): the frozen test set's
    ``a`` images are labeled ``b`` today. The alias table knows only today's names, so
    the old head was scored right and the new one, as good, as wrong on every one."""
    project = overlapping
    first, _ = train_and_choose(project, PARAMS)
    test = frozen_test_set(project)
    before = evaluation(score_version(project, first, test), test)
    a, b = CLASSES[0], CLASSES[1]
    project.rename_class(a, "tmp")
    project.rename_class(b, a)
    project.rename_class("tmp", b)

    second, chosen = train_and_choose(project, PARAMS)

    again = evaluation(score_version(project, first, test), test)
    new = evaluation(score_version(project, second, test), test)
    assert again["accuracy"] == before["accuracy"]
    assert abs(new["accuracy"] - before["accuracy"]) < 0.1
    assert again["per_class_recall"][b] == before["per_class_recall"][a]
    assert "is worse" not in chosen.reason


def test_test_images_of_a_class_removed_since_are_left_out_of_every_score(overlapping):
    """A removed class's test images have no label today: no head trained since can get
    them right, so they would count against it alone."""
    project = overlapping
    first, _ = train_and_choose(project, PARAMS)
    test = frozen_test_set(project)
    project.remove_class(CLASSES[3])

    second, chosen = train_and_choose(project, PARAMS)

    assert chosen.version.id == second.id
    for version in (first, second):
        scored = score_version(project, version, test)
        assert len(scored.rows) == 150 and scored.left_out == {"class removed since": 50}
        assert CLASSES[3] not in scored.truth


def test_a_head_on_classes_the_project_no_longer_has_gives_way_to_a_new_one(overlapping):
    """Even a worse new head is taken: the old one can never predict for today's classes,
    so keeping it would leave no head in use right after training one."""
    from labeldesk.ml.model_choice import predicting

    project = overlapping
    first, _ = train_and_choose(project, PARAMS)
    frozen_test_set(project)
    project.merge_classes(CLASSES[3], CLASSES[2])
    project.set_status(_all_but(project, 2), EXCLUDED)  # 2 labels per class left

    worse, chosen = train_and_choose(project, PARAMS)

    assert chosen.version.id == worse.id
    assert f"#{first.id} was trained on other classes" in chosen.reason
    assert predicting(project).version.id == worse.id


def test_a_head_on_other_embeddings_is_named_when_none_is_on_these(overlapping, capsys):
    from labeldesk.ml.backbones import ModelIdentity
    from labeldesk.ml.model_choice import predicting
    from labeldesk.ml.store import embeddings_dir
    from labeldesk.ml.vectors import VectorStore

    project = overlapping
    first, _ = train_and_choose(project, PARAMS)
    other = ModelIdentity("fake", "clusters", "f" * 64)  # as after `embed --input-size`
    store = VectorStore.for_identity(embeddings_dir(project), other, 16)
    frame = project.images()
    with VectorStore.writer(store.folder, 16) as writer:
        writer.append(list(frame.hash), np.ones((len(frame), 16), np.float32))
    project.db.set_meta("embedding_key", other.key)

    why = predicting(project).reason
    assert "no head trained on these embeddings" in why
    assert why.endswith(
        f"#{first.id} was trained on {first.embedding_key} (the embeddings "
        "`embed --model fake` makes)"
    )  # it read ", made with --model fake", as if one had been typed
    assert main(["models", str(project.path)]) == 0
    assert "no trained head yet" not in capsys.readouterr().out


def test_models_with_another_test_set_says_which_test_set_each_figure_is_on(overlapping, capsys):
    """`models --test-set v1` scored every version on v1, then gave the in-use reason as
    "… on 200 images of the frozen test set (auto-model-1) …", as if auto-model-1 were
    still the frozen one: the reason now names its test set as the one frozen then."""
    project = overlapping
    train_and_choose(project, PARAMS)
    second, chosen = train_and_choose(project, HeadParams(epochs=40, seed=1))
    before = frozen_test_set(project).version
    assert f"images of test set {before}," in chosen.reason
    assert "frozen test set (" not in chosen.reason
    path = str(project.path)
    assert main(["models", path]) == 0  # the test set the choice was made on: no note
    assert "frozen test set then" not in capsys.readouterr().out

    assert main(["version", path, "create", "v1"]) == 0
    capsys.readouterr()
    assert main(["models", path, "--test-set", "v1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert all("frozen test (v1, n=200)" in line for line in lines if line[2:3] == "#")
    [in_use_line] = [line for line in lines if line.startswith("in use:")]
    assert in_use_line.startswith(f"in use: #{second.id} (not worse: ")
    assert f"images of test set {before}," in in_use_line
    assert in_use_line.endswith(f"; {before} was the frozen test set then, v1 is now)")
    assert main(["models", path, "--json"]) == 0
    assert [r["evaluation"]["test_set"] for r in json.loads(capsys.readouterr().out)] == [
        "v1",
        "v1",
    ]


def test_a_reason_stored_by_an_older_version_is_read_the_same_way(overlapping, capsys):
    from labeldesk.ml.model_choice import REASON_KEY, REASON_TEST_KEY

    project = overlapping
    first, _ = train_and_choose(project, PARAMS)
    before = frozen_test_set(project).version
    old_words = (
        f"not worse: #{first.id} 98% vs #9 96% on 200 images of the frozen test set "
        f"({before}), one-sided McNemar p = 0.5"
    )
    project.db.set_meta(REASON_KEY, old_words)
    project.db.set_meta(REASON_TEST_KEY, "")
    assert main(["version", str(project.path), "create", "v1"]) == 0
    frozen_test_set(project, "v1")
    note = f"; {before} was the frozen test set then, v1 is now"
    assert in_use(project).reason == old_words + note
