"""Predictions, issues and the queue before a project has enough labels: no classes at all,
one labeled class, and a class with its first label. Nothing crashes, and nothing is
reported with a confidence the model cannot have."""

from __future__ import annotations

import json

import numpy as np
from helpers import write_image

from labeldesk import api
from labeldesk.cli import main
from labeldesk.core.create import create_and_index
from labeldesk.ml.insights import image_insights
from labeldesk.ml.issues import label_issues
from labeldesk.ml.map_data import point_values
from labeldesk.ml.predictions import project_predictions
from labeldesk.ml.probe import probe_probabilities
from labeldesk.ml.queue import labeling_queue

from .fake_embeddings import DIM, _store_cluster_vectors, make_clustered_project


def test_a_flat_folder_without_classes_gets_a_cold_start_queue(tmp_path, capsys):
    root = tmp_path / "images"
    for i in range(12):
        write_image(root / f"img{i:02d}.png", size=(8, 8), fmt="PNG", seed=i)
    project, _ = create_and_index(tmp_path / "proj", root, workers=1)
    rng = np.random.default_rng(0)
    truth = {p: i % 3 for i, p in enumerate(project.images().path)}
    _store_cluster_vectors(project, truth, rng.normal(size=(3, DIM)) * 2.5, rng, "f")
    with project:
        assert project.classes() == []
        preds = project_predictions(project)
        assert preds.probs.shape == (12, 0) and (preds.predicted == -1).all()
        assert not preds.meaningful
        queue = labeling_queue(project, n=5)
        assert len({r["path"] for r in queue}) == 5
        assert all(r["predicted"] is None for r in queue)
        assert label_issues(project, include_all=True) == []
        insights = image_insights(project)
        assert not insights.has_model and np.isfinite(insights.outlier_score).all()
    for command in (["queue", "-n", "3"], ["predict"], ["issues", "--all"]):
        assert main([command[0], str(project.path), *command[1:], "--json"]) == 0, command
        rows = json.loads(capsys.readouterr().out)
        assert all(r.get("predicted") is None for r in rows)
        assert len(rows) == {"queue": 3, "predict": 12, "issues": 0}[command[0]]
    assert main(["queue", str(project.path), "-n", "2"]) == 0
    head, *lines = capsys.readouterr().out.splitlines()  # a line says what the columns are
    assert head.startswith("2 unlabeled images to label next") and "strategy auto" in head
    assert len(lines) == 2 and all(line.endswith("[?]") for line in lines)


def test_a_fold_that_saw_one_class_predicts_nothing_out_of_fold():
    """Class 0 has no label; class 2 one. The fold holding that label out learns class 1
    only: it can judge none of its held-out rows (it used to give them class 0 at 100 %)."""
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(3, 32))
    truth = [1, 1, 1, 2, 0, 1, 2, 0]
    x = np.stack([centres[t] + 0.1 * rng.normal(size=32) for t in truth])
    labels = np.array([1, 1, 1, 2, -1, -1, -1, -1])
    out = probe_probabilities(x, labels, np.ones(8, bool), 3)
    assert (out.probs[:, 0] < 1e-9).all()  # never a class no model has seen
    assert out.out_of_fold[:4].sum() == 2 and not out.out_of_fold[3]
    assert (out.probs[out.out_of_fold].argmax(axis=1) == 1).all()
    np.testing.assert_allclose(out.probs.sum(axis=1), 1.0)


def test_the_first_label_of_a_class_is_not_judged(tmp_path, capsys):
    project, flipped = make_clustered_project(tmp_path)
    with project:
        cows = [p for p in project.images().path if "/cow/" in p]
        first = "train/cow/cow0.png"
        # one cow label in train (the class's first), the val cows keep theirs
        project.set_labels({p: None for p in cows if p.startswith("train/") and p != first})
        issues = {i.path: i for i in label_issues(project, include_all=True)}
        cow_rows = [i for i in issues.values() if i.label == "cow"]
        assert len(cow_rows) == 6  # the train label and 5 in val
        assert all(np.isnan(i.score) and i.suggested is None for i in cow_rows)
        assert not any(i.flagged for i in cow_rows)
        flagged = [i.path for i in label_issues(project)]
        assert set(flipped) <= set(flagged) and first not in flagged
        assert all(0 <= i.score <= 1 for i in issues.values() if i.label != "cow")
        listed = list(issues)
        assert listed[-6:] == [i.path for i in cow_rows]  # unjudged last
    assert main(["issues", str(project.path), "--all", "--json"]) == 0
    rows = {r["path"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows[first] == {
        "path": first,
        "label": "cow",
        "split": "train",
        "suggested": None,
        "score": 1.0,  # the contract's [0, 1], listed last
        "flagged": False,
        "verified": False,
        "judged": False,
    }
    judged = [r for r in rows.values() if r["judged"]]
    assert judged and all(0 <= r["score"] <= 1 for r in judged)
    assert main(["review", str(project.path), "accept", first]) == 1  # nothing to accept
    assert "has no suggestion" in capsys.readouterr().err


def test_one_labeled_class_predicts_nothing(tmp_path, capsys):
    project, _ = make_clustered_project(tmp_path, flipped=0)
    with project:
        paths = list(project.images().path)
        project.set_labels(dict.fromkeys(paths))
        nothing = api.predictions(project)  # no labels: no uniform 1/3 "predictions"
        assert nothing.predicted.isna().all() and nothing.confidence.isna().all()
        project.set_labels({p: "ant" for p in paths if p.startswith("train/ant/")})
        frame = api.predictions(project)
        assert len(frame) == len(paths)
        assert frame.predicted.isna().all() and frame.confidence.isna().all()
        assert (frame.label == "ant").sum() == 30
        assert not image_insights(project).has_model
        assert label_issues(project) == []
        # the map coloured by prediction: no point gets the one class seen
        assert (point_values(project, paths, "prediction") == -1).all()
    assert main(["predict", str(project.path), "--json"]) == 0
    captured = capsys.readouterr()
    assert all(r["predicted"] is None and r["confidence"] is None for r in json.loads(captured.out))
    assert "at least two classes" in captured.err
