"""A form whose message grows it (New version, Import labels, Export) gives the room back
when a long message is replaced by a short one or goes: it never shrank, so one long
error left the New version form with a blank gap of several lines above its buttons for
as long as it stayed open. A form the person made taller keeps that height."""

from __future__ import annotations

from PySide6.QtCore import Qt

from labeldesk.gui.version_form import VersionForm

LONG = "That name cannot be used: " + "it is far too long to be a version's name; " * 12
SHORT = "There is a version named 'b' already; pick another name"


def shown_form(qtbot):
    form = VersionForm(lambda name: LONG if name == "a" else SHORT if name == "b" else "")
    qtbot.addWidget(form)
    form.show()
    qtbot.waitExposed(form)
    return form


def named(qtbot, form, name):
    """Type ``name`` (the form's message goes) and press OK (the form says why not)."""
    form.name.clear()
    qtbot.keyClicks(form.name, name)
    qtbot.keyClick(form.name, Qt.Key.Key_Return)


def test_a_short_message_after_a_long_one_gives_the_room_back(qtbot):
    form = shown_form(qtbot)
    before = form.height()
    named(qtbot, form, "a")
    assert form.problem.text() == LONG
    tall = form.height()
    assert tall > before  # grown for its lines, as before
    named(qtbot, form, "b")
    assert form.problem.text() == SHORT
    assert before < form.height() < tall
    assert form.height() == form.sizeHint().height()  # no gap: as tall as it asks
    form.name.clear()  # the message goes with the name it was about
    assert form.problem.isHidden()
    assert form.height() == before


def test_a_form_made_taller_by_hand_keeps_its_height(qtbot):
    form = shown_form(qtbot)
    chosen = form.height() + 300
    form.resize(form.width(), chosen)
    qtbot.waitUntil(lambda: form.height() == chosen)
    named(qtbot, form, "a")
    assert form.height() == max(chosen, form.sizeHint().height())
    named(qtbot, form, "b")
    assert form.height() == chosen
    form.name.clear()
    assert form.height() == chosen


def tab_stops(qtbot, form, presses=6):
    """The widgets Tab reaches from the name field, in order."""
    form.name.setFocus()
    reached = []
    for _ in range(presses):
        qtbot.keyClick(form.focusWidget(), Qt.Key.Key_Tab)
        reached.append(form.focusWidget())
    return reached


def test_the_keyboard_reaches_the_message_and_copies_it(qtbot, qapp):
    # the message scrolls where the screen is short (it grew the form past it): Tab
    # reaches it while it says something, the keys scroll it and Ctrl+C copies it
    form = shown_form(qtbot)
    assert form.problem_area not in tab_stops(qtbot, form)  # nothing said: passed by
    named(qtbot, form, "a")
    assert form.problem_area in tab_stops(qtbot, form)
    form.problem_area.setFocus()
    qapp.clipboard().clear()
    qtbot.keyClick(form.problem_area, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert qapp.clipboard().text() == LONG  # as said, without the places to break
    form.problem_area.setFixedHeight(30)  # as on a short screen: its lines scroll
    bar = form.problem_area.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0)
    qtbot.keyClick(form.problem_area, Qt.Key.Key_PageDown)
    assert bar.value() > 0
