"""The Training page of a project opened read-only says why training is not available
and what to do, where its status line said "Ready." beside a Start button that was off."""

from __future__ import annotations

from labeldesk.core.project import open_project
from labeldesk.gui.training_panel import READY, TrainingPanel


def test_a_read_only_projects_training_page_says_why_and_what_to_do(qtbot, project, make_read_only):
    project.close()
    make_read_only(project.path)
    with open_project(project.path) as read_only:
        assert read_only.read_only is not None
        panel = TrainingPanel(read_only)  # (its device check runs: shut down below)
        qtbot.addWidget(panel)
        for mode in range(panel.mode.count()):  # both modes: head and fine-tune
            panel.mode.setCurrentIndex(mode)
            text = panel.status.text()
            assert text != READY
            assert text.startswith("Training is not available: ")
            assert str(project.path) in text and "read-only" in text
            assert text.endswith(
                ". To change the project, copy the project folder somewhere writable and "
                "open the copy."
            )
            assert not panel.start_button.isEnabled()
        panel.shutdown()
