"""`labeldesk queue` offers images whose labels train the model (train split, or no split
folder); val and test images come with --all-splits, and when they are all that is left
unlabeled it says so rather than "nothing left to label"."""

from __future__ import annotations

import json

from ml.fake_embeddings import make_folder_project

from labeldesk.cli import main


def _queue(capsys, project, *args: str) -> tuple[list[dict], str]:
    assert main(["queue", str(project.path), *args, "--json"]) == 0
    out = capsys.readouterr()
    return json.loads(out.out), out.err


def test_queue_offers_train_images_and_notes_the_others(tmp_path, capsys):
    project = make_folder_project(tmp_path, {"train/_unlabeled": 4, "test/_unlabeled": 4})
    project.close()
    rows, err = _queue(capsys, project, "-n", "50")
    assert len(rows) == 12 and all(r["path"].startswith("train/") for r in rows)
    assert all(set(r) == {"path", "predicted", "score", "split"} for r in rows)  # contract
    assert "12 images in test have no label and are not offered" in err
    assert "--all-splits" in err
    rows, err = _queue(capsys, project, "-n", "50", "--all-splits")
    assert len(rows) == 24 and sum(r["path"].startswith("test/") for r in rows) == 12
    assert "not offered" not in err


def test_an_empty_train_pool_is_said_plainly(tmp_path, capsys):
    project = make_folder_project(tmp_path, {"train/ant": 2, "test/_unlabeled": 2})
    project.close()
    rows, _ = _queue(capsys, project)
    assert rows == []
    assert main(["queue", str(project.path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("nothing left to label in the train split; 6 images in test have")
    assert f"`labeldesk queue {project.path} --all-splits` offers them" in out
    rows, _ = _queue(capsys, project, "--all-splits", "-n", "3")
    assert len(rows) == 3 and all(r["path"].startswith("test/") for r in rows)
