"""Ctrl+C (or SIGTERM, or a notebook's interrupt) during a fine-tune keeps the last
finished epoch, as Cancel does, and still stops the command."""

from __future__ import annotations

import json
import signal

import pytest

from labeldesk.ml.backbones import load_backbone
from labeldesk.ml.finetune import SAVING, FinetuneParams, finetune
from labeldesk.ml.models import RUN_MARKER, list_versions

from .signal_child import IN_A_CHILD
from .test_training import shapes_project  # noqa: F401 (a fixture)

pytestmark = IN_A_CHILD


def _interrupt_in_epoch(epoch: int):
    def progress(p):
        if p.data and p.data.get("epoch") == epoch and "eval_accuracy" not in p.data:
            raise KeyboardInterrupt

    return progress


def test_ctrl_c_after_an_epoch_keeps_it_as_a_cancelled_version(shapes_project, backbone):  # noqa: F811
    params = FinetuneParams(epochs=3, batch_size=4, image_size=64)
    with pytest.raises(KeyboardInterrupt) as stopped:
        finetune(shapes_project, params, progress=_interrupt_in_epoch(2), base=backbone)
    (version,) = list_versions(shapes_project)
    assert version.kind == "finetune" and version.status == "cancelled"
    assert [e["epoch"] for e in version.metrics["history"]] == [1]
    assert version.metrics["eval"]["n"] == 4  # scored, as a cancelled run is
    path = shapes_project.path / version.checkpoint
    assert json.loads(path.with_suffix(".json").read_text())["epoch"] == 1
    note = " ".join(getattr(stopped.value, "__notes__", []))
    assert f"version {version.id} keeps epoch 1 of 3" in note
    assert "--mode finetune" in note  # how to go on from it
    # the next run starts from it
    again = finetune(shapes_project, FinetuneParams(epochs=1, batch_size=4, image_size=64))
    assert "-ft-" in again.params["base"]


def test_ctrl_c_in_the_first_epoch_keeps_nothing_and_says_so(shapes_project, backbone):  # noqa: F811
    params = FinetuneParams(epochs=3, batch_size=4, image_size=64)
    with pytest.raises(KeyboardInterrupt) as stopped:
        finetune(shapes_project, params, progress=_interrupt_in_epoch(1), base=backbone)
    assert list_versions(shapes_project) == []
    assert not list((shapes_project.path / "models").glob("*-finetune"))
    note = " ".join(getattr(stopped.value, "__notes__", []))
    assert "before its first epoch finished" in note


def _interrupted_while_scoring(monkeypatch):
    """Ctrl+C while the run scores the epoch it keeps (classification_report is called
    only there, after the training)."""

    def stopped(*_a, **_k):
        raise KeyboardInterrupt

    monkeypatch.setattr("labeldesk.ml.finetune.classification_report", stopped)


def test_a_second_ctrl_c_while_the_kept_epoch_is_scored_still_keeps_it(
    shapes_project,  # noqa: F811
    backbone,
    monkeypatch,
):
    """The first Ctrl+C stops the training and keeps epoch 1; a second one while that
    epoch is scored skipped the rest of the scoring and dropped the epoch too."""
    _interrupted_while_scoring(monkeypatch)
    said: list[str] = []

    def progress(p):
        said.append(p.message)
        _interrupt_in_epoch(2)(p)

    params = FinetuneParams(epochs=3, batch_size=4, image_size=64)
    with pytest.raises(KeyboardInterrupt) as stopped:
        finetune(shapes_project, params, progress=progress, base=backbone)
    (version,) = list_versions(shapes_project)
    assert version.status == "cancelled"
    assert [e["epoch"] for e in version.metrics["history"]] == [1]
    assert version.metrics["scoring_interrupted"] is True
    assert (shapes_project.path / version.checkpoint).is_file()
    assert any("Ctrl+C again skips the scoring; the epoch is kept" in m for m in said)
    note = " ".join(getattr(stopped.value, "__notes__", []))
    accuracy = version.metrics["history"][0]["eval_accuracy"]
    assert (
        f"version {version.id} keeps epoch 1 of 3 (val accuracy {accuracy:.0%}; "
        "not scored on test: interrupted while scoring)"
    ) in note


