"""Embedding in a spawned child process: the same result as in-process, and a cancel
stops it after the current batch with finished batches kept."""

from __future__ import annotations

import numpy as np

from labeldesk.core.progress import CancelToken, Progress
from labeldesk.ml.embed_process import embed_in_child
from labeldesk.ml.store import project_vectors


def test_child_embeds_every_image_and_reports_progress(project):
    seen: list[Progress] = []
    report = embed_in_child(project.path, progress=seen.append)
    assert report.embedded == 19 and not report.cancelled and report.device == "cpu"
    assert seen[0].message.startswith("loading model")
    assert seen[-1].done == seen[-1].total == 19
    vectors = project_vectors(project)
    assert vectors.vectors.shape == (19, 1280) and vectors.missing == 0
    np.testing.assert_allclose(np.linalg.norm(vectors.vectors, axis=1), 1.0, atol=1e-2)
    again = embed_in_child(project.path)
    assert again.embedded == 0  # nothing left to do


def test_a_cancel_reaches_the_child_and_a_later_run_continues(project):
    token = CancelToken()
    token.cancel()  # the child sees it before its first batch
    report = embed_in_child(project.path, cancel=token)
    assert report.cancelled and report.embedded == 0
    assert embed_in_child(project.path).embedded == 19
