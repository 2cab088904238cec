"""Locate bundled resources (icons) next to the package, tolerating their absence."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from PySide6.QtGui import QIcon

log = logging.getLogger(__name__)

# In a checkout resources/ sits at the repository root (labeldesk/gui/icons.py ->
# parents[2]); an installed package has copies in <prefix>/share/labeldesk; a PyInstaller
# bundle has them in its resources/ folder.
_BUNDLE = getattr(sys, "_MEIPASS", None)
RESOURCE_DIRS = (
    Path(__file__).resolve().parents[2] / "resources",
    Path(sys.prefix) / "share" / "labeldesk",
    *((Path(_BUNDLE) / "resources",) if _BUNDLE else ()),
)
APP_ICON_FILE = "labeldesk.svg"
# Raster sizes, for where Qt's SVG image plugin is missing (and sharper at 16 px).
APP_ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def resource_path(name: str) -> Path | None:
    """Path of a bundled resource, or None when it cannot be found."""
    return next((d / name for d in RESOURCE_DIRS if (d / name).is_file()), None)


def app_icon() -> QIcon:
    """The window icon (the PNG sizes plus the SVG); an empty icon when the resources are
    missing, never an error."""
    icon = QIcon()
    for size in APP_ICON_SIZES:
        png = resource_path(f"icons/labeldesk-{size}.png")
        if png is not None:
            icon.addFile(str(png))
    svg = resource_path(APP_ICON_FILE)
    if svg is not None:
        icon.addFile(str(svg))
    if icon.isNull():
        log.debug("app icon not found under %s", RESOURCE_DIRS)
    return icon
