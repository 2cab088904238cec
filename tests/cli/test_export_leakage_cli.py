"""`labeldesk export` says how many val/test images it wrote have a copy in its train
split, what was checked, and where to see them; --json carries the same under
``leakage`` beside the contract's keys. The export is written all the same."""

from __future__ import annotations

import json
import shutil

from helpers import make_imagefolder

from labeldesk.cli import main

COPY = "test/cat/copy_of_cat0.jpg"


def _project(tmp_path, capsys, *, copy: bool = True) -> str:
    root = tmp_path / "images"
    make_imagefolder(root)
    if copy:
        shutil.copy(root / "train/cat/cat0.jpg", root / COPY)
    proj = str(tmp_path / "proj")
    assert main(["new", proj, "--images", str(root), "--workers", "1", "--json"]) == 0
    capsys.readouterr()
    return proj


def test_the_text_output_names_the_leak_and_how_to_see_it(tmp_path, capsys):
    proj = _project(tmp_path, capsys)
    assert main(["export", proj, str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if x.startswith("leakage:"))
    assert line.startswith(
        "leakage: 1 of the 9 val/test images (test 1) has a copy in train (1 exact copy)"
    )
    assert f"`labeldesk duplicates {proj}` shows the copies" in line
    assert "checked: exact copies only, not near duplicates (the images have no embeddings" in line
    assert (tmp_path / "out" / COPY).is_file()  # a warning, not a refusal


def test_near_duplicates_not_checked_for_want_of_embeddings_names_the_command(tmp_path, capsys):
    """The line said why near duplicates were not checked ("the images have no
    embeddings") and stopped; the app says what to do, the command line names its command
    (the words before it are kept, for a script that looks for them)."""
    proj = _project(tmp_path, capsys)
    assert main(["export", proj, str(tmp_path / "out")]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("leakage:"))
    assert line.endswith(
        "checked: exact copies only, not near duplicates (the images have no embeddings: "
        f"run `labeldesk embed {proj}` and export again)"
    )


def test_json_adds_leakage_and_keeps_the_other_keys(tmp_path, capsys):
    proj = _project(tmp_path, capsys)
    assert main(["export", proj, str(tmp_path / "out"), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    for key in ("out", "format", "written", "left_out", "per_split", "failed", "made_splits"):
        assert key in data
    assert data["written"] == 17
    assert data["leakage"] == {
        "checked": ["exact"],
        "images": 1,
        "exact": 1,
        "near": None,
        "near_not_checked": "the images have no embeddings",
        "per_split": {"test": 1},
        "held_out": 9,
        "paths": [COPY],
        "not_embedded": None,  # (near duplicates not checked)
    }


def test_an_export_without_copies_says_none_leak(tmp_path, capsys):
    proj = _project(tmp_path, capsys, copy=False)
    assert main(["export", proj, str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "leakage: no val/test image (8 written) has a copy in train; checked:" in out


def test_made_splits_leave_no_copy_across_train_and_test(tmp_path, capsys):
    proj = _project(tmp_path, capsys)
    args = ["export", proj, str(tmp_path / "out"), "--make-splits", "50/25/25", "--json"]
    assert main(args) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["made_splits"]["groups_kept_together"] == 1
    assert data["leakage"]["images"] == 0


def test_an_export_of_train_only_says_nothing_of_leakage(tmp_path, capsys):
    proj = _project(tmp_path, capsys)
    args = ["export", proj, str(tmp_path / "out"), "--make-splits", "100/0/0"]
    assert main(args) == 0
    assert "leakage" not in capsys.readouterr().out
