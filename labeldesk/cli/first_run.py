"""Checks that ``labeldesk gui`` runs before Qt loads, so a missing display or missing
system library gets a sentence that says what to do instead of Qt's abort message
("Could not load the Qt platform plugin "xcb"" and a core dump).

Qt-free on purpose: importing PySide6 is what fails on such a machine. Only Linux is
checked; the macOS and Windows wheels of PySide6 carry everything their plugins need.
"""

from __future__ import annotations

import ctypes
import importlib.util
import os
import re
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

SKIP_VARIABLE = "LABELDESK_SKIP_CHECKS"
# Platforms Qt offers that draw on no X or Wayland display.
HEADLESS_PLATFORMS = ("offscreen", "minimal", "vnc", "eglfs", "linuxfb", "vkkhrdisplay")

# The libraries Qt's xcb plugin loads that desktop installs sometimes lack, with the
# Debian/Ubuntu and the Fedora package that provides each.
PACKAGES: dict[str, tuple[str, str]] = {
    "libxcb-cursor.so.0": ("libxcb-cursor0", "xcb-util-cursor"),
    "libxcb-icccm.so.4": ("libxcb-icccm4", "xcb-util-wm"),
    "libxcb-image.so.0": ("libxcb-image0", "xcb-util-image"),
    "libxcb-keysyms.so.1": ("libxcb-keysyms1", "xcb-util-keysyms"),
    "libxcb-render-util.so.0": ("libxcb-render-util0", "xcb-util-renderutil"),
    "libxcb-util.so.1": ("libxcb-util1", "xcb-util"),
    "libxcb.so.1": ("libxcb1", "libxcb"),
    "libxcb-glx.so.0": ("libxcb-glx0", "libxcb"),
    "libxcb-randr.so.0": ("libxcb-randr0", "libxcb"),
    "libxcb-render.so.0": ("libxcb-render0", "libxcb"),
    "libxcb-shape.so.0": ("libxcb-shape0", "libxcb"),
    "libxcb-shm.so.0": ("libxcb-shm0", "libxcb"),
    "libxcb-sync.so.1": ("libxcb-sync1", "libxcb"),
    "libxcb-xfixes.so.0": ("libxcb-xfixes0", "libxcb"),
    "libxcb-xinerama.so.0": ("libxcb-xinerama0", "libxcb"),
    "libxcb-xinput.so.0": ("libxcb-xinput0", "libxcb"),
    "libxcb-xkb.so.1": ("libxcb-xkb1", "libxcb"),
    "libxkbcommon.so.0": ("libxkbcommon0", "libxkbcommon"),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", "libxkbcommon-x11"),
    "libX11.so.6": ("libx11-6", "libX11"),
    "libX11-xcb.so.1": ("libx11-xcb1", "libX11-xcb"),
    "libXau.so.6": ("libxau6", "libXau"),
    "libXdmcp.so.6": ("libxdmcp6", "libXdmcp"),
    "libXext.so.6": ("libxext6", "libXext"),
    "libXrender.so.1": ("libxrender1", "libXrender"),
    "libSM.so.6": ("libsm6", "libSM"),
    "libICE.so.6": ("libice6", "libICE"),
    "libEGL.so.1": ("libegl1", "libglvnd-egl"),
    "libGL.so.1": ("libgl1", "libglvnd-glx"),
    "libGLX.so.0": ("libglx0", "libglvnd-glx"),
    "libOpenGL.so.0": ("libopengl0", "libglvnd-opengl"),
    "libfontconfig.so.1": ("libfontconfig1", "fontconfig"),
    "libfreetype.so.6": ("libfreetype6", "freetype"),
    "libdbus-1.so.3": ("libdbus-1-3", "dbus-libs"),
    "libglib-2.0.so.0": ("libglib2.0-0", "glib2"),
    "libgthread-2.0.so.0": ("libglib2.0-0", "glib2"),
}

X11_SOCKETS = Path("/tmp/.X11-unix")  # where a local X server's socket X<n> lives
_DISPLAY = re.compile(r"(?:[a-z]+/)?(.*):(\d+)(?:\.\d+)?")  # [protocol/][host]:n[.screen]
_OFFSCREEN_HINT = (
    "  To check the installation without a display: QT_QPA_PLATFORM=offscreen labeldesk gui --smoke"
)

