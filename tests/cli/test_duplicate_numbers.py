""" "Group 12" is one group wherever it is read: the app's Duplicates & leakage page
numbered its groups from 1, ``ld.duplicates`` from 0, and ``labeldesk duplicates``
(text and --json) not at all. All now take find_duplicates' numbers
(ml.duplicate_group.numbered)."""

from __future__ import annotations

import json

import labeldesk as ld
from cli.test_duplicates_limit import _project_with_three_copied_pictures
from labeldesk.browse.duplicate_groups import build_groups
from labeldesk.cli import main
from labeldesk.core.project import open_project
from labeldesk.ml.duplicates import find_duplicates


def _text_groups(out: str) -> dict[int, set[str]]:
    """group number -> paths, read from the command's text."""
    groups: dict[int, set[str]] = {}
    number = None
    for line in out.splitlines()[1:]:
        if line.startswith("group "):
            number = int(line.split()[1])
            groups[number] = set()
        elif line.startswith("  ") and number is not None:
            groups[number].add(line.split()[0])
    return groups


def test_the_app_the_command_and_the_api_number_groups_alike(tmp_path, capsys):
    proj = _project_with_three_copied_pictures(tmp_path, capsys)
    # one resolved (listed after the open ones), one leaking (listed first)
    assert main(["review", proj, "exclude", "train/cat/copy0.jpg"]) == 0
    capsys.readouterr()
    with open_project(proj) as project:
        project.set_splits({"train/cat/copy2.jpg": "test"})
    assert main(["duplicates", proj]) == 0
    text = _text_groups(capsys.readouterr().out)
    assert main(["duplicates", proj, "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    listed = {g["group"]: set(g["paths"]) for g in document["groups"]}
    leaking = {g["group"]: set(g["paths"]) for g in document["leakage"]}
    project = open_project(proj)
    try:
        frame = ld.duplicates(project)
        api = {int(n): set(rows.path) for n, rows in frame.groupby("group")}
        page = build_groups(project, find_duplicates(project))
    finally:
        project.close()
    app = {g.number: set(g.paths) for g in page}
    assert all(g.describe().startswith(f"Group {g.number} · ") for g in page)
    assert text == listed == api == app
    assert sorted(app) == [1, 2, 3]
    assert app[1] == {"train/cat/cat2.jpg", "train/cat/copy2.jpg"} and leaking == {1: app[1]}
    assert app[3] == {"train/cat/cat0.jpg", "train/cat/copy0.jpg"}  # resolved: last
