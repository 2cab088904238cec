"""Render resources/labeldesk.svg into the PNG sizes desktops ask for, a Windows .ico and a
macOS .icns. Run after editing the SVG (the outputs are committed, so installing needs no
renderer):

    QT_QPA_PLATFORM=offscreen .venv/bin/python installer/make_icons.py
"""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image
from PySide6.QtCore import QRectF
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

RESOURCES = Path(__file__).resolve().parents[1] / "resources"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)


def png_path(size: int) -> Path:
    return RESOURCES / "icons" / f"labeldesk-{size}.png"


def render(svg: Path, size: int, out: Path) -> None:
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"cannot read {svg}")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(0)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    out.parent.mkdir(parents=True, exist_ok=True)
    if not image.save(str(out), "PNG"):
        raise SystemExit(f"cannot write {out}")


def main() -> int:
    _app = QGuiApplication(sys.argv[:1])
    svg = RESOURCES / "labeldesk.svg"
    for size in SIZES:
        render(svg, size, png_path(size))
    largest = Image.open(png_path(max(SIZES)))
    largest.save(RESOURCES / "labeldesk.ico", sizes=[(s, s) for s in ICO_SIZES])
    largest.save(RESOURCES / "labeldesk.icns")
    print(f"wrote {len(SIZES)} PNGs, labeldesk.ico and labeldesk.icns under {RESOURCES}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
