"""The import form as its tests drive it: opened on a file, read, applied."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from labeldesk.gui.import_dialog import ImportDialog
from labeldesk.gui.workers import Job


def label_of(project, path: str) -> str | None:
    label = project.images().set_index("path").label[path]
    return label if isinstance(label, str) else None


def read(qtbot, dialog: ImportDialog) -> None:
    job = dialog.read()
    assert job is not None
    qtbot.waitUntil(lambda: not job.running, timeout=10000)
    qtbot.waitUntil(lambda: "Reading" not in dialog.found.text(), timeout=5000)


def apply(qtbot, dialog: ImportDialog) -> Job:
    """Import, and wait for it (the form's ``finished`` slot runs before ``running``
    drops: both are queued, in that order)."""
    job = dialog.start()
    assert job is not None
    qtbot.waitUntil(lambda: not job.running, timeout=10000)
    return job


def opened_on(
    qtbot, project, f: Path, text: str, before: Callable[[ImportDialog], object] | None = None
) -> ImportDialog:
    """A dialog that has read ``f``, written with ``text``; ``before(dialog)`` fills in
    the form (a column's name, a box ticked) before the file is named."""
    f.write_text(text)
    dialog = ImportDialog(project)
    qtbot.addWidget(dialog)
    if before is not None:
        before(dialog)
    dialog.file.setText(str(f))
    read(qtbot, dialog)
    return dialog
