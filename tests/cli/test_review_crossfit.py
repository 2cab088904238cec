"""`review accept` after `issues --crossfit`: the suggestion a person read there is the
one taken (with --crossfit), never silently the frozen features' other suggestion."""

from __future__ import annotations

import json
from dataclasses import replace

from labeldesk.cli import main
from labeldesk.ml import crossfit
from labeldesk.ml.predictions import project_predictions


def _label(project, path: str) -> str:
    return project.images().set_index("path").label[path]


def _cross_fitted_says_cow(project, path: str):
    """Predictions as a cached cross-fit might give them: ``path`` looks like a cow."""
    preds = project_predictions(project)
    probs = preds.probs.copy()
    row = preds.paths.index(path)
    probs[row] = 0.0
    probs[row, preds.classes.index("cow")] = 1.0
    return replace(preds, probs=probs)


def test_accept_takes_the_suggestion_of_the_list_the_person_read(clustered, capsys, monkeypatch):
    project, flipped = clustered
    path, where = flipped[0], str(project.path)
    fitted = _cross_fitted_says_cow(project, path)
    monkeypatch.setattr(crossfit, "cached_predictions", lambda *_a, **_k: fitted)
    assert main(["issues", where, "--all", "--json"]) == 0
    frozen = {r["path"]: r["suggested"] for r in json.loads(capsys.readouterr().out)}
    assert frozen[path] == "bee"

    assert main(["review", where, "accept", path]) == 1  # which one did they read?
    err = capsys.readouterr().err
    assert "'bee'" in err and "'cow'" in err and "--crossfit" in err
    assert _label(project, path) == "ant"  # nothing written

    assert main(["review", where, "accept", path, "--crossfit", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["label"] == "cow"
    assert _label(project, path) == "cow"


def test_without_a_cross_fit_accept_is_as_before(clustered, capsys, monkeypatch):
    project, flipped = clustered
    where = str(project.path)
    monkeypatch.setattr(crossfit, "cached_predictions", lambda *_a, **_k: None)
    assert main(["review", where, "accept", flipped[0], "--crossfit"]) == 1
    assert "issues" in capsys.readouterr().err and _label(project, flipped[0]) == "ant"
    assert main(["review", where, "accept", flipped[0]]) == 0
    assert _label(project, flipped[0]) == "bee"
    assert main(["review", where, "keep", flipped[1], "--crossfit"]) == 2
