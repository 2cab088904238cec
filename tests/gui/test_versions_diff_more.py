"""Dataset versions: a long comparison says how to see all of it from the app's side,
not "(--json lists all)", an option of a command the page never names; and the page
holds only the rows it shows."""

from __future__ import annotations

import shlex

from labeldesk.gui import versions_view
from labeldesk.gui.versions_view import VersionsView


def test_the_rows_left_out_are_named_with_the_command_that_lists_them(qtbot, project, monkeypatch):
    monkeypatch.setattr(versions_view, "DIFF_ROWS_SHOWN", 1)
    view = VersionsView(project)
    qtbot.addWidget(view)
    job = view.create_version("first try")
    qtbot.waitUntil(lambda: not job.running, timeout=10000)
    frame = project.images()
    for path in frame.path[frame.label.isna()][:3]:
        project.set_label(path, "dog")
    view.select("first try")
    view.compare()
    qtbot.waitUntil(lambda: view.last_diff is not None, timeout=10000)
    text = view.diff_text.toPlainText()
    command = shlex.join(["labeldesk", "version", str(project.path), "diff", "first try"])
    assert "--json lists all" not in text
    assert f"… and 2 more (all of them: {command} --json)" in text
    view.shutdown()


def test_the_page_holds_only_the_rows_it_shows(qtbot, project, monkeypatch):
    """A comparison of a million changes must not hold a million rows in the app: the
    counts are whole, the lists only what the text shows."""
    monkeypatch.setattr(versions_view, "DIFF_ROWS_SHOWN", 2)
    view = VersionsView(project)
    qtbot.addWidget(view)
    job = view.create_version("v1")
    qtbot.waitUntil(lambda: not job.running, timeout=10000)
    frame = project.images()
    project.set_labels(dict.fromkeys(frame.path[frame.label.isna()], "dog"))
    view.select("v1")
    view.compare()
    qtbot.waitUntil(lambda: view.last_diff is not None, timeout=10000)
    shown = view.last_diff
    assert shown.counts()["labels_changed"] == 3 and len(shown.labels_changed) == 2
    assert shown.counts()["splits_changed"] == 3 and len(shown.splits_changed) == 2
    text = view.diff_text.toPlainText()
    assert text.startswith("v1 → the labels now: 3 labels changed, 3 splits changed")
    assert text.count("_unlabeled/u") == 4 and "… and 1 more" in text
    view.shutdown()