_NOT_FOUND = re.compile(r"^\s*(\S+)\s*=>\s*not found", re.MULTILINE)
_DLOPEN_ERROR = re.compile(r"(\S+\.so[.\d]*): cannot open shared object file")


def xcb_plugin() -> Path | None:
    """Qt's xcb platform plugin inside the installed PySide6, found without importing it
    (or, in a PyInstaller bundle, next to the executable)."""
    roots: list[Path] = []
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        roots.append(Path(bundle) / "PySide6")
    spec = importlib.util.find_spec("PySide6")
    if spec is not None and spec.submodule_search_locations:
        roots.extend(Path(p) for p in spec.submodule_search_locations)
    for root in roots:
        for sub in ("Qt/plugins", "plugins"):
            plugin = root / sub / "platforms" / "libqxcb.so"
            if plugin.is_file():
                return plugin
    return None


def missing_libraries(plugin: Path, ldd: str | None = None) -> list[str]:
    """The shared libraries ``plugin`` needs that the system cannot find, by ``ldd``
    (every one at once), else by loading it with ctypes (the first one only)."""
    ldd = ldd if ldd is not None else shutil.which("ldd")
    if ldd:
        try:
            out = subprocess.run(
                [ldd, str(plugin)], capture_output=True, text=True, timeout=30, check=False
            ).stdout
        except (OSError, subprocess.SubprocessError):
            out = None
        if out is not None:
            return sorted(set(_NOT_FOUND.findall(out)))
    try:
        ctypes.CDLL(str(plugin))
    except OSError as exc:
        found = _DLOPEN_ERROR.search(str(exc))
        return [found.group(1)] if found else []
    return []


def shipped_with_qt(library: str, plugin: Path) -> bool:
    """Whether ``library`` comes with PySide6 or the bundle itself (Qt's own libraries):
    ``ldd`` may not find one where a bundler moved it, but the app loads it before the
    plugin, so it is not the system's to provide."""
    # PySide6/Qt from PySide6/Qt/plugins/platforms/libqxcb.so
    qt = plugin.parents[min(2, len(plugin.parents) - 1)]
    places = [qt / "lib", qt.parent, qt]
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        places.append(Path(bundle))
    return any((place / library).exists() for place in places)


def install_commands(libraries: list[str]) -> list[str]:
    """Commands that install the packages providing ``libraries``, Debian/Ubuntu first,
    then Fedora; a line naming any library no known package provides."""
    known = [lib for lib in libraries if lib in PACKAGES]
    unknown = [lib for lib in libraries if lib not in PACKAGES]
    lines = []
    if known:
        debian = sorted({PACKAGES[lib][0] for lib in known})
        fedora = sorted({PACKAGES[lib][1] for lib in known})
        lines.append(f"  Debian/Ubuntu: sudo apt install {' '.join(debian)}")
        lines.append(f"  Fedora:        sudo dnf install {' '.join(fedora)}")
    for lib in unknown:
        lines.append(
            f"  {lib}: find its package with `apt-file search {lib}` or `dnf provides '*/{lib}'`"
        )
    return lines


def display_problem(env: Mapping[str, str]) -> str | None:
    """A sentence when there is no display to open a window on, else None."""
    if env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"):
        return None
    return (
        "LabelDesk cannot open a window: no display is set (neither DISPLAY nor "
        "WAYLAND_DISPLAY).\n"
        "  Start it from a desktop session; over ssh, connect with `ssh -X`.\n" + _OFFSCREEN_HINT
    )


def x_display_problem(
    display: str, x11_dir: Path = X11_SOCKETS, timeout: float = 3.0
) -> str | None:
    """A sentence when no X server answers at ``display`` (a stale DISPLAY, a session
    that ended), else None. Qt's xcb plugin aborts the process there, so it is asked
    here first: the local socket (file, then Linux's abstract name), or TCP 6000+n.
    A DISPLAY this cannot read is left to Qt."""
    match = _DISPLAY.fullmatch(display)
    if match is None:
        return None
    host, number = match.group(1), int(match.group(2))
    if host in ("", "unix"):
        path = x11_dir / f"X{number}"
        for address in (str(path), "\0" + str(path)):
            try:
                with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                    sock.settimeout(timeout)
                    sock.connect(address)
                return None
            except OSError:
                continue
        reason = f"no X server listens on {path}"
    else:
        port = 6000 + number
        try:
            with socket.create_connection((host.strip("[]"), port), timeout=timeout):
                return None
        except OSError as exc:
            reason = f"{host} port {port}: {exc.strerror or exc}"
    return (
        f"LabelDesk cannot open a window: cannot connect to display {display} ({reason}).\n"
        "  Is the desktop session still running? DISPLAY may be left over from one that "
        "ended; over ssh, reconnect with `ssh -X`.\n" + _OFFSCREEN_HINT
    )


