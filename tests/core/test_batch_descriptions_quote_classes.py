"""A batch's description names its classes quoted, as every other class list in text
output does: ``undid “rename class 'tee, top' to 'shirt'”`` cannot be read as three
classes, and `history --json`'s ``description`` matches what `undo` and `redo` print."""

from __future__ import annotations

from labeldesk.core import review
from labeldesk.core.class_events import class_history
from labeldesk.core.redo import pending_redo_description
from labeldesk.core.undo import pending_description


def test_class_changes_are_described_with_quoted_names(project):
    project.add_classes(["tee, top", "owl"])
    assert pending_description(project.db) == "add classes 'tee, top', 'owl'"
    project.rename_class("tee, top", "shirt, short")
    assert pending_description(project.db) == "rename class 'tee, top' to 'shirt, short'"
    undone = project.undo()
    assert "“rename class 'tee, top' to 'shirt, short'”" in undone.summary()
    assert pending_redo_description(project.db) == "rename class 'tee, top' to 'shirt, short'"
    project.merge_classes("owl", "cat")
    assert pending_description(project.db) == "merge class 'owl' into 'cat'"
    project.remove_class("dog")
    assert pending_description(project.db) == "remove class 'dog'"
    assert class_history(project.db)[0].description == "remove class 'dog'"
    project.add_classes(["bird"])
    assert pending_description(project.db) == "add class 'bird'"


def test_review_decisions_are_described_with_quoted_names(project):
    project.add_classes(["tee, top"])
    review.relabel(project, "_unlabeled/u0.png", "tee, top")
    assert pending_description(project.db) == "relabel _unlabeled/u0.png as 'tee, top'"
    review.accept(project, "_unlabeled/u1.png", "cat")
    assert pending_description(project.db) == "accept suggestion 'cat' for _unlabeled/u1.png"
