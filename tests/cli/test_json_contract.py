"""The `--json` shapes DESIGN.md's command line contract promises, in one place, on a
project with synthetic embeddings: the keys and types of each document, the order of
each list, paths relative to the image folder with `/`, and stdout holding the document
alone (anything else on stderr)."""

from __future__ import annotations

import json

import pytest

from labeldesk.cli import main


def _document(capsys: pytest.CaptureFixture[str], *argv: str) -> object:
    assert main([*argv, "--json"]) == 0
    out = capsys.readouterr().out
    return json.loads(out)  # one document, nothing else on stdout


def _relative(path: str) -> bool:
    return not path.startswith("/") and "\\" not in path and ":" not in path


def test_issues_and_issues_all(clustered_path, capsys):
    flagged = _document(capsys, "issues", clustered_path)
    every = _document(capsys, "issues", clustered_path, "--all")
    for rows in (flagged, every):
        assert all({"path", "label", "suggested", "score", "flagged"} <= set(r) for r in rows)
        scores = [r["score"] for r in rows]
        assert scores == sorted(scores) and all(0 <= s <= 1 for s in scores)
        assert all(_relative(r["path"]) and isinstance(r["flagged"], bool) for r in rows)
    assert len(every) == 105 and {r["path"] for r in flagged} <= {r["path"] for r in every}
    assert flagged and all(r["flagged"] for r in flagged)  # the planted mislabels


def test_predict_lists_every_image_and_similar_leaves_the_query_out(clustered_path, capsys):
    rows = _document(capsys, "predict", clustered_path)
    assert len(rows) == 115  # 90 train + 15 val + 10 unlabeled, all embedded
    assert all({"path", "predicted", "confidence"} <= set(r) for r in rows)
    assert all(0 <= r["confidence"] <= 1 and _relative(r["path"]) for r in rows)
    near = _document(capsys, "similar", clustered_path, "train/bee/bee3.png", "-k", "5")
    assert len(near) == 5 and all(set(r) >= {"path", "label", "score"} for r in near)
    assert "train/bee/bee3.png" not in [r["path"] for r in near]
    scores = [r["score"] for r in near]
    assert scores == sorted(scores, reverse=True)  # nearest first


def test_queue_and_models(clustered_path, capsys):
    queue = _document(capsys, "queue", clustered_path, "-n", "3")
    assert len(queue) == 3 and all(set(r) >= {"path", "predicted", "score"} for r in queue)
    assert all(r["path"].startswith("_unlabeled/") for r in queue)
    assert _document(capsys, "models", clustered_path) == []  # no model trained: an empty list
    stats = _document(capsys, "stats", clustered_path)
    assert (stats["images"], stats["labeled"]) == (115, 105)


def test_json_before_the_command_is_the_same_as_after(clustered_path, capsys):
    """`labeldesk --json stats P` said "unrecognized arguments: --json" (exit 2)."""
    after = _document(capsys, "stats", clustered_path)
    assert main(["--json", "stats", clustered_path]) == 0
    assert json.loads(capsys.readouterr().out) == after
    assert main(["--json", "stats"]) == 2  # and a usage error is a document too
    assert json.loads(capsys.readouterr().out)["kind"] == "UsageError"


def test_every_list_of_images_gives_each_images_split(clustered_path, capsys):
    """`issues`, `similar`, `outliers`, `queue` and `predict` list images; each row now says
    its split as `duplicates` (and `history`) did, under one key, so a script can keep the
    test images apart (`jq '.[] | select(.split == "test")'`) without parsing paths."""
    lists = {
        "issues": _document(capsys, "issues", clustered_path, "--all"),
        "similar": _document(capsys, "similar", clustered_path, "train/bee/bee3.png", "-k", "20"),
        "outliers": _document(capsys, "outliers", clustered_path, "-n", "0"),
        "queue": _document(capsys, "queue", clustered_path, "-n", "3", "--all-splits"),
        "predict": _document(capsys, "predict", clustered_path),
    }
    for command, rows in lists.items():
        assert rows, command
        for row in rows:
            top = row["path"].split("/")[0]
            expected = top if top in ("train", "val", "test") else None  # _unlabeled/: none
            assert row["split"] == expected, (command, row)
    assert {r["split"] for r in lists["issues"]} == {"train", "val"}
    assert {r["split"] for r in lists["predict"]} == {"train", "val", None}
