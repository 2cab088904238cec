"""The keys line says what Enter does to the image on screen: "Enter accept" beside
"unsure, maybe sneaker (25%)" did not say that Enter labels it sneaker all the same."""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import Qt

from labeldesk.gui.review_words import enter_hint, unbroken


def read(text: str) -> str:
    return text.replace("\u00a0", " ").replace("\u2011", "-")


def test_enter_hint_words():
    assert read(enter_hint("queue", "bag", 0.8)) == "Enter label bag"
    unsure = "Enter label bag (the model is unsure: check it)"
    assert read(enter_hint("queue", "bag", 0.25)) == unsure
    assert read(enter_hint("issues", "coat", 0.7)) == "Enter accept coat"
    assert read(enter_hint("issues", "t-shirt_top", 0.3)) == (
        "Enter accept t-shirt_top (the model is unsure: check it)"
    )
    assert enter_hint("issues", "t-shirt_top", 0.3).startswith(unbroken("Enter accept t-shirt_top"))
    assert read(enter_hint("queue", "bag", float("nan"))) == "Enter label bag"
    assert enter_hint("queue", None, 0.5) == ""  # Enter does nothing: not listed


def test_an_unsure_suggestion_says_enter_labels_it_all_the_same(qtbot, queue_view, clustered):
    project, _ = clustered
    session = queue_view.session
    item = session.items[session.index]
    unsure = dataclasses.replace(item, confidence=0.25)
    session.items[session.index] = unsure
    queue_view._show_current()
    assert queue_view.info.suggested_label.text().startswith("unsure, maybe")
    hint = queue_view.info.hint.text()
    said = f"Enter label {item.suggested} (the model is unsure: check it) · "
    assert read(hint).startswith(said)
    qtbot.keyClick(queue_view, Qt.Key.Key_Return)  # one press, as the line says
    assert project.images().set_index("path").loc[item.path, "label"] == item.suggested


def test_a_sure_suggestion_names_the_class_enter_gives(queue_view):
    session = queue_view.session
    item = session.items[session.index]
    session.items[session.index] = dataclasses.replace(item, confidence=0.95)
    queue_view._show_current()
    hint = queue_view.info.hint.text()
    assert hint.startswith(unbroken(f"Enter label {item.suggested}") + " · ")
