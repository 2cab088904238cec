"""The Dataset versions list names the models trained on a version as the Training page
and Statistics name them (#1, #3); it said "model 1, model 3"."""

from __future__ import annotations

from dataclasses import replace

from labeldesk.core import versions
from labeldesk.gui.versions_view import VersionsView


def test_models_trained_on_a_version_are_named_as_on_the_training_page(qtbot, project, monkeypatch):
    made = versions.create_version(project.db, "v1")
    listed = versions.list_versions

    def with_models(db):
        return [replace(v, models=(1, 3)) if v.id == made.id else v for v in listed(db)]

    monkeypatch.setattr(versions, "list_versions", with_models)
    view = VersionsView(project)
    qtbot.addWidget(view)
    assert view.table.item(0, 0).text() == "v1"
    assert view.table.item(0, 4).text() == "#1, #3"
