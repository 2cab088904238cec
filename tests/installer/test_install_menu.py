"""The menu entry install.sh makes, as a desktop reads it (with the stand-in Python: no pip,
no PyTorch): its icons are found where an icon cache was there before, and the entry is
valid and starts the installed command from a home whose path holds spaces and non-ASCII
letters."""

from __future__ import annotations

import os
import shutil
import subprocess
import time

from .standin import DESKTOP, desktop_exec_argument, install, linux_only, uninstall

pytestmark = linux_only


def test_the_entry_starts_the_command_from_a_home_with_spaces_and_accents(tmp_path, fake_python):
    """The entry as a desktop reads it: valid, with an Exec line that names the installed
    command whole (a space and non-ASCII letters in the home's path), and, launched the
    way a menu launches it (`gio launch`, where GLib's gio is installed), it runs."""
    home = tmp_path / "Zoë Ünal" / "my home"
    install(home, fake_python)
    entry = home / ".local/share/applications" / DESKTOP
    program = str(home / ".local/share/labeldesk/venv/bin/labeldesk")
    [exec_line] = [line for line in entry.read_text().splitlines() if line.startswith("Exec=")]
    assert desktop_exec_argument(exec_line[len("Exec=") :]) == [program, "gui"]
    if shutil.which("desktop-file-validate"):
        check = subprocess.run(["desktop-file-validate", str(entry)], capture_output=True)
        assert check.returncode == 0 and not check.stdout + check.stderr
    if shutil.which("gio"):
        env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "LC_ALL": "C.UTF-8"}
        env["XDG_CACHE_HOME"] = str(tmp_path / "cache")  # GLib's, not the installer's
        ran = subprocess.run(["gio", "launch", str(entry)], env=env, capture_output=True,
                             text=True, timeout=60)  # fmt: skip
        assert ran.stdout == "labeldesk gui\n", ran.stderr  # the stand-in says how it ran
    uninstall(home)
    assert not any(home.rglob("*"))


SIZES = ["16x16", "24x24", "32x32", "48x48", "64x64", "128x128", "256x256", "512x512", "scalable"]


def test_icons_are_seen_where_an_icon_cache_was_made_before(tmp_path, fake_python):
    """GTK reads hicolor's icon-theme.cache instead of its folders while the hicolor folder
    is not newer than the cache. Icons copied into size folders that were there already
    (another app's icons) left that folder's time as it was: the menu showed LabelDesk
    without its icon (seen with GTK 3.24's lookup), and after --uninstall still listed it."""
    home = tmp_path / "home"
    hicolor = home / ".local/share/icons/hicolor"
    for size in SIZES:
        (hicolor / size / "apps").mkdir(parents=True)
        (hicolor / size / "apps" / "other-app.png").write_bytes(b"")
    cache = hicolor / "icon-theme.cache"
    cache.write_bytes(b"")  # what gtk-update-icon-cache left (its content is not read here)
    an_hour_ago = time.time() - 3600
    for path in [cache, *hicolor.rglob("*"), hicolor]:
        os.utime(path, (an_hour_ago, an_hour_ago))
    install(home, fake_python)
    assert (hicolor / "256x256/apps/labeldesk.png").is_file()
    assert hicolor.stat().st_mtime > cache.stat().st_mtime  # the cache is not trusted
    os.utime(cache)  # as if the cache was made again, after the install
    os.utime(hicolor, (an_hour_ago, an_hour_ago))
    uninstall(home)
    assert not (hicolor / "256x256/apps/labeldesk.png").exists()
    assert hicolor.stat().st_mtime >= cache.stat().st_mtime  # nor does it list the icons
    assert (hicolor / "256x256/apps/other-app.png").exists() and cache.exists()
