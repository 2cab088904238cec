"""View → Dataset versions: name the state, compare it with now, export it as it was."""

from __future__ import annotations

import json

from labeldesk.core.errors import LabelDeskError
from labeldesk.gui.export_dialog import ExportDialog
from labeldesk.gui.versions_view import VersionsView


def create(qtbot, view, name: str, note: str = ""):
    """Record a version (in the background) and wait for it: the version, or None."""
    job = view.create_version(name, note)
    assert job is not None
    qtbot.waitUntil(lambda: not job.running, timeout=10000)
    return job.result


def test_create_compare_and_export_a_version(qtbot, project, tmp_path):
    view = VersionsView(project)
    qtbot.addWidget(view)
    made = create(qtbot, view, "before-fix", "as delivered")
    assert made is not None and view.table.rowCount() == 1
    assert view.table.item(0, 0).text() == "before-fix"
    assert view.table.item(0, 5).text() == "as delivered"
    errors = []
    view.error.connect(errors.append)
    assert create(qtbot, view, "before-fix") is None and "already" in errors[0]

    project.set_label("_unlabeled/u0.png", "dog")  # a change after the version
    view.select("before-fix")
    job = view.compare()
    qtbot.waitUntil(lambda: view.last_diff is not None, timeout=10000)
    assert job is not None
    assert [r["path"] for r in view.last_diff.labels_changed] == ["_unlabeled/u0.png"]
    assert "labels changed" in view.diff_text.toPlainText()

    asked = []
    view.exportRequested.connect(asked.append)
    view.export_button.click()
    assert asked == ["before-fix"]

    dialog = ExportDialog(project)
    qtbot.addWidget(dialog)
    dialog.extra.choose_version("before-fix")
    dialog.include_unlabeled.setChecked(True)
    dialog.folder.setText(str(tmp_path / "out"))
    job = dialog.start()
    qtbot.waitUntil(lambda: not job.running, timeout=30000)
    manifest = json.loads((tmp_path / "out" / "labeldesk-export.json").read_text())
    assert manifest["version"] == "before-fix" and dialog.report.version == "before-fix"
    written = {
        p.relative_to(tmp_path / "out").as_posix() for p in (tmp_path / "out").rglob("u0.png")
    }
    assert written == {"_unlabeled/u0.png"}  # unlabeled in the version; labeled dog only later
    dialog.shutdown()


def test_the_export_dialog_refuses_a_bad_class_map_before_writing(qtbot, project, tmp_path):
    dialog = ExportDialog(project)
    qtbot.addWidget(dialog)
    dialog.folder.setText(str(tmp_path / "out"))
    dialog.extra.class_map.setText("cat")
    assert dialog.start() is None and "OLD=NEW" in dialog.message.text()
    assert not (tmp_path / "out").exists()
    dialog.extra.class_map.setText("cat=feline")
    dialog.extra.make_splits.setChecked(True)
    dialog.extra.split_shares.setText("70/20/10")
    options = dialog.options()
    assert options.class_map == (("cat", "feline"),)
    assert options.make_splits is not None and abs(options.make_splits[0] - 0.7) < 1e-9
    dialog.extra.split_shares.setText("70/20")  # no test split: fine
    dialog.extra.split_shares.setText("1/2/x")
    try:
        dialog.options()
    except LabelDeskError as exc:
        assert "80/10/10" in str(exc)
    else:
        raise AssertionError("bad shares were accepted")
    dialog.format.setCurrentIndex(dialog.format.findData("webdataset"))
    assert not dialog.extra.shard_size.isHidden()
    dialog.format.setCurrentIndex(dialog.format.findData("csv"))
    assert dialog.extra.shard_size.isHidden()
    dialog.shutdown()


def test_the_list_and_the_comparison_stay_in_step(qtbot, project):
    """A comparison stayed on show beside another version's row; a version could be
    compared with itself; the text said "current" beside a list saying "the labels
    now"; and the first row looked current while Compare was greyed out."""
    view = VersionsView(project)
    qtbot.addWidget(view)
    create(qtbot, view, "v1")
    create(qtbot, view, "v2")
    view.refresh()
    assert view.selected() is not None and view.compare_button.isEnabled()
    view.select("v1")
    own = view.compare_with.findData("v1")
    assert not view.compare_with.model().item(own).isEnabled()  # not with itself
    assert view.compare_with.model().item(view.compare_with.findData("v2")).isEnabled()
    view.compare_with.setCurrentIndex(0)  # the labels now
    view.compare()
    qtbot.waitUntil(lambda: view.last_diff is not None, timeout=10000)
    assert view.diff_text.toPlainText().startswith("v1 → the labels now")
    view.select("v2")
    assert view.last_diff is None and view.diff_text.toPlainText() == ""


