"""`labeldesk label --csv`: one run lists every problem of the file by line, applies nothing."""

from __future__ import annotations

import json

from labeldesk.cli import main


def test_label_csv_lists_every_problem_with_its_line(project, tmp_path, capsys):
    f = tmp_path / "fixes.csv"
    f.write_text(
        "path,label\n"
        "_unlabeled/u0.png,cat\n"
        "nowhere.png,cat\n"
        "_unlabeled/u1.png,fox\n"
        "./_unlabeled/u0.png,dog\n"
    )
    project.close()
    assert main(["label", str(project.path), "--csv", str(f)]) != 0
    err = capsys.readouterr().err
    assert "3 problems, nothing applied" in err
    for expected in (
        "line 3: 'nowhere.png' is not an image in the project",
        "line 4: unknown class 'fox'",
        "line 5: '_unlabeled/u0.png' is labeled 'dog' here but 'cat' on line 2",
    ):
        assert expected in err
    assert "Traceback" not in err
    assert main(["history", str(project.path), "--json", "-n", "1"]) == 0
    [last] = json.loads(capsys.readouterr().out)
    assert last["path"] != "_unlabeled/u0.png"  # nothing was applied
