"""A version name that a script putting it in a folder's path (`OUT/NAME`) would turn
into folders is refused: `version create P "bad name/x"` was accepted, as were ".." and
"a\\b". Versions recorded under such names before keep working: found, listed, compared,
exported and verified."""

from __future__ import annotations

import json

import pytest

from labeldesk.cli import main
from labeldesk.core.version_diff import diff
from labeldesk.core.versions import VersionError, create_version, get_version, list_versions


@pytest.mark.parametrize(
    "name, why",
    [
        ("bad name/x", "cannot hold a slash"),
        ("/v1", "cannot hold a slash"),
        ("a\\b", "cannot hold a slash"),
        ("..", "the folder above"),
        (" . ", "that folder"),  # (outer spaces are not part of a name)
    ],
)
def test_a_name_that_a_path_would_split_or_climb_is_refused(project, name, why):
    with pytest.raises(VersionError, match=why):
        create_version(project.db, name)
    assert list_versions(project.db) == []


@pytest.mark.parametrize("name", ["-v1", "v1.2", "a..b", "...", "2026-12 cleaned"])
def test_names_a_path_keeps_whole_are_accepted(project, name):
    """Dots inside a name, and a leading '-' (the command line says to put such a name
    after `--`), are one folder's name in a path."""
    assert create_version(project.db, name).name == name


def _recorded_before(project, name: str) -> None:
    """A version named ``name`` as an older LabelDesk recorded it (unchecked)."""
    create_version(project.db, "placeholder")
    with project.db.write() as conn:
        conn.execute("UPDATE dataset_versions SET name = ? WHERE name = 'placeholder'", (name,))


@pytest.mark.parametrize("name", ["bad name/x", ".."])
def test_a_version_recorded_before_under_such_a_name_keeps_working(project, tmp_path, capsys, name):
    _recorded_before(project, name)
    old = get_version(project.db, name)
    project.set_label("train/cat/cat0.jpg", "dog")
    now = create_version(project.db, "now")
    assert "train/cat/cat0.jpg: 'cat' → 'dog'" in diff(project.db, old, now).to_text()
    proj, out = str(project.path), tmp_path / "out"
    project.close()
    assert main(["version", proj, "list", "--json"]) == 0
    assert name in [v["name"] for v in json.loads(capsys.readouterr().out)]
    assert main(["export", proj, str(out), "--version", name, "--json"]) == 0
    exported = json.loads(capsys.readouterr().out)
    assert exported["version"] == name and (out / "train/cat/cat0.jpg").is_file()
    assert not (tmp_path / "out" / "bad name").exists()  # nothing made of the name
    assert main(["version", proj, "verify", name, str(out), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["complete"] is True


def test_the_help_of_version_create_says_which_names_are_refused(project, capsys):
    with pytest.raises(SystemExit):
        main(["version", str(project.path), "create", "--help"])
    said = " ".join(capsys.readouterr().out.split())
    assert "no / or \\, not . or .." in said
