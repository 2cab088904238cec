"""The export dialog of a read-only project: its leakage line told the person to "open
Statistics (Ctrl+T) once and export again", which can never help there (a read-only
folder keeps no duplicate search). The export searches near duplicates itself where that
is quick, and otherwise says to do it in a writable copy."""

from __future__ import annotations

from pathlib import Path

import pytest
from ml.fake_embeddings import make_clustered_project
from PySide6.QtCore import Qt

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


def test_the_search_shows_its_progress_and_cancel_stops_it(qtbot, read_only_dialog, monkeypatch):
    """The export's own search (up to 20,000 images) showed "0 of 1" and its Cancel
    waited for the whole search: the bar now counts the images searched, and Cancel
    stops the search at its next step, as in the export's other phases."""
    import threading

    from labeldesk.ml import neighbors, search

    dialog = read_only_dialog
    monkeypatch.setattr(neighbors, "IN_MEMORY_MIN_BATCH", 2)  # steps, at this size
    go = threading.Event()
    search_rows = search.graph_rows

    def held(*args, **kwargs):  # the search's steps wait until the test has looked
        go.wait(20)
        return search_rows(*args, **kwargs)

    monkeypatch.setattr(search, "graph_rows", held)
    embedded = len(dialog.project.images())
    job = dialog.start()
    assert job is not None
    try:
        qtbot.waitUntil(
            lambda: (
                "searching near duplicates" in dialog.message.text()
                and dialog.progress.maximum() == embedded
            ),
            timeout=20_000,
        )
        assert dialog.progress.isVisible() and dialog.cancel_button.isEnabled()
        qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    finally:
        go.set()
    qtbot.waitUntil(lambda: not job.running, timeout=20_000)
    assert dialog.message.text() == "Export cancelled; nothing was written."
    assert not Path(dialog.folder.text()).exists()
