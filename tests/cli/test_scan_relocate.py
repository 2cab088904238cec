"""``scan --images NEW`` says the image folder moved: a folder holding none of the
project's images (a typo, another dataset) is refused before anything changes, unless
``--force``; one image found there, by path or by content, is enough."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from helpers import write_image

from labeldesk.cli import main
from labeldesk.core.project import open_project


def _folder(root: Path, classes: dict[str, int], seed: int) -> Path:
    for name, n in classes.items():
        for i in range(n):
            write_image(root / name / f"{name}{i}.png", fmt="PNG", seed=seed)
            seed += 1
    return root


@pytest.fixture
def project(tmp_path: Path) -> Path:
    _folder(tmp_path / "pets", {"cat": 3, "dog": 3}, seed=0)
    assert main(["new", str(tmp_path / "p"), "--images", str(tmp_path / "pets")]) == 0
    return tmp_path / "p"


def _state(path: Path) -> tuple[str | None, list[tuple]]:
    with open_project(path) as project:
        rows = project.db.query("SELECT path, label, removed_at IS NULL FROM images ORDER BY path")
        return project.db.get_meta("image_root"), [tuple(r) for r in rows]


def test_a_folder_with_none_of_the_images_is_refused_and_nothing_changes(tmp_path, project, capsys):
    other = _folder(tmp_path / "fashion", {"shirt": 4, "coat": 2}, seed=100)
    capsys.readouterr()
    before = _state(project)
    assert main(["scan", str(project), "--images", str(other), "--json"]) == 1
    error = json.loads(capsys.readouterr().out)
    assert error["kind"] == "ImageRootError"
    assert "none of the project's 6 images are in" in error["error"]
    assert f"still uses {tmp_path / 'pets'}" in error["error"]
    assert "--force" in error["error"]
    assert _state(project) == before
    with open_project(project) as p:
        assert p.classes() == ["cat", "dog"]

    # --force goes on anyway; pointing back is a move again (the removed images are found).
    assert main(["scan", str(project), "--images", str(other), "--force", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["removed"] == 6 and data["images"] == 6
    assert main(["scan", str(project), "--images", str(tmp_path / "pets"), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["added"] == 6 and data["classes"]["cat"] == 3


def test_one_image_found_by_path_or_by_content_is_a_move(tmp_path, project, capsys):
    moved = tmp_path / "moved"
    shutil.copytree(tmp_path / "pets", moved)
    shutil.rmtree(moved / "dog")
    (moved / "cat" / "cat0.png").unlink()  # two of six are still at their path
    assert main(["scan", str(project), "--images", str(moved), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["images"], data["removed"]) == (2, 4)

    renamed = _folder(tmp_path / "renamed", {"x": 3}, seed=200)
    shutil.copy2(tmp_path / "pets" / "dog" / "dog1.png", renamed / "x" / "other-name.png")
    assert main(["scan", str(project), "--images", str(renamed), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["moved"] == 1


def test_the_core_rule_refuses_too(tmp_path, project):
    from labeldesk.core.relocation import NotTheImageFolder

    other = _folder(tmp_path / "other", {"a": 1}, seed=300)
    with open_project(project) as p:
        with pytest.raises(NotTheImageFolder) as caught:
            p.relocate(other)
        assert caught.value.images == 6
        assert p.root == (tmp_path / "pets").resolve()
        p.relocate(other, force=True)
        assert p.root == other.resolve()