def qt_platforms(env: Mapping[str, str]) -> list[str]:
    """The platform names in QT_QPA_PLATFORM, a ';'-separated list Qt tries in order
    (each may carry ':options')."""
    return [p.split(":")[0].strip() for p in env.get("QT_QPA_PLATFORM", "").split(";") if p]


def uses_xcb(env: Mapping[str, str]) -> bool:
    """Whether Qt will load its xcb plugin: asked for, or an X display in a session that is
    not Wayland (Qt 6 prefers its Wayland plugin there)."""
    requested = qt_platforms(env)
    if requested:
        return requested[0] == "xcb"
    wayland = bool(env.get("WAYLAND_DISPLAY")) and env.get("XDG_SESSION_TYPE") == "wayland"
    return bool(env.get("DISPLAY")) and not wayland


def problems(
    env: Mapping[str, str] | None = None,
    platform: str = sys.platform,
    plugin_finder: Callable[[], Path | None] = xcb_plugin,
    ldd: str | None = None,
    x_display: Callable[[str], str | None] = x_display_problem,
) -> list[str]:
    """What stops the app from starting here, each as a message for people; empty when
    nothing does (and off Linux, with a headless Qt platform anywhere in QT_QPA_PLATFORM's
    list, which Qt falls back to, or with LABELDESK_SKIP_CHECKS=1)."""
    env = os.environ if env is None else env
    headless = any(p in HEADLESS_PLATFORMS for p in qt_platforms(env))
    if platform != "linux" or env.get(SKIP_VARIABLE) == "1" or headless:
        return []
    display = display_problem(env)
    if display is not None:
        return [display]
    if not uses_xcb(env):
        return []
    if not env.get("DISPLAY"):
        return [
            "LabelDesk cannot open a window: Qt is set to use X11 (QT_QPA_PLATFORM="
            f"{env.get('QT_QPA_PLATFORM')}) but DISPLAY is not set.\n"
            "  Unset QT_QPA_PLATFORM in a Wayland session, or set DISPLAY.\n" + _OFFSCREEN_HINT
        ]
    missing = missing_libraries_problem(plugin_finder, ldd)
    if missing is None:
        unreachable = x_display(env["DISPLAY"])
        return [unreachable] if unreachable else []
    return [missing]


def missing_libraries_problem(
    plugin_finder: Callable[[], Path | None] = xcb_plugin,
    ldd: str | None = None,
    start: str | None = None,
) -> str | None:
    """The system libraries Qt's X11 plugin lacks here, with the command that installs
    them, or None. Also asked by the installer, which has no display to check: it says
    so when it is done, not first at the menu entry's click. ``start``: how to start the
    app once they are installed (the installer's words, "LabelDesk in your applications
    menu, or run: labeldesk gui": the app was never started, so not "start LabelDesk
    again", and there is no check to skip); by default, start it again."""
    plugin = plugin_finder()
    missing = []  # without PySide6 at all, its import error says so plainly
    if plugin is not None:
        missing = [
            lib for lib in missing_libraries(plugin, ldd) if not shipped_with_qt(lib, plugin)
        ]
    if not missing:
        return None
    return (
        "LabelDesk cannot start: Qt's X11 (xcb) plugin needs system libraries that are "
        f"missing: {', '.join(missing)}.\nInstall them with:\n"
        + "\n".join(install_commands(missing))
        + (
            f"\n(then start LabelDesk again; {SKIP_VARIABLE}=1 skips this check)"
            if start is None
            else f"\nThen start it: {start} (nothing of LabelDesk needs installing again)."
        )
    )
