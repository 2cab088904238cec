"""A batch checks each distinct label once (select-all + a key on 100k images gives 100k
changes with one label), and still checks and normalises every label in it."""

from __future__ import annotations

import pytest
from helpers import calls_of

from labeldesk.core import labels as label_store
from labeldesk.core.errors import UnknownClassError
from labeldesk.core.labels import Change, apply_changes


def test_each_distinct_label_is_checked_once(project, monkeypatch):
    seen = calls_of(monkeypatch, label_store, "validate_class_name")
    ids = list(project.ids_for(list(project.images().path)).values())
    changes = [Change(i, label=" dog " if n % 2 else "cat") for n, i in enumerate(ids)]
    apply_changes(project.db, changes, source="human")
    assert sorted(seen) == [" dog ", "cat"]
    labels = set(project.images().label.dropna())
    assert labels == {"cat", "dog"}  # " dog " was stripped for every image that had it


def test_a_bad_label_among_many_is_still_refused(project):
    ids = list(project.ids_for(list(project.images().path)).values())
    changes = [Change(i, label="cat") for i in ids] + [Change(ids[0], label="a/b")]
    with pytest.raises(UnknownClassError, match="invalid class name"):
        apply_changes(project.db, changes, source="human")
