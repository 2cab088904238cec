"""After a fine-tune re-embedded the project, the heads listed were trained on the
embeddings before: the versions box said "No trained head yet." above them."""

from __future__ import annotations

import numpy as np
from ml.fake_embeddings import DIM, make_clustered_project, store_vectors

from labeldesk.gui.model_versions_box import VersionsBox
from labeldesk.gui.workers import JobRunner
from labeldesk.ml.model_choice import train_and_choose
from labeldesk.ml.models import list_versions
from labeldesk.ml.train import HeadParams


def test_heads_of_other_embeddings_are_not_called_none(qtbot, tmp_path):
    project, _ = make_clustered_project(tmp_path)
    runner = JobRunner()
    try:
        head, _ = train_and_choose(project, HeadParams(epochs=3))
        rng = np.random.default_rng(1)  # the project re-embedded, as after a fine-tune
        store_vectors(project, [rng.normal(size=DIM) for _ in project.images().path], "9", "t")
        box = VersionsBox(project, runner)
        qtbot.addWidget(box)
        box.set_versions(list_versions(project))
        assert box.in_use.text() == "Scoring the versions on the frozen test set…"  # not "none"
        qtbot.waitUntil(lambda: box.score_job is not None and not box.score_job.running)
        qtbot.waitUntil(lambda: not box.in_use.text().startswith("Scoring"), timeout=5_000)
        assert box.in_use.text() == (
            f"No head trained on these embeddings yet: #{head.id} was trained on other ones "
            "(another model or input size, or before a fine-tune). For now a quick fit on "
            "the embeddings (the linear probe) predicts; train a classifier head to use one."
        )
    finally:
        runner.shutdown()
        project.close()
