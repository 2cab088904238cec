"""`train --mode finetune` says how many labels are flagged as likely wrong before and
after its re-embedding (when the count before was cached): a line in its text and
``"flags"`` in its JSON."""

from __future__ import annotations

import json

from ml.fake_embeddings import make_clustered_project

from labeldesk.cli import main
from labeldesk.core.progress import Progress

from .test_finetune_helped import _fake_finetune


def _counted(before: int, after: int):
    def fake(project, params, *, progress, **kwargs):
        version = _fake_finetune(project, params, **kwargs)
        progress(Progress(0, 0, "counting", {"flags": {"before": before, "after": after}}))
        return version

    return fake


def _train(tmp_path, monkeypatch, fake, *options):
    project, _ = make_clustered_project(tmp_path)
    path = project.path
    project.close()
    monkeypatch.setattr("labeldesk.ml.finetune.finetune_and_reembed", fake)
    return main(["train", str(path), "--mode", "finetune", "--device", "cpu", *options])


def test_train_says_the_flag_count_before_and_after(tmp_path, capsys, monkeypatch):
    assert _train(tmp_path, monkeypatch, _counted(12, 9)) == 0
    out = capsys.readouterr().out
    assert "likely mislabels flagged: 12 before the fine-tune, 9 with its embeddings" in out


def test_train_json_has_the_flag_count_before_and_after(tmp_path, capsys, monkeypatch):
    assert _train(tmp_path, monkeypatch, _counted(12, 9), "--json") == 0
    assert json.loads(capsys.readouterr().out)["flags"] == {"before": 12, "after": 9}


def test_nothing_is_said_when_it_was_not_counted(tmp_path, capsys, monkeypatch):
    assert _train(tmp_path, monkeypatch, _fake_finetune) == 0
    assert "flagged" not in capsys.readouterr().out


def test_json_says_null_when_it_was_not_counted(tmp_path, capsys, monkeypatch):
    assert _train(tmp_path, monkeypatch, _fake_finetune, "--json") == 0
    assert json.loads(capsys.readouterr().out)["flags"] is None
