"""``scan --images NEW`` says the image folder moved: a folder holding none of the
project's images (a typo, another dataset), or fewer than half of them (a subset copied
elsewhere), is refused before anything changes, unless ``--force``; images found there
by path or by content count, and so do removed ones that would come back."""

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


def test_a_folder_with_most_images_by_path_or_by_content_is_a_move(tmp_path, project, capsys):
    moved = tmp_path / "moved"
    shutil.copytree(tmp_path / "pets", moved)
    (moved / "cat" / "cat0.png").unlink()
    (moved / "dog" / "dog2.png").unlink()  # four of six are still at their path
    assert main(["scan", str(project), "--images", str(moved), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["images"], data["removed"]) == (4, 2)

    renamed = tmp_path / "renamed"  # every file under another name: found by content
    for i, old in enumerate(sorted((tmp_path / "pets").rglob("*.png"))):
        (renamed / "x").mkdir(parents=True, exist_ok=True)
        shutil.copy2(old, renamed / "x" / f"other-{i}.png")
    assert main(["scan", str(project), "--images", str(renamed), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["moved"] == 6 and data["images"] == 6


def test_a_folder_with_few_of_the_images_is_refused_unless_forced(tmp_path, project, capsys):
    subset = tmp_path / "subset"  # a few images copied elsewhere, the rest not there
    shutil.copytree(tmp_path / "pets", subset)
    shutil.rmtree(subset / "dog")
    (subset / "cat" / "cat0.png").unlink()
    capsys.readouterr()
    before = _state(project)
    assert main(["scan", str(project), "--images", str(subset), "--json"]) == 1
    error = json.loads(capsys.readouterr().out)
    assert error["kind"] == "ImageRootError"
    assert "at most 2 of the project's 6 images are in" in error["error"]
    assert "would mark at least 4 images as removed" in error["error"]
    assert "--force" in error["error"]
    assert _state(project) == before

    assert main(["scan", str(project), "--images", str(subset), "--force", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["images"], data["removed"]) == (2, 4)
    # Pointing back is not "most images missing": the removed ones come back.
    assert main(["scan", str(project), "--images", str(tmp_path / "pets"), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["images"] == 6


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


def _copy_of_pets(tmp_path: Path, name: str) -> Path:
    return Path(shutil.copytree(tmp_path / "pets", tmp_path / name))


def test_another_dataset_with_the_same_file_names_is_refused(tmp_path, project, capsys):
    # Same folders and names, other pictures: taking it would leave every label and
    # "verified" mark on a picture nobody looked at.
    other = _folder(tmp_path / "other", {"cat": 3, "dog": 3}, seed=500)
    assert main(["label", str(project), "cat/cat0.png", "dog"]) == 0
    capsys.readouterr()
    before = _state(project)
    assert main(["scan", str(project), "--images", str(other), "--json"]) == 1
    error = json.loads(capsys.readouterr().out)
    assert error["kind"] == "ImageRootError"
    assert "looks like another dataset" in error["error"]
    assert "none of the 6 images" in error["error"]
    assert f"still uses {tmp_path / 'pets'}" in error["error"]
    assert "--force" in error["error"]
    assert _state(project) == before

    assert main(["scan", str(project), "--images", str(other), "--force", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["changed"] == 6


def test_a_folder_with_most_images_edited_is_refused_with_the_reason(tmp_path, project, capsys):
    moved = _copy_of_pets(tmp_path, "moved")
    for i, rel in enumerate(["cat/cat0.png", "cat/cat1.png", "dog/dog0.png", "dog/dog1.png"]):
        write_image(moved / rel, fmt="PNG", seed=700 + i)  # re-encoded
    capsys.readouterr()
    assert main(["scan", str(project), "--images", str(moved), "--json"]) == 1
    message = json.loads(capsys.readouterr().out)["error"]
    assert "only 2 of the 6 images" in message
    assert "edited" in message and "--force" in message
    with open_project(project) as p:
        assert p.root == (tmp_path / "pets").resolve()

    # A few edited or gone: still a move, and the scan reports them.
    moved = _copy_of_pets(tmp_path, "few")
    write_image(moved / "cat" / "cat1.png", fmt="PNG", seed=900)
    (moved / "dog" / "dog2.png").unlink()
    assert main(["scan", str(project), "--images", str(moved), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["changed"], data["removed"], data["images"]) == (1, 1, 5)


def test_the_sample_is_spread_across_the_index(tmp_path):
    # 80 images; the first half (by path) are the project's, the rest other pictures:
    # a sample of the first paths alone would call it a move.
    _folder(tmp_path / "pets", {"a": 40, "b": 40}, seed=0)
    assert main(["new", str(tmp_path / "p"), "--images", str(tmp_path / "pets")]) == 0
    mixed = _copy_of_pets(tmp_path, "mixed")
    for i in range(40):
        write_image(mixed / "b" / f"b{i}.png", fmt="PNG", seed=2000 + i)
    for i in range(10):
        write_image(mixed / "a" / f"a{i}.png", fmt="PNG", seed=3000 + i)
    from labeldesk.core.relocation import OtherDataset

    with open_project(tmp_path / "p") as p, pytest.raises(OtherDataset) as caught:
        p.relocate(mixed)
    assert 0 < caught.value.matched < caught.value.sampled / 2


def test_a_folder_one_level_too_high_is_refused(tmp_path, project, capsys):
    # data/img/cat/...: every image would be moved into the one class "img".
    shutil.copytree(tmp_path / "pets", tmp_path / "data" / "img")
    capsys.readouterr()
    before = _state(project)
    assert main(["scan", str(project), "--images", str(tmp_path / "data"), "--json"]) == 1
    message = json.loads(capsys.readouterr().out)["error"]
    assert "one level too high" in message
    assert f"--images {tmp_path / 'data' / 'img'}`" in message
    assert "--force" in message
    assert _state(project) == before

    assert main(["scan", str(project), "--images", str(tmp_path / "data" / "img")]) == 0
    with open_project(project) as p:
        assert p.root == (tmp_path / "data" / "img").resolve()


def test_a_project_made_one_level_too_high_may_move_to_a_copy(tmp_path, capsys):
    _folder(tmp_path / "data" / "img", {"cat": 2, "dog": 2}, seed=0)
    p = tmp_path / "p"
    assert main(["new", str(p), "--images", str(tmp_path / "data"), "--force"]) == 0
    shutil.copytree(tmp_path / "data", tmp_path / "up" / "data")
    capsys.readouterr()
    # Its paths are img/cat/…: a folder holding img/ is where it was.
    assert main(["scan", str(p), "--images", str(tmp_path / "up" / "data"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["unchanged"] == 4
    # One level above that is still too high.
    assert main(["scan", str(p), "--images", str(tmp_path / "up"), "--json"]) == 1
    assert "one level too high" in json.loads(capsys.readouterr().out)["error"]
