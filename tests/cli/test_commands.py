from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import make_imagefolder, make_messy_folder

from labeldesk.cli import main


def run_json(capsys, *args: str):
    code = main([*args, "--json"])
    out = capsys.readouterr()
    assert code == 0, out.err
    return json.loads(out.out)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    root = tmp_path / "images"
    make_imagefolder(root)
    return root


def test_new_and_scan_follow_the_json_contract(tmp_path, root, capsys):
    data = run_json(
        capsys,
        "new",
        str(tmp_path / "p"),
        "--images",
        str(root),
        "--classes",
        "dog,cat,bird",
        "--workers",
        "1",
    )
    assert data["images"] == 19 and data["labeled"] == 16
    assert data["classes"] == {"dog": 8, "cat": 8, "bird": 0}  # given order, defined-only kept
    assert (data["added"], data["removed"], data["changed"], data["skipped"]) == (19, 0, 0, [])

    (root / "train/cat/cat0.jpg").unlink()
    data = run_json(capsys, "scan", str(tmp_path / "p"))
    assert (data["added"], data["removed"], data["images"]) == (0, 1, 18)


def test_a_backslash_puts_a_comma_inside_a_class_name(tmp_path, root, capsys):
    proj = str(tmp_path / "p")
    data = run_json(capsys, "new", proj, "--images", str(root), "--classes", r"dog,bird\, small")
    assert list(data["classes"])[:2] == ["dog", "bird, small"]
    run_json(capsys, "classes", proj, "--add", r"fox\, red,owl")
    names = list(run_json(capsys, "classes", proj)["classes"])
    assert {"bird, small", "fox, red", "owl"} <= set(names) and "fox" not in names


def test_skipped_files_are_listed_with_reasons(tmp_path, capsys):
    messy = tmp_path / "messy"
    bad = make_messy_folder(messy)
    data = run_json(capsys, "new", str(tmp_path / "p"), "--images", str(messy))
    reasons = {s["path"]: s["reason"] for s in data["skipped"]}
    assert set(reasons) == set(bad)
    assert data["images"] == 13  # usable only


def test_label_single_csv_undo_and_history(tmp_path, root, capsys):
    proj = str(tmp_path / "p")
    run_json(capsys, "new", proj, "--images", str(root))
    one = run_json(capsys, "label", proj, "_unlabeled/u0.png", "dog")
    assert one == {"applied": 1, "batch": one["batch"]} and isinstance(one["batch"], int)
    csv = tmp_path / "l.csv"
    csv.write_text("path,label\n_unlabeled/u1.png,cat\n_unlabeled/u2.png,cat\n")
    assert run_json(capsys, "label", proj, "--csv", str(csv)) == {
        "applied": 2,
        "batch": one["batch"] + 1,
        "status_note": "",
        "changed": {"labels": 2, "labels_removed": 0, "splits": 0, "statuses": 0},
        "unchanged": 0,
        "old_class_names": {},
        "skipped_files": [],
    }
    history = run_json(capsys, "history", proj, "-n", "3")
    assert [h["path"] for h in history] == [
        "_unlabeled/u2.png",
        "_unlabeled/u1.png",
        "_unlabeled/u0.png",
    ]
    assert run_json(capsys, "undo", proj)["events"] == 2
    stats = run_json(capsys, "stats", proj)
    assert stats["labeled"] == 17 and stats["unlabeled"] == 2


def test_two_authors_undo_takes_back_only_the_callers_newest_batch(
    tmp_path, root, capsys, monkeypatch
):
    proj = str(tmp_path / "p")
    run_json(capsys, "new", proj, "--images", str(root))
    monkeypatch.setenv("LABELDESK_USER", "alice")
    run_json(capsys, "label", proj, "_unlabeled/u0.png", "dog")
    monkeypatch.setenv("LABELDESK_USER", "bob")
    run_json(capsys, "label", proj, "_unlabeled/u1.png", "cat")
    monkeypatch.setenv("LABELDESK_USER", "alice")
    undone = run_json(capsys, "undo", proj)
    assert undone["author"] == "alice" and undone["paths"] == ["_unlabeled/u0.png"]
    history = run_json(capsys, "history", proj, "-n", "5")
    latest = {}
    for event in reversed(history):  # oldest first: the newest value wins
        latest[event["path"]] = event["new"]
    assert latest["_unlabeled/u0.png"] is None and latest["_unlabeled/u1.png"] == "cat"


def test_errors_are_one_clear_line_and_exit_non_zero(tmp_path, root, capsys):
    proj = str(tmp_path / "p")
    run_json(capsys, "new", proj, "--images", str(root))
    assert main(["label", proj, "no/such.jpg", "dog"]) == 1
    assert "not in the project: no/such.jpg" in capsys.readouterr().err
    assert main(["label", proj, "_unlabeled/u0.png", "fox"]) == 1
    assert "unknown class" in capsys.readouterr().err
    assert main(["new", proj, "--images", str(root)]) == 1
    assert "already exists" in capsys.readouterr().err
    assert main(["stats", str(tmp_path)]) == 1
    assert "not a LabelDesk project" in capsys.readouterr().err


def test_stats_text_output(tmp_path, root, capsys):
    proj = str(tmp_path / "p")
    run_json(capsys, "new", proj, "--images", str(root))
    assert main(["stats", proj]) == 0
    text = capsys.readouterr().out
    assert "images 19" in text and "cat" in text and "imbalance" in text


def test_python_dash_m_entry_point(tmp_path, root):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "labeldesk",
            "new",
            str(tmp_path / "p"),
            "--images",
            str(root),
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["images"] == 19


def test_queue_help_names_every_registered_strategy():
    """The help text lists strategies by hand (importing them would slow `--help`)."""
    from labeldesk.cli import build_parser
    from labeldesk.ml.strategies import STRATEGIES

    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    strategy = next(a for a in sub.choices["queue"]._actions if a.dest == "strategy")
    assert set(STRATEGIES) <= {
        s.strip(" ,()") for s in strategy.help.replace("(default)", "").split()
    }
