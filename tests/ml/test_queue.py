from __future__ import annotations

import json

import pytest

from labeldesk.cli import main
from labeldesk.ml.queue import labeling_queue

from .fake_embeddings import make_clustered_project


def test_queue_proposes_only_unlabeled_non_excluded_images(tmp_path):
    project, _ = make_clustered_project(tmp_path, unlabeled=12)
    with project:
        project.set_status(["_unlabeled/u0.png"], "excluded")
        queue = labeling_queue(project, n=50)
        paths = [r["path"] for r in queue]
        assert len(paths) == 11 == len(set(paths))
        assert all(p.startswith("_unlabeled/") for p in paths) and "_unlabeled/u0.png" not in paths
        assert all(r["predicted"] in ("ant", "bee", "cow") for r in queue)
        first = paths[0]
        project.set_label(first, "ant")
        assert first not in [r["path"] for r in labeling_queue(project, n=50)]


def test_cold_start_with_classes_but_no_labels(tmp_path):
    project, _ = make_clustered_project(tmp_path, flipped=0)
    with project:
        everything = {p: None for p in project.images().path}
        project.set_labels(everything)  # an annotator starting from nothing
        queue = labeling_queue(project, n=6)
        assert len(queue) == 6 and all(r["predicted"] is None for r in queue)
        # typical images of every cluster first: the three classes are all represented
        truth = {p.split("/")[1] for p in (r["path"] for r in queue) if not p.startswith("_")}
        assert len(truth) >= 2


def test_queue_command_follows_the_contract(tmp_path, capsys):
    project, _ = make_clustered_project(tmp_path)
    project.close()
    assert main(["queue", str(project.path), "-n", "4", "--strategy", "entropy", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 4 and all(set(r) == {"path", "predicted", "score", "split"} for r in rows)
    assert main(["queue", str(project.path), "--strategy", "nope"]) == 2
    assert "unknown query strategy" in capsys.readouterr().err


def test_an_unknown_strategy_lists_the_names_as_help_does(tmp_path, capsys):
    """The error listed the strategies in the order their modules were imported
    ("typiclust, random, …, auto, uncertainty_herding"), not --help's, default first."""
    assert main(["queue", str(tmp_path), "--strategy", "nope"]) == 2
    err = capsys.readouterr().err
    assert err.rstrip("\n").endswith(
        "unknown query strategy 'nope'; use one of auto, random, least_confidence, margin, "
        "entropy, margin_clusters, uncertainty_herding, typiclust"
    )
    with pytest.raises(SystemExit):
        main(["queue", "--help"])
    assert "auto (default), random, least_confidence, margin, entropy," in " ".join(
        capsys.readouterr().out.split()
    )
    from labeldesk.cli.review import STRATEGY_NAMES
    from labeldesk.ml.strategies import STRATEGIES

    assert set(STRATEGY_NAMES) == set(STRATEGIES)  # --help names every strategy
