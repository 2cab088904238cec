"""On a HiDPI screen (QT_SCALE_FACTOR=2, a desktop at 200 %) the pictures are made at the
screen's pixels and tagged with its ratio, not made at layout size and drawn twice as
large (a photo soft, a 28-px image's pixels blurred). The widgets are shown in a child
process started at scale 2 (tests/gui/hidpi_facts.py); a picture's ``width`` is in
screen pixels."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import write_image
from PySide6.QtCore import QSize
from PySide6.QtGui import QColor, QImage, QPixmap

from labeldesk.gui import drift_page
from labeldesk.gui.pixel_ratio import fit_pixmap, square_pixmap
from labeldesk.gui.thumbnails import ThumbRequest

FACTS = Path(__file__).with_name("hidpi_facts.py")


@pytest.fixture(scope="module")
def at_scale_two(tmp_path_factory) -> dict:
    home = tmp_path_factory.mktemp("home")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "QT_SCALE_FACTOR": "2",
           "HOME": str(home), "XDG_CONFIG_HOME": str(home / "config")}  # fmt: skip
    out = subprocess.run(
        [sys.executable, str(FACTS)], capture_output=True, text=True, env=env, timeout=240
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_child_ran_at_scale_two(at_scale_two):
    assert at_scale_two["screen"] == 2.0


def test_review_image_keeps_the_pixels_it_loaded(at_scale_two):
    # 1200x900 in a 300x300 label: 600 screen pixels wide (it was 300, drawn at 600)
    assert at_scale_two["review_photo"] == {"ratio": 2.0, "width": 600}
    # 28 px: enlarged 21x in screen pixels (was 10x, then drawn 2x and smoothed)
    assert at_scale_two["review_tiny"] == {"ratio": 2.0, "width": 588}


def test_neighbour_and_duplicate_tiles_are_sharp(at_scale_two):
    assert at_scale_two["neighbour"] == {"ratio": 2.0, "width": 168}  # 28 x 6, in 92 x 2
    assert at_scale_two["duplicate"] == {"ratio": 2.0, "width": 240}  # the 120 tile x 2


def solid(side: int) -> QImage:
    image = QImage(side, side, QImage.Format.Format_RGB32)
    image.fill(QColor("red"))
    return image


def test_fit_pixmap_at_a_ratio_fits_the_same_layout_box(qapp):
    pixmap = fit_pixmap(solid(200), QSize(92, 50), 2.0)
    assert pixmap.devicePixelRatio() == 2.0
    assert pixmap.size() == QSize(100, 100)  # 50 x 50 layout pixels
    assert fit_pixmap(solid(28), QSize(92, 92), 1.5).size() == QSize(112, 112)  # 4 x 28


def test_square_pixmap_keeps_hard_edges_for_tiny_images(qapp):
    tiny = QPixmap.fromImage(solid(28))
    assert square_pixmap(tiny, 60, 2.0).size() == QSize(120, 120)
    assert square_pixmap(QPixmap.fromImage(solid(400)), 60, 1.0).size() == QSize(60, 60)


def test_drift_icon_at_a_ratio(qapp, tmp_path):
    path = write_image(tmp_path / "a.png", size=(28, 28), fmt="PNG")
    icon = drift_page.load_icon(ThumbRequest(0, str(path), 0, 0), ratio=2.0)
    assert icon.devicePixelRatio() == 2.0
    assert (icon.width(), icon.height()) == (2 * drift_page.ICON, 2 * drift_page.ICON)


def test_the_large_image_is_decoded_at_the_screens_pixels(at_scale_two):
    # Enter in the browser: a 3000 x 2250 photo fitted in 640 layout pixels is 1280
    # screen pixels at 2x; it was decoded at 768 and drawn 1.67 times as large, soft
    assert at_scale_two["large_photo"] == {"width": 1280, "screen_per_image": 1.0}
    # a 28-px image: its own pixels, each drawn as a whole number of screen pixels
    tiny = at_scale_two["large_tiny"]
    assert tiny["width"] == 28
    assert tiny["screen_per_image"] == int(tiny["screen_per_image"]) >= 40


def test_the_large_image_is_decoded_no_larger_than_a_bound(qapp):
    from labeldesk.gui.image_display import ImagePopup

    assert ImagePopup.pixels_side(1.0, 768) == 768  # as before at 1x: the preview's pixels
    assert ImagePopup.pixels_side(2.0, 768) == 1280
    assert ImagePopup.pixels_side(8.0, 768) == ImagePopup.MOST_PIXELS  # a huge photo, 8x
