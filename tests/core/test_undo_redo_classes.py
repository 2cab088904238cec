"""Classes that an undo or a redo brings back, and those it cannot bring back."""

from __future__ import annotations

import pandas as pd
import pytest


def label_of(project, path):
    label = project.images().set_index("path").label[path]
    return None if pd.isna(label) else label


@pytest.fixture
def as_user(monkeypatch):
    def switch(name: str) -> None:
        monkeypatch.setenv("LABELDESK_USER", name)

    return switch


def test_redo_removes_again_a_class_its_undo_brought_back(project, as_user):
    as_user("alice")
    project.set_label("train/dog/dog0.jpg", "cat")
    as_user("bob")
    project.remove_class("dog")
    as_user("alice")
    undone = project.undo()  # dog0 is a dog again: the class comes back for it
    assert label_of(project, "train/dog/dog0.jpg") == "dog"
    assert "dog" in project.classes()
    assert "dog" in undone.classes_restored and "'dog' back" in undone.summary()
    redone = project.redo()  # dog0 is a cat again: nothing carries dog
    assert label_of(project, "train/dog/dog0.jpg") == "cat"
    assert project.classes() == ["cat"]
    assert project.class_aliases()["dog"] is None  # bob's removal stands
    assert redone.classes_gone == ("dog",)
    project.undo()  # the redo
    assert project.classes() == ["cat", "dog"]
    assert label_of(project, "train/dog/dog0.jpg") == "dog"
