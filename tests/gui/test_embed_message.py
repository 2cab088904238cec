"""The app's message at the end of an embedding run says when decoding the images, not
the model, limited it (as `labeldesk embed` does)."""

from __future__ import annotations

import pytest

from labeldesk.ml import child_jobs
from labeldesk.ml.embed import EmbedReport


@pytest.mark.parametrize(("waiting", "said"), [(15.0, True), (3.0, False)])
def test_the_message_says_when_decoding_limited_the_run(
    qtbot, window, project, monkeypatch, waiting, said
):
    def embedded(*_args, **_kwargs) -> EmbedReport:
        report = EmbedReport("m", "k", "cuda", embedded=19, total=19, seconds=20.0)
        report.waiting_s, report.model_s, report.input_size = waiting, 20.0 - waiting, 224
        return report

    monkeypatch.setattr(child_jobs, "embed_in_child", embedded)
    assert window.open_project(project.path)
    job = window.compute_embeddings()
    assert job is not None
    qtbot.waitUntil(lambda: not job.running, timeout=20000)
    message = window.statusBar().currentMessage()
    assert message.startswith("Embeddings ready: 19 computed"), message
    assert ("decoding limited it (the model waited 75%)" in message) is said
