"""`labeldesk train --mode finetune` on a project with an image edited since the scan:
the run skips it (tests/ml/test_finetune_unreadable.py), and the command says so apart
from unreadable ones, with the scan command naming the project as typed, in its text
and in `--json`'s `metrics.failed`."""

from __future__ import annotations

import json

from ml.fake_embeddings import make_clustered_project, record_finetune

from labeldesk.cli import main
from labeldesk.ml.embed_decode import CHANGED, MISSING_FILE


def _fake_finetune(project, params, **_):
    """A fine-tune that skipped an edited image and a deleted one."""
    failed = [
        {"path": "a/edited.png", "reason": CHANGED},
        {"path": "b/gone.png", "reason": MISSING_FILE},
    ]
    return record_finetune(
        project, metrics={"history": [{"epoch": 1, "loss": 1.0}], "failed": failed}
    )


def test_train_names_images_changed_since_the_scan_apart(tmp_path, capsys, monkeypatch):
    project, _ = make_clustered_project(tmp_path)
    path = project.path
    project.close()
    monkeypatch.setattr("labeldesk.ml.finetune.finetune_and_reembed", _fake_finetune)

    assert main(["train", str(path), "--mode", "finetune", "--device", "cpu"]) == 0
    out = capsys.readouterr().out
    assert "1 unreadable image skipped, first b/gone.png" in out
    assert (
        f"1 image changed since the last scan skipped, first a/edited.png "
        f"(run `labeldesk scan {path}`)"
    ) in out

    assert main(["train", str(path), "--mode", "finetune", "--device", "cpu", "--json"]) == 0
    failed = json.loads(capsys.readouterr().out)["metrics"]["failed"]
    assert failed == [
        {
            "path": "a/edited.png",
            "reason": f"changed since the last scan; run `labeldesk scan {path}`",
        },
        {"path": "b/gone.png", "reason": MISSING_FILE},
    ]
