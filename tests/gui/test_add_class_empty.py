"""Classes → Add class… with an empty (or blank) name and OK says why nothing was added,
as `labeldesk classes --add ''` does; Cancel says nothing."""

from __future__ import annotations

from PySide6.QtWidgets import QInputDialog


def added(qtbot, view, monkeypatch, typed: str):
    """Add class… given ``typed`` and OK: the wait for the message it says (its args)."""
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: (typed, True))
    with qtbot.waitSignal(view.labeling.message, timeout=1000) as message:
        view.labeling.prompt_add_class()
    return message


def test_an_empty_name_is_refused_with_the_reason(qtbot, view, project, monkeypatch):
    before = project.classes()
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("  ", True))
    with qtbot.waitSignal(view.labeling.error, timeout=1000) as error:
        view.labeling.prompt_add_class()
    assert "a class name cannot be empty" in error.args[0]
    assert project.classes() == before


def test_cancel_says_nothing(qtbot, view, project, monkeypatch):
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("", False))
    with qtbot.assertNotEmitted(view.labeling.error):
        view.labeling.prompt_add_class()


def test_added_names_are_quoted_in_the_message(qtbot, view, project, monkeypatch):
    message = added(qtbot, view, monkeypatch, r"t-shirt\, top")
    assert message.args[0] == "Added class 't-shirt, top' (Ctrl+Z undoes it)"
    assert "t-shirt, top" in project.classes()


def test_a_name_windows_cannot_hold_is_added_with_a_note(qtbot, view, project, monkeypatch):
    message = added(qtbot, view, monkeypatch, "a:b")
    assert message.args[0].startswith("Added class 'a:b' (Ctrl+Z undoes it). Note: ")
    assert (
        "cannot be a folder name on Windows or on most USB sticks (it holds :)" in (message.args[0])
    )
    assert "a:b" in project.classes()


def test_a_device_name_is_added_with_a_note(qtbot, view, project, monkeypatch):
    message = added(qtbot, view, monkeypatch, "aux")
    assert message.args[0].startswith("Added class 'aux' (Ctrl+Z undoes it). Note: ")
    assert "(it is a name Windows keeps for a device)" in message.args[0]
    assert "aux" in project.classes()
