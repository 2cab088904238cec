"""`Project.set_label` (the CLI's `label`) described its batch as "label PATH", the class
unnamed, in the history and in what an undo said; and undo messages differed by place:
the browser and `labeldesk undo` said "Undid root's “…”" (the command in lower case),
the review "Undid: path → label". The class is named now, and every undo message comes
from one function (core.undo.undid): "Undid [whose ]“what”"."""

from __future__ import annotations

import json

from browse.review_items import CAT0, issues

from labeldesk.cli import main
from labeldesk.core.display import capitalised
from labeldesk.core.labels import current_user
from labeldesk.core.undo import pending_description, undid


def test_set_label_names_the_class_in_the_history(project):
    path = "_unlabeled/u0.png"
    project.set_label(path, "cat")
    assert pending_description(project.db) == f"label {path} as 'cat'"
    project.set_label(path, None)
    assert pending_description(project.db) == f"unlabel {path}"
    assert [e.description for e in project.history(path)][:2] == [
        f"unlabel {path}",
        f"label {path} as 'cat'",
    ]


def test_the_command_the_browser_and_the_review_word_an_undo_alike(project, capsys):
    path, proj = "_unlabeled/u0.png", str(project.path)
    assert main(["label", proj, path, "cat"]) == 0
    capsys.readouterr()
    assert main(["undo", proj]) == 0
    said = capsys.readouterr().out.splitlines()[0]
    whose = current_user()
    # (then how to redo it, in the command's words only)
    assert said.startswith(undid(f"label {path} as 'cat'", whose) + ": 1 image changed back")
    assert said.startswith("Undid ") and f"“label {path} as 'cat'”" in said
    assert main(["label", proj, path, "cat", "--json"]) == 0
    capsys.readouterr()
    assert main(["undo", proj, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["description"] == f"label {path} as 'cat'"
    project.set_label(path, "dog")  # the browser's Edit → Undo shows the same summary
    assert capitalised(project.undo().summary()) == project_undo_words(path, "dog", whose)
    session = issues(project, CAT0)
    decided = session.assign("dog")
    assert session.undo() == undid(decided) == f"Undid “{CAT0} → dog”"


def project_undo_words(path: str, label: str, whose: str) -> str:
    return undid(f"label {path} as {label!r}", whose) + ": 1 image changed back"
