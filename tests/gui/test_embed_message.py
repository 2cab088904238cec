"""The app's message at the end of an embedding run says when decoding the images, not
the model, limited it (as `labeldesk embed` does)."""

from __future__ import annotations

import pytest

from labeldesk.ml import child_jobs
from labeldesk.ml.embed import EmbedReport


def message_after(qtbot, window, project, monkeypatch, embedded) -> str:
    """The status bar's message after Compute embeddings, the run standing in as
    ``embedded`` (the child job's function)."""
    monkeypatch.setattr(child_jobs, "embed_in_child", embedded)
    assert window.open_project(project.path)
    job = window.compute_embeddings()
    assert job is not None
    qtbot.waitUntil(lambda: not job.running, timeout=20000)
    return window.statusBar().currentMessage()


@pytest.mark.parametrize(("waiting", "said"), [(15.0, True), (3.0, False)])
def test_the_message_says_when_decoding_limited_the_run(
    qtbot, window, project, monkeypatch, waiting, said
):
    def embedded(*_args, **_kwargs) -> EmbedReport:
        report = EmbedReport("m", "k", "cuda", embedded=19, total=19, seconds=20.0)
        report.waiting_s, report.model_s, report.input_size = waiting, 20.0 - waiting, 224
        return report

    message = message_after(qtbot, window, project, monkeypatch, embedded)
    assert message.startswith("Embeddings ready: 19 computed"), message
    assert ("decoding limited it (the model waited 75%)" in message) is said


def test_the_message_says_why_unreadable_images_keep_the_embeddings_it_had(
    qtbot, window, project, monkeypatch
):
    """Compute embeddings finishing a fine-tune's unfinished embeddings, with images it
    cannot read now: the project stays on the embeddings it had (they hold those
    images). `labeldesk embed` says so; the app said only "Embeddings ready: … 2
    unreadable", and nothing of why the fine-tune's were not used."""
    from labeldesk.ml import unfinished
    from labeldesk.ml.unfinished import UnfinishedEmbeddings

    waiting = UnfinishedEmbeddings(version=3, spec="models/3.safetensors")
    monkeypatch.setattr(unfinished, "unfinished_embeddings", lambda *a, **k: waiting)

    def embedded(*_args, **_kwargs) -> EmbedReport:
        failed = [{"path": f"a/{i}.png", "reason": "missing"} for i in range(2)]
        report = EmbedReport("m", "k", "cpu", embedded=5, total=19, seconds=1.0, failed=failed)
        report.input_size = 224
        return report

    message = message_after(qtbot, window, project, monkeypatch, embedded)
    assert message.startswith(
        "Fine-tuned model #3's embeddings are not used yet (the project keeps the ones it "
        "had): 2 images could not be read"
    ), message
    assert "File → Rescan folder" in message and "Compute embeddings again" in message
