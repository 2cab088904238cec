"""The icon and desktop metadata in resources/: every file pyproject installs exists, the
PNGs are current renderings of the SVG, and the desktop entry and AppStream file agree."""

from __future__ import annotations

import configparser
import importlib.util
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from labeldesk.gui.icons import APP_ICON_SIZES, app_icon

ROOT = Path(__file__).resolve().parents[2]
RESOURCES = ROOT / "resources"
DESKTOP_ID = "org.labeldesk.LabelDesk"


def _data_files() -> dict[str, list[str]]:
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    with open(ROOT / "pyproject.toml", "rb") as f:
        return dict(tomllib.load(f)["tool"]["setuptools"]["data-files"])


def test_every_installed_resource_exists_and_each_png_has_its_size() -> None:
    files = [Path(f) for listed in _data_files().values() for f in listed]
    assert all((ROOT / f).is_file() for f in files), [f for f in files if not (ROOT / f).is_file()]
    pngs = {int(f.stem.rsplit("-", 1)[1]): f for f in files if f.suffix == ".png"}
    assert sorted(pngs) == list(APP_ICON_SIZES)
    for size, f in pngs.items():
        with Image.open(ROOT / f) as image:
            assert image.size == (size, size)
            assert image.mode == "RGBA"


def test_pngs_are_current_renderings_of_the_svg(qapp: object, tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("make_icons", ROOT / "installer/make_icons.py")
    assert spec is not None and spec.loader is not None
    make_icons = importlib.util.module_from_spec(spec)
    sys.modules["make_icons"] = make_icons
    spec.loader.exec_module(make_icons)
    for size in (16, 256):
        fresh = tmp_path / f"{size}.png"
        make_icons.render(RESOURCES / "labeldesk.svg", size, fresh)
        committed = np.asarray(Image.open(RESOURCES / f"icons/labeldesk-{size}.png"), np.int16)
        assert np.abs(np.asarray(Image.open(fresh), np.int16) - committed).max() <= 2


def test_app_icon_offers_the_raster_sizes(qapp: object) -> None:
    sizes = {s.width() for s in app_icon().availableSizes()}
    assert set(APP_ICON_SIZES) <= sizes


def test_desktop_entry_and_appstream_metadata_agree() -> None:
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # type: ignore[assignment,method-assign]
    entry.read(RESOURCES / f"{DESKTOP_ID}.desktop")
    desktop = entry["Desktop Entry"]
    assert desktop["Type"] == "Application"
    assert desktop["Exec"].split() == ["labeldesk", "gui"]
    assert desktop["Icon"] == "labeldesk"
    assert desktop["Categories"].endswith(";")
    meta = ET.parse(RESOURCES / f"{DESKTOP_ID}.metainfo.xml").getroot()
    assert meta.findtext("id") == DESKTOP_ID
    assert meta.findtext("launchable") == f"{DESKTOP_ID}.desktop"
    assert meta.findtext("name") == desktop["Name"]
    assert meta.findtext("provides/binary") == "labeldesk"


def test_the_app_names_its_menu_entry_and_its_window_class(qapp: object) -> None:
    """Without the desktop file name, a Wayland session could not tie the window to the
    menu entry the installer writes: the dock showed a generic icon and a second, unnamed
    launcher beside LabelDesk's. On X11 the entry's StartupWMClass must be the window's
    class, which Qt takes from the application name."""
    from labeldesk.gui.app import create_application

    app = create_application()
    assert app.desktopFileName() == DESKTOP_ID
    assert (RESOURCES / f"{app.desktopFileName()}.desktop").is_file()
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # type: ignore[assignment,method-assign]
    entry.read(RESOURCES / f"{DESKTOP_ID}.desktop")
    assert entry["Desktop Entry"]["StartupWMClass"] == app.applicationName()
