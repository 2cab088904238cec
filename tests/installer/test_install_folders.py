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

from .standin import REPO, install, linux_only, run, stops, uninstall

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
