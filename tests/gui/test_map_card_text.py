"""The map's hover card is rich text: a path or class name holding ``<`` or ``&``, a
thumbnail path with a quote, shows as written (they went in unescaped)."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QTextDocument

from labeldesk.gui.map_hover import card_text
from labeldesk.ml.map_data import MapPoints


class _Project:
    def __init__(self, thumbnail: str | None):
        self.thumbnail = thumbnail

    def thumbnail_of(self, image_id: int) -> str:
        if self.thumbnail is None:
            raise FileNotFoundError("gone: <odd> & name")
        return self.thumbnail


def _plain(text: str) -> str:
    doc = QTextDocument()
    doc.setHtml(text)
    return doc.toPlainText()


def _points() -> MapPoints:
    return MapPoints(
        paths=["a/<b>x</b> & y.png"],
        xy=np.zeros((1, 2), dtype=np.float32),
        labels=np.array([0]),
        classes=["cat <big>"],
        ids=np.array([7]),
    )


def test_names_with_markup_characters_show_as_written(qapp):
    text = card_text(_Project(None), _points(), 0, "")  # type: ignore[arg-type]
    assert _plain(text).splitlines() == [
        "a/<b>x</b> & y.png",
        "cat <big>",
        "(gone: <odd> & name)",
    ]


def test_a_thumbnail_path_with_a_quote_stays_one_attribute(qapp):
    text = card_text(_Project("/tmp/it's/t.png"), _points(), 0, "")  # type: ignore[arg-type]
    assert 'src="/tmp/it&#x27;s/t.png" height="128"' in text
