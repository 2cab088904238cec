"""`labeldesk models --compare A B` scores classifier heads on the frozen test set. Given
a fine-tune (a plausible try after `train --mode finetune`), it printed "on 0 images of
the frozen test set", an accuracy of "-" beside a macro-F1 and a McNemar p of 1, with no
word of why; it now refuses, naming the version and what to compare instead, as `--pin`
refuses a version that is not a head."""

from __future__ import annotations

import json
import shlex

from labeldesk.cli import main
from labeldesk.ml.model_choice import train_and_choose
from labeldesk.ml.models import record_version
from labeldesk.ml.train import HeadParams

from .fake_embeddings import OVERLAPPING, make_overlapping_project


def _a_head_and_a_fine_tune(tmp_path):
    """A project with a head and a (recorded, weightless) fine-tune: its path and both."""
    project = make_overlapping_project(tmp_path)
    try:
        head, _ = train_and_choose(project, HeadParams(epochs=5))
        tuned = record_version(
            project,
            kind="finetune",
            status="complete",
            label_event_id=head.label_event_id,
            embedding_key=None,
            params={},
            metrics={},
            checkpoint=None,
        )
        return str(project.path), head, tuned
    finally:
        project.close()


def test_comparing_a_fine_tune_is_refused_with_the_reason(tmp_path, capsys):
    path, head, tuned = _a_head_and_a_fine_tune(tmp_path)
    capsys.readouterr()
    assert main(["models", path, "--compare", str(head.id), str(tuned.id)]) == 1
    err = capsys.readouterr().err
    assert f"model version {tuned.id} is a fine-tune, not a classifier head" in err
    assert f"labeldesk train {shlex.quote(path)} --mode head" in err  # the project as typed
    assert main(["models", path, "--compare", str(tuned.id), str(head.id), "--json"]) == 1
    error = json.loads(capsys.readouterr().out)
    assert (
        error["kind"] == "LabelDeskError" and f"version {tuned.id} is a fine-tune" in error["error"]
    )
    # two heads still compare
    assert main(["models", path, "--compare", str(head.id), str(head.id)]) == 0


def test_a_comparison_on_no_image_says_why(tmp_path, capsys):
    project = make_overlapping_project(tmp_path)
    try:
        head, _ = train_and_choose(project, HeadParams(epochs=5))
        for name in OVERLAPPING:  # every test image's class removed since
            project.remove_class(name)
        path = str(project.path)
    finally:
        project.close()
    capsys.readouterr()
    assert main(["models", path, "--compare", str(head.id), str(head.id)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("on 0 images of the frozen test set")
    assert f"no test image could be scored by both: #{head.id}: class removed since (" in out


def test_train_finetune_says_which_head_is_in_use_afterwards(tmp_path, capsys, monkeypatch):
    """`train --mode head` ends with an "in use:" line; a fine-tune, which re-embeds (so
    the heads of the old embeddings stop predicting), said nothing of it."""
    from labeldesk.ml import finetune as finetune_module

    path, head, tuned = _a_head_and_a_fine_tune(tmp_path)
    monkeypatch.setattr(finetune_module, "finetune_and_reembed", lambda *a, **k: tuned)
    capsys.readouterr()
    assert main(["train", path, "--mode", "finetune"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(f"#{tuned.id} finetune ")
    assert lines[1] == f"in use: #{head.id} (the first head trained on these embeddings)"
    assert main(["train", path, "--mode", "finetune", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["in_use"] is False and data["head_in_use"] == head.id


def test_pinning_a_fine_tune_says_why_not_and_what_to_pin(tmp_path, capsys):
    """`--pin` of a fine-tune said "is not a complete classifier head": it is complete,
    and nothing said what to pin instead; a missing version named no list."""
    path, _, tuned = _a_head_and_a_fine_tune(tmp_path)
    capsys.readouterr()
    assert main(["models", path, "--pin", str(tuned.id)]) == 1
    err = capsys.readouterr().err
    assert f"model version {tuned.id} is a fine-tune, not a classifier head" in err
    assert "only a head can be pinned" in err and "--mode head" in err
    assert "complete" not in err
    assert main(["models", path, "--pin", "99"]) == 1
    error = capsys.readouterr().err
    assert f"no model version 99 (`labeldesk models {shlex.quote(path)}` lists them)" in error