def test_ctrl_c_while_a_finished_run_is_scored_keeps_its_last_epoch(
    shapes_project,  # noqa: F811
    backbone,
    monkeypatch,
):
    """All epochs trained: Ctrl+C during the closing scores lost the whole run."""
    _interrupted_while_scoring(monkeypatch)
    params = FinetuneParams(epochs=1, batch_size=4, image_size=64)
    with pytest.raises(KeyboardInterrupt) as stopped:
        finetune(shapes_project, params, base=backbone, then_embed=True)
    (version,) = list_versions(shapes_project)
    assert version.status == "cancelled"  # not re-embedded: the project keeps its own
    assert (shapes_project.path / version.checkpoint).is_file()
    note = " ".join(getattr(stopped.value, "__notes__", []))
    assert f"version {version.id} keeps epoch 1 of 1" in note


# Ctrl+C while the result is written to the project. A real SIGINT (not a raised
# KeyboardInterrupt) is sent at each point: before anything is written (the tuned model is
# loaded for its identity), inside the transaction that records the version, and after it
# (the run folder's marker is removed). It lost the kept epoch at the first two (the
# transaction rolled back, the folder deleted), and at the third left a recorded version
# whose folder had been deleted.
def _ctrl_c_at(point: str, monkeypatch) -> None:
    import os
    import signal

    def ctrl_c() -> None:
        os.kill(os.getpid(), signal.SIGINT)

    if point == "unlink":
        real_unlink = os.unlink

        def unlink(path, *args, **kwargs):
            if os.path.basename(os.fsdecode(path)) == RUN_MARKER:
                ctrl_c()
            return real_unlink(path, *args, **kwargs)

        monkeypatch.setattr(os, "unlink", unlink)
        return
    target = {
        "load": "labeldesk.ml.finetune.load_backbone",
        "transaction": "labeldesk.core.model_versions.version_for_model",
    }[point]
    module, name = target.rsplit(".", 1)
    import importlib

    real = getattr(importlib.import_module(module), name)

    def wrapped(*args, **kwargs):
        ctrl_c()
        return real(*args, **kwargs)

    monkeypatch.setattr(target, wrapped)


def _whole(project, version) -> None:
    """The version's model loads, and its folder holds nothing but its files."""
    path = project.path / version.checkpoint
    load_backbone(str(path))
    assert not (path.parent / RUN_MARKER).exists()
    assert sorted(p.name for p in (project.path / "models").iterdir()) == [path.parent.name]


@pytest.mark.parametrize("point", ["load", "transaction", "unlink"])
def test_ctrl_c_again_while_the_kept_epoch_is_saved_neither_loses_nor_half_writes_it(
    shapes_project,  # noqa: F811
    backbone,
    monkeypatch,
    capfd,
    point,
):
    _ctrl_c_at(point, monkeypatch)
    said: list[str] = []

    def progress(p):
        said.append(p.message)
        _interrupt_in_epoch(2)(p)  # the first Ctrl+C

    params = FinetuneParams(epochs=3, batch_size=4, image_size=64)
    with pytest.raises(KeyboardInterrupt) as stopped:
        finetune(shapes_project, params, progress=progress, base=backbone)
    (version,) = list_versions(shapes_project)
    assert version.status == "cancelled"
    assert [e["epoch"] for e in version.metrics["history"]] == [1]
    _whole(shapes_project, version)
    assert SAVING in said
    assert "Ctrl+C again is ignored until it is saved" in capfd.readouterr().err
    note = " ".join(getattr(stopped.value, "__notes__", []))
    assert f"version {version.id} keeps epoch 1 of 3" in note
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # as it was


def test_ctrl_c_while_a_finished_run_is_saved_stops_before_its_re_embedding(
    shapes_project,  # noqa: F811
    backbone,
    monkeypatch,
):
    """Recorded whole, as a run to embed with next (a plain `embed` finishes it), and
    the command stops there."""
    from labeldesk.core.model_versions import awaiting_embeddings

    _ctrl_c_at("transaction", monkeypatch)
    params = FinetuneParams(epochs=1, batch_size=4, image_size=64)
    with pytest.raises(KeyboardInterrupt) as stopped:
        finetune(shapes_project, params, base=backbone, then_embed=True)
    (version,) = list_versions(shapes_project)
    assert version.status == "complete"
    assert awaiting_embeddings(shapes_project.db) == version.id
    _whole(shapes_project, version)
    note = " ".join(getattr(stopped.value, "__notes__", []))
    assert f"fine-tuned model version {version.id} is saved" in note
    assert "labeldesk embed" in note
