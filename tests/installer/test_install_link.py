"""What install.sh takes for its own besides the files it marks: the `labeldesk` command
link, and what the earlier install-linux.sh made. Before, the link was judged by its
target alone (a link of the user's own, or one put in place of the installer's, pointing
at the same place was listed and removed), and install-linux.sh's labeldesk.desktop by its
Exec= line (a launcher of the user's own with that line was deleted)."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from .standin import DESKTOP, REPO, install, linux_only, run, uninstall

pytestmark = linux_only

# installer/labeldesk.desktop as install-linux.sh had it: its only version, added in
# e7570a9a (deleted in 93b11439). The script wrote it with @LABELDESK@ replaced by the path
# of its environment's command. Read from the history, not a copy kept here.
OLD_TEMPLATE = "e7570a9a:installer/labeldesk.desktop"


def _old_template() -> str:
    """install-linux.sh's template as git has it; the test is skipped, saying why, where
    git or that commit is not there (a shallow clone, a source tree without .git)."""
    try:
        shown = subprocess.run(
            ["git", "-C", str(REPO), "cat-file", "blob", OLD_TEMPLATE],
            capture_output=True,
            text=True,
        )
    except FileNotFoundError:
        pytest.skip(f"needs git, to read install-linux.sh's template ({OLD_TEMPLATE})")
    if shown.returncode != 0:
        said = shown.stderr.strip().splitlines() or [f"exit status {shown.returncode}"]
        pytest.skip(f"needs {OLD_TEMPLATE} from git history (a full clone): {said[0]}")
    return shown.stdout


def _target(home: Path) -> Path:
    return home / ".local/share/labeldesk/venv/bin/labeldesk"


def test_a_link_of_the_users_own_to_the_same_place_is_never_taken(tmp_path, fake_python):
    home = tmp_path / "home"
    link = home / ".local/bin/labeldesk"
    link.parent.mkdir(parents=True)
    link.symlink_to(_target(home))  # made by hand (or a dotfiles tool) before installing
    said = install(home, fake_python)
    assert f"note: {link} exists and is not LabelDesk's; left as it is" in said
    manifest = (home / ".local/share/labeldesk/install-manifest.txt").read_text()
    assert f" {link}\n" not in manifest
    said = uninstall(home)
    assert f"kept {link}: no manifest line says LabelDesk made it" in said
    assert link.is_symlink() and os.readlink(link) == str(_target(home))


def test_a_link_put_in_place_of_the_installers_is_kept(tmp_path, fake_python):
    """The same target, but not the link the installer made: made again since (by hand,
    `ln -sf`, a dotfiles tool). An upgrade leaves it, and so does --uninstall."""
    home = tmp_path / "home"
    link = home / ".local/bin/labeldesk"
    install(home, fake_python)
    made = os.lstat(link)
    link.unlink()
    link.symlink_to(_target(home))
    assert os.readlink(link) == str(_target(home))
    assert (made.st_ino, made.st_ctime_ns) != (os.lstat(link).st_ino, os.lstat(link).st_ctime_ns)
    said = install(home, fake_python)
    assert f"note: {link} was changed since LabelDesk made it" in said
    said = uninstall(home)
    assert f"kept {link}: not the link LabelDesk made" in said
    assert link.is_symlink()


def test_a_file_put_in_place_of_the_link_is_kept(tmp_path, fake_python):
    home = tmp_path / "home"
    link = home / ".local/bin/labeldesk"
    install(home, fake_python)
    link.unlink()
    link.write_text(f'#!/bin/sh\nexec "{_target(home)}" "$@"\n')
    said = install(home, fake_python)
    assert f"note: {link} was changed since LabelDesk made it" in said
    said = uninstall(home)
    assert f"kept {link}: changed since LabelDesk installed it" in said
    assert link.is_file() and not link.is_symlink()


def test_the_installers_own_link_outlives_upgrades_and_goes_with_uninstall(tmp_path, fake_python):
    home = tmp_path / "home"
    link = home / ".local/bin/labeldesk"
    install(home, fake_python)
    manifest = home / ".local/share/labeldesk/install-manifest.txt"
    [entry] = [line for line in manifest.read_text().splitlines() if line.endswith(f" {link}")]
    assert entry.startswith("link:") and entry.count(":") == 2  # target checksum, the link's id
    said = install(home, fake_python)
    said += install(home, fake_python)
    assert "note:" not in said
    uninstall(home)
    assert not link.exists() and not link.is_symlink()
    assert not any(home.rglob("*"))


def test_an_older_manifests_link_is_taken_by_its_target_and_listed_anew(tmp_path, fake_python):
    """An installer before this one listed the link as link:SHA256 (its target only): an
    upgrade, finding it still pointing there, lists it with its identity."""
    home = tmp_path / "home"
    link = home / ".local/bin/labeldesk"
    install(home, fake_python)
    manifest = home / ".local/share/labeldesk/install-manifest.txt"
    lines = manifest.read_text().splitlines()
    older = [
        (line.split(" ", 1)[0].rsplit(":", 1)[0] + " " + line.split(" ", 1)[1])
        if line.startswith("link:")
        else line
        for line in lines
    ]
    manifest.write_text("\n".join(older) + "\n")
    assert any(line.startswith("link:") and line.count(":") == 1 for line in older)
    said = install(home, fake_python)
    assert "note:" not in said
    [entry] = [line for line in manifest.read_text().splitlines() if line.endswith(f" {link}")]
    assert entry.split(" ", 1)[0].count(":") == 2
    uninstall(home)
    assert not link.is_symlink()


def _install_linux_sh_made(home: Path, fake_python: Path) -> dict[str, Path]:
    """What install-linux.sh (e7570a9a) left: its environment, the command link, the SVG
    icon and labeldesk.desktop from its template, as that script wrote them."""
    data = home / ".local/share"
    venv = data / "labeldesk/venv"
    run(home, "-m", "venv", str(venv), script=fake_python)  # (the stand-in makes a venv)
    (venv / "lib").mkdir()
    (venv / "lib/labeldesk").touch()
    link = home / ".local/bin/labeldesk"
    link.parent.mkdir(parents=True)
    link.symlink_to(venv / "bin/labeldesk")
    icon = data / "icons/hicolor/scalable/apps/labeldesk.svg"
    icon.parent.mkdir(parents=True)
    shutil.copyfile(REPO / "resources/labeldesk.svg", icon)
    entry = data / "applications/labeldesk.desktop"
    entry.parent.mkdir(parents=True)
    entry.write_text(_old_template().replace("@LABELDESK@", str(venv / "bin/labeldesk")))
    return {"link": link, "icon": icon, "entry": entry}


def test_what_install_linux_sh_made_is_adopted_and_uninstalled(tmp_path, fake_python):
    home = tmp_path / "home"
    made = _install_linux_sh_made(home, fake_python)
    said = install(home, fake_python)
    assert "adopting the installation made by install-linux.sh" in said
    assert f"removed {made['entry']}, the menu entry install-linux.sh wrote" in said
    assert not made["entry"].exists() and "note:" not in said
    assert (home / ".local/share/applications" / DESKTOP).is_file()
    uninstall(home)
    assert not made["link"].is_symlink() and not made["icon"].exists()
    assert not (home / ".local/share/labeldesk").exists()


def test_a_launcher_of_the_users_own_with_the_same_exec_line_stays(tmp_path, fake_python):
    """labeldesk.desktop that starts this installation as install-linux.sh's did, but is not
    what that script wrote (the user's own, or its entry edited), and an icon of the user's
    own where that script put its icon: neither is taken by the adopting install."""
    home = tmp_path / "home"
    made = _install_linux_sh_made(home, fake_python)
    mine = made["entry"].read_text().replace("Name=LabelDesk\n", "Name=LabelDesk (mine)\n")
    made["entry"].write_text(mine)
    made["icon"].write_text("<svg><!-- my icon --></svg>\n")
    said = install(home, fake_python)
    assert f"note: {made['entry']} starts LabelDesk but is not what install-linux.sh wrote" in said
    assert f"note: {made['icon']} exists and is not LabelDesk's; left as it is" in said
    uninstall(home)
    assert made["entry"].read_text() == mine
    assert made["icon"].read_text() == "<svg><!-- my icon --></svg>\n"
    assert stat.S_ISREG(os.lstat(made["entry"]).st_mode)
