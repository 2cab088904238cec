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
