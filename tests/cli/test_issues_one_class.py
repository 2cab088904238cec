"""`issues` on a project with labels of one class only: no model can judge a label, and the
command says so instead of a bare "about 0 labels likely wrong" (which reads as "all good")."""

from __future__ import annotations

from ml.fake_embeddings import CLASSES

from labeldesk.cli import main


def test_issues_says_why_nothing_is_judged_with_one_class(clustered, capsys):
    project, _ = clustered
    for name in CLASSES[1:]:
        project.merge_classes(name, CLASSES[0])
    assert main(["issues", str(project.path)]) == 0
    captured = capsys.readouterr()
    assert "about 0 labels likely wrong" in captured.out
    assert "at least two classes" in captured.err


def test_issues_has_no_such_note_with_two_classes(clustered, capsys):
    project, _ = clustered
    assert main(["issues", str(project.path)]) == 0
    assert "at least two classes" not in capsys.readouterr().err
