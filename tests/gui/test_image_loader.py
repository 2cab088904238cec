"""The review's image loader: off the GUI thread, skips what is no longer wanted, caches
by path and size."""

from __future__ import annotations

import threading

from PySide6.QtGui import QColor, QImage

from labeldesk.gui import image_display
from labeldesk.gui.image_display import ImageLoader


def solid(side: int) -> QImage:
    image = QImage(side, side, QImage.Format.Format_RGB888)
    image.fill(QColor("red"))
    return image


def test_a_skipped_image_wanted_again_is_loaded_not_left_blank(qtbot, project, monkeypatch):
    gate, loaded = threading.Event(), []

    def fake_load(project_, path, max_side=None):
        if path == "x":
            gate.wait(10)  # keeps the loading thread busy
        loaded.append(path)
        return solid(40)

    monkeypatch.setattr(image_display, "load_image", fake_load)
    loader = ImageLoader(project)
    try:
        loader.request(["x"], 512)
        loader.request(["y"], 512)  # queued behind x
        loader.request(["z"], 512)  # the person moved on: y is no longer wanted
        gate.set()
        loader._pool.waitForDone(5000)  # y was skipped; its answer is still on its way
        loader.request(["y"], 512)  # ... and y is wanted again before it arrives
        qtbot.waitUntil(lambda: loader.cached("y") is not None, timeout=5000)
        assert not loader.cached("y").isNull()
        assert loaded.count("y") == 1
    finally:
        loader.shutdown()


def test_an_image_decoded_smaller_than_now_needed_is_decoded_again(qtbot, project, monkeypatch):
    sides: list[int | None] = []

    def fake_load(project_, path, max_side=None):
        sides.append(max_side)
        return solid(max_side or 2000) if path == "big" else solid(28)

    monkeypatch.setattr(image_display, "load_image", fake_load)
    loader = ImageLoader(project)
    try:
        loader.request(["big", "tiny"], 512)
        qtbot.waitUntil(lambda: loader.cached("tiny") is not None, timeout=5000)
        assert loader.cached("big", 1024) is None  # shrunk to 512: too small now
        assert loader.cached("big") is not None  # still there to show meanwhile
        assert loader.cached("tiny", 1024) is not None  # whole already: nothing to gain
        loader.request(["big", "tiny"], 1024)
        qtbot.waitUntil(lambda: loader.cached("big", 1024) is not None, timeout=5000)
        assert sides == [512, 512, 1024]
    finally:
        loader.shutdown()


def test_a_larger_side_asked_while_the_smaller_loads_is_loaded_after(qtbot, project, monkeypatch):
    # Enter pressed while the detail panel's preview (768) was decoding: the large view
    # (1280 at 2x) got the 768 pixels and kept them, drawn soft
    gate, sides = threading.Event(), []

    def fake_load(project_, path, max_side=None):
        gate.wait(10)
        sides.append(max_side)
        return solid(max_side or 2000)

    monkeypatch.setattr(image_display, "load_image", fake_load)
    loader = ImageLoader(project)
    try:
        loader.request(["big"], 768)
        loader.request(["big"], 1280)  # in flight at 768: not started again now
        gate.set()
        qtbot.waitUntil(lambda: loader.cached("big", 1280) is not None, timeout=5000)
        assert sides == [768, 1280]
    finally:
        loader.shutdown()
