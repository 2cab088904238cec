"""`labeldesk duplicates` lists at most --limit groups in its text (default 50) and says
how many more there are; it used to stop at 50 without a word. --json has every group."""

from __future__ import annotations

import json
import shutil

from helpers import make_imagefolder

from labeldesk.cli import main


def _project_with_three_copied_pictures(tmp_path, capsys) -> str:
    root = tmp_path / "images"
    make_imagefolder(root)
    for i in range(3):  # three pictures, each with an exact copy: three groups
        shutil.copy(root / f"train/cat/cat{i}.jpg", root / f"train/cat/copy{i}.jpg")
    proj = str(tmp_path / "proj")
    assert main(["new", proj, "--images", str(root), "--workers", "1", "--json"]) == 0
    capsys.readouterr()
    return proj


def _groups_listed(out: str) -> int:
    return sum(" · exact (" in line for line in out.splitlines())


def test_the_text_says_how_many_groups_it_did_not_list(tmp_path, capsys):
    proj = _project_with_three_copied_pictures(tmp_path, capsys)
    assert main(["duplicates", proj, "--limit", "2"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("3 duplicate groups (3 exact")
    assert _groups_listed(out) == 2
    assert "… and 1 more group (--limit 0 lists every group; --json has them all)" in out


def test_limit_0_lists_every_group_and_json_has_them_all(tmp_path, capsys):
    proj = _project_with_three_copied_pictures(tmp_path, capsys)
    assert main(["duplicates", proj, "--limit", "0"]) == 0
    out = capsys.readouterr().out
    assert _groups_listed(out) == 3 and "more group" not in out
    assert main(["duplicates", proj, "--limit", "1", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["groups"]) == 3


def test_the_default_lists_all_when_there_are_few(tmp_path, capsys):
    proj = _project_with_three_copied_pictures(tmp_path, capsys)
    assert main(["duplicates", proj]) == 0
    out = capsys.readouterr().out
    assert _groups_listed(out) == 3 and "more group" not in out
