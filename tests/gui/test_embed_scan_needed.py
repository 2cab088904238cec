"""Compute embeddings that fails because the images changed since the last scan
(ScanNeeded, raised in the child process) offers the scan on its notice: the child
passed on only the error's message, so the app showed it as any failure, with an OK
button and the user left to find File → Rescan folder."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox

from labeldesk.ml import child_jobs


def _notice(window) -> QMessageBox:
    boxes = [b for b in window.findChildren(QMessageBox) if b.objectName() == "errorNotice"]
    assert len(boxes) == 1
    return boxes[0]


def _fails_in_child(kind: str):
    def embedded(path, **_kwargs):  # a real child, raising as the embedding would
        return child_jobs.run_in_child("ml.child_targets:raise_error", path, kind=kind)

    return embedded


def _failed_embedding_notice(qtbot, window, project, monkeypatch, kind: str) -> QMessageBox:
    """The notice shown when Compute embeddings' child raises a ``kind`` error."""
    monkeypatch.setattr(child_jobs, "embed_in_child", _fails_in_child(kind))
    assert window.open_project(project.path)
    job = window.compute_embeddings()
    assert job is not None
    qtbot.waitUntil(lambda: not job.running, timeout=20000)
    qtbot.waitUntil(lambda: bool(window.findChildren(QMessageBox)), timeout=5000)
    return _notice(window)


def test_a_scan_needed_notice_offers_the_rescan(qtbot, window, project, monkeypatch):
    notice = _failed_embedding_notice(qtbot, window, project, monkeypatch, "ScanNeeded")
    assert notice.text() == "A ScanNeeded from the child"
    button = notice.defaultButton()
    assert button is not None and button.text() == "Rescan folder"
    button.click()
    scan = window.jobs.scan_job
    assert scan is not None and scan.name == "Rescan"
    qtbot.waitUntil(lambda: not scan.running, timeout=20000)


def test_another_failure_offers_no_rescan(qtbot, window, project, monkeypatch):
    notice = _failed_embedding_notice(qtbot, window, project, monkeypatch, "ProjectError")
    assert [b.text() for b in notice.buttons()] == ["OK"]


def test_the_close_beside_the_rescan_is_a_close_button(qtbot, window):
    """It was the OK button renamed "Close", with the OK button's check-mark icon where
    the style shows icons; now the standard Close (its own icon, as the app's other
    Close buttons)."""
    from PySide6.QtWidgets import QStyle

    from labeldesk.gui.dialogs import show_error

    notice = show_error(window, "The images changed", fix=("Rescan folder", lambda: None))
    close = notice.button(QMessageBox.StandardButton.Close)
    assert close is not None and close.text() == "Close"
    assert notice.button(QMessageBox.StandardButton.Ok) is None
    assert sorted(b.text() for b in notice.buttons()) == ["Close", "Rescan folder"]
    style = notice.style()
    ok_icon = style.standardIcon(QStyle.StandardPixmap.SP_DialogOkButton)
    if not close.icon().isNull():  # the style shows icons on dialog buttons
        shown = close.icon().pixmap(16).toImage()
        assert shown != ok_icon.pixmap(16).toImage()
        closing = style.standardIcon(QStyle.StandardPixmap.SP_DialogCloseButton)
        assert shown == closing.pixmap(16).toImage()
    notice.close()
