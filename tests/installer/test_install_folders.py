"""The folders install.sh creates outside its data folder (~/.local/bin, ~/.local, the icon
theme's) after the data folder, manifest included, was deleted by hand. Before, nothing
said the installer had made them: a reinstall did not list them, so its --uninstall left
every one, empty, and --uninstall without a manifest left them too. Now each holds a file
(.labeldesk-installer-made) that says so: listed with the folder, taken back by a
reinstall, kept while the folder holds anything else, and a folder holding nothing but it
is removed. A folder without it (there before, or made by hand) is never removed."""

from __future__ import annotations

import shutil
from pathlib import Path

from .standin import INSTALL, REPO, install, linux_only, run, stops, uninstall

pytestmark = linux_only

MADE = ".labeldesk-installer-made"


def _tree(home: Path) -> set[str]:
    return {str(p.relative_to(home)) for p in home.rglob("*")}


def test_a_reinstall_takes_back_the_folders_and_a_later_uninstall_removes_them(
    tmp_path, fake_python
):
    home = tmp_path / "home"
    home.mkdir()  # a home of its own, with nothing in ~/.local yet
    install(home, fake_python)
    made = (home / ".local/bin" / MADE).read_text()
    assert "LabelDesk's installer made this folder" in made
    shutil.rmtree(home / ".local/share/labeldesk")  # the manifest with it
    install(home, fake_python)
    said = uninstall(home)
    # Left: the command link, which no record says the installer made, and the folders
    # it is in, which keep their note while they hold it.
    assert _tree(home) == {
        ".local",
        f".local/{MADE}",
        ".local/bin",
        f".local/bin/{MADE}",
        ".local/bin/labeldesk",
    }
    assert f"kept {home / '.local/bin'}: it holds what is not LabelDesk's" in said
    (home / ".local/bin/labeldesk").unlink()  # the person deletes it, as told
    said = run(home, "--uninstall")  # the installer from the checkout: no manifest now
    assert f"removed {home / '.local/bin'}: an empty folder LabelDesk's installer made" in said
    assert _tree(home) == set()


def test_only_a_folder_holding_nothing_but_its_note_goes_without_a_manifest(tmp_path, fake_python):
    home = tmp_path / "home"
    applications = home / ".local/share/applications"
    applications.mkdir(parents=True)  # there before: the person's, empty or not
    install(home, fake_python)
    assert not (applications / MADE).exists() and (home / ".local/bin" / MADE).is_file()
    shutil.rmtree(home / ".local/share/labeldesk")
    for path in list(home.rglob("*")):  # the person clears what was left by hand...
        if (path.is_file() and path.name != MADE) or path.is_symlink():
            path.unlink()
    metainfo = home / ".local/share/metainfo"
    (metainfo / "other.metainfo.xml").write_text("<component/>\n")  # ...but one of theirs
    edited = home / ".local/share/icons/hicolor/48x48/apps"
    (edited / MADE).write_text("mine now\n")  # not what the installer writes: no proof
    said = run(home, "--uninstall")
    assert "its installer had left only" in said
    assert _tree(home) == {
        ".local",
        ".local/share",
        ".local/share/applications",
        ".local/share/metainfo",
        f".local/share/metainfo/{MADE}",
        ".local/share/metainfo/other.metainfo.xml",
        ".local/share/icons",
        f".local/share/icons/{MADE}",
        ".local/share/icons/hicolor",
        f".local/share/icons/hicolor/{MADE}",
        ".local/share/icons/hicolor/48x48",
        f".local/share/icons/hicolor/48x48/{MADE}",
        ".local/share/icons/hicolor/48x48/apps",
        f".local/share/icons/hicolor/48x48/apps/{MADE}",
    }
    assert (edited / MADE).read_text() == "mine now\n"


def test_a_first_install_that_stops_takes_its_folders_and_notes_back(tmp_path, fake_python):
    """Its PyTorch index cannot be reached: the run changes nothing, and the folders it had
    made go again, each with its note."""
    home = tmp_path / "home"
    home.mkdir()
    args = ["--python", str(fake_python), "--torch", "cpu", "--from", str(REPO)]
    stops(home, *args, "--torch-index", "https://index.invalid/whl", FAKE_OFFLINE="1")
    assert _tree(home) == set()


def _app_log(home: Path) -> Path:
    """The log `labeldesk gui` started from the menu writes (app_log.py), two runs'."""
    logs = home / ".local/state/labeldesk/log"
    logs.mkdir(parents=True)
    (logs / "labeldesk.log").write_text("started\n")
    (logs / "labeldesk.log.1").write_text("started before\n")
    return logs


def test_the_apps_own_log_goes_and_leaves_no_folder_behind(tmp_path, fake_python):
    """--uninstall kept ~/.local "as it holds what is not LabelDesk's; install.sh
    --uninstall removes it once it is empty", when what it held was LabelDesk's own log
    (~/.local/state/labeldesk), and the install.sh it named had just gone with the data
    folder. The app's log is LabelDesk's: removed, and with it the folders it alone kept."""
    home = tmp_path / "home"
    home.mkdir()  # nothing in ~/.local before: the installer makes it
    install(home, fake_python)
    _app_log(home)
    said = uninstall(home)
    assert f"removed {home / '.local/state/labeldesk'}: LabelDesk's log" in said
    assert "kept" not in said
    assert _tree(home) == set()


def test_a_folder_kept_names_what_keeps_it_and_no_script_that_is_gone(tmp_path, fake_python):
    home = tmp_path / "home"
    home.mkdir()
    install(home, fake_python)
    _app_log(home)
    (home / ".local/lib").mkdir()  # another program's
    (home / ".local/lib/other.py").write_text("x\n")
    said = uninstall(home)
    assert not (home / ".local/state").exists()  # the app's log, and the folder it made
    [line] = [x for x in said.splitlines() if x.startswith(f"  kept {home / '.local'}:")]
    assert "it holds what is not LabelDesk's (lib);" in line
    assert not (home / ".local/share/labeldesk/install.sh").exists()
    assert "install.sh" not in line  # gone with the data folder: not to be run
    assert f"delete it (with the {MADE} LabelDesk's installer left in it)" in line
    # from a checkout the script is still there: named as the one to run
    (home / ".local/lib/other.py").unlink()
    (home / ".local/lib").rmdir()
    install(home, fake_python)
    (home / ".local/lib").mkdir()
    said = run(home, "--uninstall")
    later = f"{INSTALL} --uninstall removes it once nothing else is in it"
    assert f"kept {home / '.local'}: it holds what is not LabelDesk's (lib); {later}" in said


def test_a_log_folder_holding_a_file_of_yours_is_kept_and_named(tmp_path, fake_python):
    home = tmp_path / "home"
    home.mkdir()
    install(home, fake_python)
    logs = _app_log(home)
    (logs / "mine.txt").write_text("keep me\n")
    said = uninstall(home)
    assert (logs / "mine.txt").read_text() == "keep me\n"
    assert not (logs / "labeldesk.log").exists() and not (logs / "labeldesk.log.1").exists()
    assert f"log:         {home / '.local/state/labeldesk'}" in said
    assert f"removed {home / '.local/state/labeldesk'}" not in said
