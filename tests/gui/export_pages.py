"""The Export dialog over a new small project (tests/ml/fake_embeddings.py), where the
export dialog's tests start."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ml.fake_embeddings import make_clustered_project

from labeldesk.gui.export_dialog import ExportDialog


@contextmanager
def export_dialog_over_new_project(qtbot, folder: Path) -> Iterator[ExportDialog]:
    """An Export dialog, shown, over a new clustered project in ``folder``; afterwards its
    jobs stopped and the project closed."""
    project, _ = make_clustered_project(folder)
    widget = ExportDialog(project)
    qtbot.addWidget(widget)
    widget.show()
    try:
        yield widget
    finally:
        widget.shutdown()
        project.close()
