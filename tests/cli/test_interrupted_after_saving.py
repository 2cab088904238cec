"""Ctrl+C or SIGTERM landing after a command's write was committed (while it read back
what to print, or closed the project) said only "interrupted" (exit 130/143), as if
nothing were done, though the change was saved. Run again, an undo took back one more
batch than the person meant. Now the error says the change was saved and stays (with
--json: ``"saved": true``); stopped before its write, it says just "interrupted"."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from labeldesk.cli import Terminated, main
from labeldesk.core import labels


def label_of(project, path: str) -> str | None:
    frame = project.images()
    label = frame.loc[frame["path"] == path, "label"].iloc[0]
    return None if pd.isna(label) else str(label)


def _stop(signal_error: BaseException):
    def stop(*_args, **_kwargs):
        raise signal_error

    return stop


@pytest.mark.parametrize(("error", "code"), [(KeyboardInterrupt(), 130), (Terminated(), 143)])
def test_an_undo_stopped_after_its_commit_says_it_was_saved(
    project, capsys, monkeypatch, error, code
):
    path = str(project.path)
    project.set_label("_unlabeled/u0.png", "cat")
    # the undo is committed; reading back the paths it changed is stopped
    monkeypatch.setattr(labels, "where_it_was", _stop(error))
    assert main(["undo", path, "--json"]) == code
    document = json.loads(capsys.readouterr().out)
    assert document["kind"] == "Interrupted" and document["saved"] is True
    assert "already saved changes" in document["error"]
    assert f"`labeldesk history {path}`" in document["error"]
    assert label_of(project, "_unlabeled/u0.png") is None  # it was undone, as said


def test_an_undo_stopped_before_its_commit_says_only_interrupted(project, capsys, monkeypatch):
    path = str(project.path)
    project.set_label("_unlabeled/u0.png", "cat")
    monkeypatch.setattr(type(project), "undo", _stop(KeyboardInterrupt()))
    assert main(["undo", path, "--json"]) == 130
    assert json.loads(capsys.readouterr().out) == {"error": "interrupted", "kind": "Interrupted"}
    assert label_of(project, "_unlabeled/u0.png") == "cat"


def test_a_scan_stopped_after_some_batches_says_how_to_index_the_rest():
    from labeldesk.cli import SAVED_BEFORE_STOP, _stopped

    for command in ("new", "scan"):
        said = _stopped("terminated", KeyboardInterrupt(), saved=True, command=command)
        assert said.startswith("terminated; ")
        assert "`labeldesk scan PROJECT` indexes the rest" in said
        assert "history" not in said  # a scan changes no label or class
    assert _stopped("interrupted", KeyboardInterrupt(), saved=True, command="undo") == (
        f"interrupted; {SAVED_BEFORE_STOP}"
    )
    assert _stopped("interrupted", KeyboardInterrupt(), saved=False, command="new") == (
        "interrupted"
    )
