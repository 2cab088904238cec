"""The Training page's "Train blocks" box was explained only in a tooltip: a new user
saw a number 2 with no word on what it does. Under the box, in grey, a line now says
what its value does, following it; the row still keeps its room in head mode."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QLabel

pytest.importorskip("torch")


def shown_words(panel) -> list[str]:
    return [label.text() for label in panel.findChildren(QLabel) if label.isVisible()]


def test_the_train_blocks_box_says_what_it_does_without_hovering(qtbot, panel):
    qtbot.waitExposed(panel)
    panel.mode.setCurrentIndex(panel.mode.findData("finetune"))
    assert panel.train_blocks.value() == 2
    said = [t for t in shown_words(panel) if "learn" in t and "block" in t]
    assert said == ["The network's last 2 blocks learn; the rest stay frozen (more: slower)."]
    panel.train_blocks.setValue(1)
    assert "The network's last block learns; the rest stay frozen (more: slower)." in (
        shown_words(panel)
    )
    panel.train_blocks.setValue(-1)  # "all layers"
    assert "Every layer of the network learns: the slowest fine-tune." in shown_words(panel)
    panel.train_blocks.setValue(0)
    assert "No block of the network learns, only the layers after them." in shown_words(panel)
    # a head has no blocks to train: no line about them
    panel.mode.setCurrentIndex(panel.mode.findData("head"))
    assert not [t for t in shown_words(panel) if "block" in t]
