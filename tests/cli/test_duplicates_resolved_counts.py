"""`labeldesk duplicates` counts groups as the app's Statistics does once some are
resolved: its first line said "3 duplicate groups (3 exact …)" after *Keep only this* had
resolved one, beside Statistics' "Exact groups 2", so the two never matched."""

from __future__ import annotations

import json

from cli.test_duplicates_limit import _project_with_three_copied_pictures
from labeldesk.browse.duplicate_groups import build_groups, summary
from labeldesk.cli import main
from labeldesk.core.project import open_project
from labeldesk.ml.duplicates import find_duplicates


def test_the_first_line_gives_the_open_groups_statistics_counts(tmp_path, capsys):
    proj = _project_with_three_copied_pictures(tmp_path, capsys)
    assert main(["duplicates", proj]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first == (
        "3 duplicate groups (3 exact, 0 near, threshold 0.85); 0 span more than one split"
    )
    assert main(["review", proj, "exclude", "train/cat/copy1.jpg"]) == 0  # keep cat1 only
    capsys.readouterr()
    assert main(["duplicates", proj]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first == (
        "3 duplicate groups (3 exact, 0 near, threshold 0.85), 1 resolved (copies excluded): "
        "2 exact and 0 near still open; 0 span more than one split"
    )
    assert main(["duplicates", proj, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    counted = (data["resolved_groups"], data["open_exact_groups"], data["open_near_groups"])
    assert counted == (1, 2, 0)
    project = open_project(proj)  # what Statistics shows
    try:
        counts = summary(build_groups(project, find_duplicates(project)))
    finally:
        project.close()
    assert (counts["exact"], counts["near"]) == (2, 0)
