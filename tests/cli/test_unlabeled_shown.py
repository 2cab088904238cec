"""An unlabeled image reads `[unlabeled]` in every command's text output (`similar`,
`outliers` and `duplicates` showed `[-]`, `predict` and `drift` `[unlabeled]`); a
duplicate not in a split reads `no split`, as drift says it."""

from __future__ import annotations

import shutil

from helpers import make_imagefolder
from ml.fake_embeddings import make_clustered_project

from labeldesk.cli import main


def _lines_of_unlabeled(out: str) -> list[str]:
    return [line for line in out.splitlines()[1:] if "_unlabeled/" in line]  # (not the head)


def test_similar_and_outliers_say_unlabeled(tmp_path, capsys):
    project, _ = make_clustered_project(tmp_path)
    path = str(project.path)
    project.close()
    assert main(["similar", path, "_unlabeled/u0.png", "-k", "100"]) == 0
    lines = _lines_of_unlabeled(capsys.readouterr().out)
    assert lines and all(line.endswith("  [unlabeled]") for line in lines)
    assert main(["outliers", path, "-n", "1000"]) == 0  # (no head line)
    lines = [line for line in capsys.readouterr().out.splitlines() if "_unlabeled/" in line]
    assert lines and all(line.endswith("  [unlabeled]") for line in lines)


def test_duplicates_say_unlabeled_and_no_split(tmp_path, capsys):
    root = tmp_path / "images"
    make_imagefolder(root)
    shutil.copy(root / "_unlabeled/u0.png", root / "_unlabeled/copy.png")
    proj = str(tmp_path / "proj")
    assert main(["new", proj, "--images", str(root), "--workers", "1", "--json"]) == 0
    capsys.readouterr()
    assert main(["duplicates", proj]) == 0
    lines = _lines_of_unlabeled(capsys.readouterr().out)
    assert lines == [
        "  _unlabeled/copy.png  [no split / unlabeled]",
        "  _unlabeled/u0.png  [no split / unlabeled]",
    ]
