"""The export dialog of a read-only project: its leakage line told the person to "open
Statistics (Ctrl+T) once and export again", which can never help there (a read-only
folder keeps no duplicate search). The export searches near duplicates itself where that
is quick, and otherwise says to do it in a writable copy."""

from __future__ import annotations

import pytest
from ml.fake_embeddings import make_clustered_project

from labeldesk.core.project import open_project
from labeldesk.gui.export_dialog import SEARCH_IN_COPY, SEARCH_LEAKS, ExportDialog
from labeldesk.interop import export_leaks


@pytest.fixture
def read_only_dialog(qtbot, tmp_path, make_read_only):
    project, _ = make_clustered_project(tmp_path)  # embedded, no duplicate search made
    project.close()
    make_read_only(project.path)
    opened = open_project(project.path)
    assert opened.read_only is not None
    widget = ExportDialog(opened)
    qtbot.addWidget(widget)
    widget.show()
    widget.folder.setText(str(tmp_path / "out"))
    yield widget
    widget.shutdown()
    opened.close()


def _export(qtbot, dialog) -> str:
    job = dialog.start()
    assert job is not None
    qtbot.waitUntil(lambda: not job.running, timeout=30_000)
    qtbot.waitUntil(lambda: dialog.export_button.isEnabled())
    assert dialog.report is not None, dialog.message.text()
    return dialog.message.text()


def test_a_read_only_project_s_export_checks_near_duplicates(qtbot, read_only_dialog):
    text = _export(qtbot, read_only_dialog)
    assert "checked: exact copies and near duplicates." in text
    assert SEARCH_LEAKS not in text


def test_too_big_to_search_it_says_to_export_from_a_writable_copy(
    qtbot, read_only_dialog, monkeypatch
):
    monkeypatch.setattr(export_leaks, "IN_MEMORY_MAX", 10)
    text = _export(qtbot, read_only_dialog)
    assert text.endswith(f"not near duplicates ({export_leaks.READ_ONLY_LARGE}: {SEARCH_IN_COPY}).")
    assert SEARCH_LEAKS not in text  # (Statistics' search is lost when it closes)
