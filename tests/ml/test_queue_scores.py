"""Queue scores lie in [0, 1] in both phases, so `labeldesk queue` shows them as
percentages without clamping; the cold start's (typiclust) are typicality relative to the
batch's most typical pick."""

from __future__ import annotations

import json

import numpy as np
import pytest

from labeldesk.cli import main
from labeldesk.ml.active import make_context, query
from labeldesk.ml.strategies.typiclust import typicality

from .fake_embeddings import make_clustered_project
from .test_active import REQUIRED, blobs, context, random_world


@pytest.mark.parametrize("strategy", sorted({*REQUIRED, "auto"}))
def test_scores_lie_in_0_1_before_and_after_a_probe(strategy: str) -> None:
    x, _, _ = blobs([60, 30, 10, 2, 1], seed=3)
    cold = make_context(x, np.full(len(x), -1), n_classes=3)
    for ctx in (cold, random_world(seed=1)):
        for n in (1, 5, 40):
            scores = query(ctx, n, strategy).scores
            assert len(scores) == n and ((scores >= 0) & (scores <= 1)).all()


def test_cold_start_scores_are_typicality_relative_to_the_batch_best() -> None:
    x, ids, _ = blobs([40, 30, 20], spread=0.2, seed=5)
    result = query(context(x, np.full(len(x), -1), n_classes=3), 3, "typiclust")
    assert sorted(ids[result.indices]) == [0, 1, 2]  # one pick per blob (its cluster)
    raw = []
    for i in result.indices:
        members = np.flatnonzero(ids == ids[i])
        typ = typicality(x[members], x[members], k=min(20, len(members) // 2))
        raw.append(typ[members.tolist().index(i)])
    np.testing.assert_allclose(result.scores, np.array(raw) / max(raw), rtol=1e-5)
    assert result.scores.max() == 1.0 and len(set(result.scores.round(6))) == 3


def test_queue_command_shows_cold_start_percentages_without_warnings(tmp_path, capsys):
    project, _ = make_clustered_project(tmp_path, flipped=0)
    with project:
        project.set_labels({p: None for p in project.images().path})  # nothing labeled yet
    for extra in ([], ["--json"]):
        assert main(["queue", str(project.path), "-n", "6", *extra]) == 0
        out, err = capsys.readouterr()
        assert "clamped" not in err and "must lie in" not in err
    rows = json.loads(out)
    scores = [r["score"] for r in rows]
    assert len(rows) == 6 and max(scores) == 1.0 and min(scores) < 1.0
    assert all(0.0 <= s <= 1.0 for s in scores)
    main(["queue", str(project.path), "-n", "6"])
    shown = [line.split()[0] for line in capsys.readouterr().out.splitlines()]
    assert shown.count("100%") < len(shown)  # not every pick at the top of the scale
