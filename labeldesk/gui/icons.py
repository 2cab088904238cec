"""Locate bundled resources (icons) next to the package, tolerating their absence."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtGui import QIcon

log = logging.getLogger(__name__)

# resources/ sits at the repository root: labeldesk/gui/icons.py -> parents[2].
RESOURCES_DIR = Path(__file__).resolve().parents[2] / "resources"
APP_ICON_FILE = "labeldesk.svg"


def resource_path(name: str) -> Path | None:
    """Path of a bundled resource, or None when it is not installed (e.g. a wheel)."""
    path = RESOURCES_DIR / name
    return path if path.is_file() else None


def app_icon() -> QIcon:
    """The window icon; an empty icon when the resource is missing, never an error."""
    path = resource_path(APP_ICON_FILE)
    if path is None:
        log.debug("app icon not found under %s", RESOURCES_DIR)
        return QIcon()
    return QIcon(str(path))