def test_a_comparison_still_running_when_another_version_is_selected_is_dropped(qtbot, project):
    view = VersionsView(project)
    qtbot.addWidget(view)
    create(qtbot, view, "v1")
    create(qtbot, view, "v2")
    view.select("v1")
    job = view.compare()
    assert job is not None
    view.select("v2")  # before its result came
    qtbot.waitUntil(lambda: not job.running, timeout=10000)
    qtbot.wait(50)
    assert view.last_diff is None and view.diff_text.toPlainText() == ""


def test_showing_the_page_again_keeps_a_running_comparison(qtbot, project, monkeypatch):
    """Showing the page refreshes it: that cancelled a comparison of the very version
    selected, and its result was lost (review)."""
    import time

    from labeldesk.gui import versions_view

    real = versions_view.diff_head
    monkeypatch.setattr(versions_view, "diff_head", lambda *a: (time.sleep(0.3), real(*a))[1])
    view = VersionsView(project)
    qtbot.addWidget(view)
    create(qtbot, view, "v1")
    view.select("v1")
    job = view.compare()
    assert job is not None
    view.refresh()  # the page shown again
    qtbot.waitUntil(lambda: view.last_diff is not None, timeout=10000)
    assert view.last_diff.a == "v1"


def test_a_version_is_recorded_off_the_gui_thread_and_listed_once_committed(
    qtbot, project, monkeypatch
):
    """Recording which images there are hashes every row: 8.8 s of the GUI thread at
    1M images (benchmarks/bench_gui_stalls.py). It runs as a job; the list and the
    message follow once its transaction is committed."""
    import threading

    from labeldesk.core import versions

    gate, threads = threading.Event(), []
    real = versions.create_version

    def held(db, name, note=""):
        threads.append(threading.current_thread() is threading.main_thread())
        gate.wait(10)
        return real(db, name, note)

    monkeypatch.setattr(versions, "create_version", held)
    view = VersionsView(project)
    qtbot.addWidget(view)
    messages: list[str] = []
    view.message.connect(messages.append)
    job = view.create_version("v1")
    assert job is not None and view.create_version("v2") is None  # one at a time
    assert not view.create_button.isEnabled()
    gate.set()
    # (the button comes back in the page's slot on the job's end, a later one than the
    # job's own that sets running)
    qtbot.waitUntil(lambda: not job.running and view.create_button.isEnabled(), timeout=10000)
    assert threads == [False]
    assert [v.name for v in versions.list_versions(project.db)] == ["v1"]
    assert view.table.rowCount() == 1
    assert messages[-1].startswith("Version 'v1' records")


def test_a_note_of_several_lines_reads_on_one_line_in_the_table(qtbot, project):
    """A row is one line high: a note's lines are joined with ↵ (the whole note in the
    cell's tooltip), not drawn on top of one another or cut in half."""
    view = VersionsView(project)
    qtbot.addWidget(view)
    assert create(qtbot, view, "v1", "first line\nsecond line\r\nthird") is not None
    cell = view.table.item(0, 5)
    assert cell.text() == "first line ↵ second line ↵ third"
    assert cell.toolTip() == "first line\nsecond line\r\nthird"
    assert create(qtbot, view, "v2", "one line") is not None
    assert view.table.item(0, 5).text() == "one line" and view.table.item(0, 5).toolTip() == ""


def test_new_version_says_which_files_changed_since_the_scan(qtbot, project):
    view = VersionsView(project)
    qtbot.addWidget(view)
    errors: list[str] = []
    view.error.connect(errors.append)
    assert create(qtbot, view, "clean") is not None and errors == []
    (project.root / "val/dog/dog0.jpg").unlink()  # deleted on disk, not rescanned
    assert create(qtbot, view, "after-delete") is not None
    assert view.table.item(0, 0).text() == "after-delete"  # recorded all the same
    assert len(errors) == 1 and errors[0].startswith("Version 'after-delete' is recorded, but")
    assert "1 file gone" in errors[0] and "val/dog/dog0.jpg" in errors[0]
