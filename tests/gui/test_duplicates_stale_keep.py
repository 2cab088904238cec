"""The duplicate groups follow changes made elsewhere: with the kept image excluded by
another program since the window last read its groups, Keep only this excluded the other
copy too (no copy of the picture was left in use); and Statistics went on counting a leak
that another program had resolved."""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import Qt

from gui.leaking_copy import LEAK, open_leaking_group
from labeldesk.core.project import open_project


def _status(project, path: str) -> str | None:
    status = project.images().set_index("path").status[path]
    return status if isinstance(status, str) else None


def _elsewhere(project, path: str) -> None:
    other = open_project(project.path)  # another program excludes an image
    try:
        other.set_status([path], "excluded")
    finally:
        other.close()


@pytest.fixture
def leaking(qtbot, window, project):
    return window, *open_leaking_group(qtbot, window, project)


def test_keep_only_an_image_excluded_elsewhere_excludes_nothing(qtbot, leaking):
    window, _, dialog = leaking
    kept = next(t for t in dialog.boxes[0].tiles if t.member.path == LEAK[0])
    _elsewhere(window.project, LEAK[0])
    qtbot.mouseClick(kept.keep_button, Qt.MouseButton.LeftButton)
    assert _status(window.project, LEAK[1]) is None  # the copy stays in use
    assert "excluded since" in dialog.count_label.text()


def test_statistics_recounts_a_leak_resolved_elsewhere(qtbot, leaking):
    window, stats, _ = leaking
    _elsewhere(window.project, LEAK[1])
    window.view.session.check_outside_writes()
    qtbot.waitUntil(
        lambda: re.sub(r"<[^>]+>", "", stats.summary_labels["leaking"].text()).startswith("0"),
        timeout=5000,
    )


def test_a_change_heard_as_the_project_closes_reads_nothing_from_it(qtbot, leaking):
    """A write heard elsewhere is followed on the next turn of the event loop: with the
    project closed before then (File → Close, the window closing) that slot raised
    ProjectClosed (seen at a test's teardown under load)."""
    window, _, dialog = leaking
    dialog.project_changed(None)  # heard: its groups are read again on the next turn
    window.close_project()
    qtbot.wait(50)  # the queued follow-up runs: nothing raised in the event loop
