"""After a fine-tune, whether it helped is not shown by its own figures (its classifier
is not what predicts next, and no head has been trained on its embeddings yet): `train`
says how to see it (a head on the new embeddings, then `models` side by side)."""

from __future__ import annotations

import numpy as np
from ml.fake_embeddings import DIM, make_clustered_project, record_finetune, store_vectors

from labeldesk.cli import main
from labeldesk.ml.model_choice import train_and_choose
from labeldesk.ml.store import current_key
from labeldesk.ml.train import HeadParams


def _fake_finetune(project, params, **_):
    """A fine-tune that re-embedded the project with its own (other) model."""
    rng = np.random.default_rng(1)
    store_vectors(project, [rng.normal(size=DIM) for _ in project.images().path], "9", "tuned")
    metrics = {"history": [{"epoch": 1, "loss": 1.0}]}
    return record_finetune(project, embedding_key=current_key(project), metrics=metrics)


def test_after_a_fine_tune_train_says_how_to_see_whether_it_helped(tmp_path, capsys, monkeypatch):
    project, _ = make_clustered_project(tmp_path)
    head, _ = train_and_choose(project, HeadParams(epochs=5))
    path = project.path
    project.close()
    monkeypatch.setattr("labeldesk.ml.finetune.finetune_and_reembed", _fake_finetune)

    assert main(["train", str(path), "--mode", "finetune", "--device", "cpu"]) == 0
    out = capsys.readouterr().out
    assert (
        f"did it help? `labeldesk train {path}` trains a head on the new embeddings "
        f"(seconds); `labeldesk models {path}` then lists its frozen test accuracy beside "
        f"#{head.id}'s, the head of the embeddings before"
    ) in out

    assert main(["train", str(path)]) == 0  # a head on them: nothing more to say
    assert "did it help?" not in capsys.readouterr().out
