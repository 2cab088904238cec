"""Renaming, merging or removing a class of many images runs in the background like a
big label write (the window keeps painting); a small one stays immediate, and no class
edit starts while a big write runs. (Threshold lowered here: the real one is 5,000.)"""

from __future__ import annotations

import threading

import pytest


@pytest.fixture
def held_rename(monkeypatch):
    """Core's rename waits for ``gate``; ``on_main`` records the thread of each call."""
    from labeldesk.core import class_ops

    gate, on_main = threading.Event(), []
    real = class_ops.rename_class

    def held(db, old, new, **kwargs):
        on_main.append(threading.current_thread() is threading.main_thread())
        gate.wait(10)
        return real(db, old, new, **kwargs)

    monkeypatch.setattr(class_ops, "rename_class", held)
    yield gate, on_main
    gate.set()


def test_a_big_rename_runs_off_the_gui_thread_and_edits_wait(
    qtbot, view, project, monkeypatch, held_rename
):
    from labeldesk.gui import labeling

    monkeypatch.setattr(labeling, "BACKGROUND_WRITE", 3)  # cat has 8 images
    gate, on_main = held_rename
    messages: list[str] = []
    view.labeling.message.connect(messages.append)
    actions = view.class_actions
    assert actions.rename("cat", "kitten")  # returns while the write still runs
    job = view.labeling.writing
    assert job is not None and job.running
    assert project.classes() == ["cat", "dog"]  # nothing committed yet
    assert messages[-1] == "Renaming class cat to kitten (8 images)… (labeling keys wait for it)"

    asked: list[str] = []
    actions.ask_class = lambda *args: asked.append("class") or "dog"  # type: ignore[method-assign]
    actions.merge_action.trigger()  # refused before any question
    assert asked == [] and messages[-1] == (
        "Wait for “Renaming class cat to kitten (8 images)” to finish, then try again"
    )
    assert not actions.remove("dog")  # refused, not queued behind it
    assert project.classes() == ["cat", "dog"]

    gate.set()
    # (the rename's end as the view takes it: its names, counts and message follow in a
    # later slot than the one that sets job.running)
    qtbot.waitUntil(lambda: view.labeling.writing is None and not view.rows.busy, timeout=10000)
    assert on_main == [False]  # once, off the GUI thread
    assert project.classes() == ["kitten", "dog"]
    assert view.catalog.classes == ["kitten", "dog"]
    assert view.labeling.label_actions[0].text() == "&1  kitten"
    assert view.catalog.label_counts(None) == {"kitten": 8, "dog": 8, None: 3}
    assert messages[-1] == "Renamed cat to kitten (Ctrl+Z undoes it)"


def test_a_small_class_edit_stays_immediate(view, project, held_rename):
    gate, on_main = held_rename
    gate.set()
    assert view.class_actions.rename("cat", "kitten")
    assert view.labeling.writing is None
    assert on_main == [True]
    assert project.classes() == ["kitten", "dog"]


def test_a_failed_big_edit_is_shown_once_and_changes_nothing(qtbot, view, project, monkeypatch):
    from labeldesk.gui import labeling

    monkeypatch.setattr(labeling, "BACKGROUND_WRITE", 3)
    errors: list[str] = []
    view.labeling.error.connect(errors.append)
    assert view.class_actions.rename("cat", "dog")  # started; core refuses it in the job
    job = view.labeling.writing
    assert job is not None
    qtbot.waitUntil(lambda: not job.running, timeout=10000)
    assert len(errors) == 1 and "merge the classes instead" in errors[0]
    assert project.classes() == ["cat", "dog"]
