"""A project with one picture in both train and test (a leaking copy), open in a main
window with its duplicate group shown, where the duplicate-group tests start."""

from __future__ import annotations

import shutil

LEAK = ("train/cat/cat0.jpg", "test/cat/copy_of_cat0.jpg")  # one image in train and test


def open_leaking_group(qtbot, window, project):
    """Copies ``LEAK[0]`` to ``LEAK[1]``, scans, opens the project in ``window``, waits
    for Statistics' duplicate search and follows its "leaking" link: (stats, dialog)."""
    root = project.root
    shutil.copy(root / LEAK[0], root / LEAK[1])
    project.scan()
    assert window.open_project(project.path)
    window.show_statistics()
    stats = window.pages.stats
    qtbot.waitUntil(lambda: stats.duplicate_counts is not None, timeout=20000)
    stats.summary_labels["leaking"].linkActivated.emit("leaking")
    dialog = window.pages.duplicates
    assert dialog is not None
    return stats, dialog
