"""Locate bundled resources (icons) next to the package, tolerating their absence."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from PySide6.QtGui import QIcon

log = logging.getLogger(__name__)

# In a checkout resources/ sits at the repository root (labeldesk/gui/icons.py ->
# parents[2]); an installed package has copies in <prefix>/share/labeldesk.
RESOURCE_DIRS = (
    Path(__file__).resolve().parents[2] / "resources",
    Path(sys.prefix) / "share" / "labeldesk",
)
APP_ICON_FILE = "labeldesk.svg"


def resource_path(name: str) -> Path | None:
    """Path of a bundled resource, or None when it cannot be found."""
    return next((d / name for d in RESOURCE_DIRS if (d / name).is_file()), None)


def app_icon() -> QIcon:
    """The window icon; an empty icon when the resource is missing, never an error."""
    path = resource_path(APP_ICON_FILE)
    if path is None:
        log.debug("app icon not found under %s", RESOURCE_DIRS)
        return QIcon()
    return QIcon(str(path))
