"""Ctrl+C (a real SIGINT) at moments of a fine-tune's end that a message got wrong or a
held-signals window did not cover: just after the re-embedding switched the project to
the tuned model's embeddings (the message said the project kept the ones it had), in the
instructions between the end of the scoring and the start of the save (the kept epoch
was lost), and while the decode workers close after the save (the run stopped without
saying what it kept)."""

from __future__ import annotations

import os
import signal
import sys

import pytest

from labeldesk.ml.finetune import SAVING, FinetuneParams, finetune, finetune_and_reembed
from labeldesk.ml.finetune_images import TrainingImages
from labeldesk.ml.models import RUN_MARKER, list_versions
from labeldesk.ml.store import current_key

from .signal_child import IN_A_CHILD
from .test_finetune_interrupt import _interrupt_in_epoch
from .test_finetune_unfinished import PARAMS, embedded  # noqa: F401 (a fixture)
from .test_finetune_unreadable import tiny_timm_backbone, two_classes  # noqa: F401
from .test_training import shapes_project  # noqa: F401 (a fixture)

pytestmark = IN_A_CHILD


def _ctrl_c() -> None:
    os.kill(os.getpid(), signal.SIGINT)  # acted on at the next bytecode: a real Ctrl+C


def _note(stopped: pytest.ExceptionInfo[KeyboardInterrupt]) -> str:
    return " ".join(getattr(stopped.value, "__notes__", []))


def test_ctrl_c_just_after_the_switch_says_the_project_uses_the_new_embeddings(
    embedded,  # noqa: F811
    monkeypatch,
):
    import labeldesk.ml.embed as embed

    project, before = embedded
    real = embed.use_store

    def use_store(project, key, *, finished=False):
        real(project, key, finished=finished)
        if finished:
            _ctrl_c()  # the project now uses the tuned model's embeddings

    monkeypatch.setattr(embed, "use_store", use_store)
    with pytest.raises(KeyboardInterrupt) as stopped:
        finetune_and_reembed(project, PARAMS, device="cpu")
    (version,) = list_versions(project)
    assert current_key(project) == version.embedding_key != before
    note = _note(stopped)
    assert "the project keeps the embeddings it had" not in note
    assert (
        f"fine-tuned model version {version.id} is saved and the project uses its "
        "embeddings (they were finished when it was interrupted)"
    ) in note


def test_ctrl_c_before_the_switch_still_says_the_project_keeps_its_embeddings(
    embedded,  # noqa: F811
    monkeypatch,
):
    import labeldesk.ml.embed as embed

    project, before = embedded
    real = embed.use_store

    def use_store(project, key, *, finished=False):
        if finished:
            _ctrl_c()  # just before the switch
        real(project, key, finished=finished)

    monkeypatch.setattr(embed, "use_store", use_store)
    with pytest.raises(KeyboardInterrupt) as stopped:
        finetune_and_reembed(project, PARAMS, device="cpu")
    (version,) = list_versions(project)
    assert current_key(project) == before != version.embedding_key
    assert "the project keeps the embeddings it had until" in _note(stopped)


def _ctrl_c_as_scoring_ends(monkeypatch):
    """A real SIGINT at the first statement of ``finetune`` after its scoring loop ended
    (traced: its ``for`` line seen again after the test split's prediction returned), the
    instructions before the save."""
    import inspect

    import labeldesk.ml.finetune as finetune_module

    code = finetune_module.finetune.__code__
    lines, first = inspect.getsourcelines(finetune_module.finetune)
    (loop,) = [first + i for i, line in enumerate(lines) if 'for name in ("eval", "test")' in line]
    state = {"tested": False, "looped": False, "sent": False}
    real = finetune_module.predict

    def predict(*args, **kwargs):
        result = real(*args, **kwargs)
        state["tested"] = True  # the last scoring result, handed back
        return result

    def local(frame, event, _arg):
        if event == "line" and state["tested"] and not state["sent"]:
            if frame.f_lineno == loop:
                state["looped"] = True
            elif state["looped"]:
                state["sent"] = True
                _ctrl_c()
        return local

    def calls(frame, _event, _arg):
        return local if frame.f_code is code else None

    monkeypatch.setattr(finetune_module, "predict", predict)
    return calls


@pytest.mark.parametrize("first", [False, True])
def test_ctrl_c_between_the_scoring_and_the_save_keeps_the_epoch(
    shapes_project,  # noqa: F811
    backbone,
    monkeypatch,
    first,
):
    """``first``: a first Ctrl+C stopped the training in epoch 2; else the run finished."""
    tracer = _ctrl_c_as_scoring_ends(monkeypatch)
    said: list[str] = []

    def progress(p):
        said.append(p.message)
        if first:
            _interrupt_in_epoch(2)(p)

    params = FinetuneParams(epochs=3 if first else 1, batch_size=4, image_size=64)
    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        with pytest.raises(KeyboardInterrupt) as stopped:
            finetune(shapes_project, params, progress=progress, base=backbone)
    finally:
        sys.settrace(previous)
    (version,) = list_versions(shapes_project)
    assert [e["epoch"] for e in version.metrics["history"]] == [1]
    path = shapes_project.path / version.checkpoint
    assert path.is_file() and not (path.parent / RUN_MARKER).exists()
    assert SAVING in said
    assert f"version {version.id} keeps epoch 1 of {params.epochs}" in _note(stopped)


@pytest.mark.parametrize("first", [False, True])
def test_ctrl_c_while_the_decode_workers_close_after_the_save_says_what_was_kept(
    shapes_project,  # noqa: F811
    backbone,
    monkeypatch,
    first,
):
    real = TrainingImages.close

    def close(self):
        _ctrl_c()
        real(self)

    monkeypatch.setattr(TrainingImages, "close", close)
    progress = _interrupt_in_epoch(2) if first else (lambda p: None)
    params = FinetuneParams(epochs=3 if first else 1, batch_size=4, image_size=64)
    with pytest.raises(KeyboardInterrupt) as stopped:
        finetune(shapes_project, params, progress=progress, base=backbone)
    (version,) = list_versions(shapes_project)
    assert version.status == ("cancelled" if first else "complete")
    assert (shapes_project.path / version.checkpoint).is_file()
    assert f"version {version.id} keeps epoch 1 of {params.epochs}" in _note(stopped)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
