"""installer/install.sh run for real in a temporary HOME, with a stand-in Python (no pip,
no PyTorch): it never replaces or deletes a file that is not what it wrote (the user's own
menu entry or icon, an entry edited since, a command link pointed elsewhere), writes an
Exec line that survives any character in the install path, and its uninstaller finds its
own manifest whatever XDG_DATA_HOME says."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from .standin import (
    DESKTOP,
    FAKE_PYTHON,
    INSTALL,
    REPO,
    desktop_exec_argument,
    install,
    linux_only,
    uninstall,
)

pytestmark = linux_only


def test_the_users_own_menu_entry_and_icon_are_never_replaced(tmp_path, fake_python):
    home = tmp_path / "home"
    data = home / ".local/share"
    entry = data / "applications" / DESKTOP
    icon = data / "icons/hicolor/scalable/apps/labeldesk.svg"
    entry.parent.mkdir(parents=True)
    icon.parent.mkdir(parents=True)
    entry.write_text("[Desktop Entry]\nName=LabelDesk (my checkout)\nExec=/src/ld gui\n")
    icon.write_text("<svg><!-- mine --></svg>")
    said = install(home, fake_python)
    assert f"note: {entry} exists and is not LabelDesk's; left as it is" in said
    assert "my checkout" in entry.read_text() and "mine" in icon.read_text()
    manifest = (data / "labeldesk/install-manifest.txt").read_text()
    assert str(entry) not in manifest and f" {icon}\n" not in manifest
    assert (data / "icons/hicolor/256x256/apps/labeldesk.png").is_file()  # the rest is placed
    uninstall(home)
    assert "my checkout" in entry.read_text() and "mine" in icon.read_text()
    assert not (data / "icons/hicolor/256x256/apps/labeldesk.png").exists()


def test_an_entry_edited_after_installing_outlives_upgrade_and_uninstall(tmp_path, fake_python):
    home = tmp_path / "home"
    data = home / ".local/share"
    entry = data / "applications" / DESKTOP
    install(home, fake_python)
    manifest = data / "labeldesk/install-manifest.txt"
    lines = manifest.read_text().splitlines()
    assert any(line.startswith("file:") and line.endswith(str(entry)) for line in lines)
    edited = entry.read_text().replace("Exec=", "Exec=env LABELDESK_USER=alice ")
    entry.write_text(edited)
    said = install(home, fake_python)  # an upgrade
    assert f"note: {entry} was changed since LabelDesk installed it" in said
    assert entry.read_text() == edited
    assert len(manifest.read_text().splitlines()) == len(lines)  # same entries, no duplicates
    said = uninstall(home)
    assert f"kept {entry}: changed since LabelDesk installed it" in said
    assert entry.read_text() == edited
    assert not (data / "labeldesk").exists() and not (home / ".local/bin/labeldesk").exists()


def test_an_unedited_entry_is_replaced_by_an_upgrade(tmp_path, fake_python):
    home = tmp_path / "home"
    entry = home / ".local/share/applications" / DESKTOP
    install(home, fake_python)
    entry.write_text(entry.read_text())  # touched, not changed
    said = install(home, fake_python)
    assert "note:" not in said
    uninstall(home)
    assert not entry.exists()


def test_a_command_link_pointed_elsewhere_is_kept(tmp_path, fake_python):
    home = tmp_path / "home"
    link = home / ".local/bin/labeldesk"
    install(home, fake_python)
    link.unlink()
    link.symlink_to("/opt/my-labeldesk/bin/labeldesk")
    said = uninstall(home)
    assert "it now points at /opt/my-labeldesk/bin/labeldesk" in said
    assert os.readlink(link) == "/opt/my-labeldesk/bin/labeldesk"


def test_an_older_installers_manifest_still_uninstalls_only_its_own(tmp_path, fake_python):
    home = tmp_path / "home"
    data = home / ".local/share"
    install(home, fake_python)
    manifest = data / "labeldesk/install-manifest.txt"
    # as install.sh wrote it before checksums: "file PATH" and "link PATH"
    old = [line.split(" ", 1) for line in manifest.read_text().splitlines()]
    manifest.write_text("".join(f"{k.split(':')[0]} {p}\n" for k, p in old))
    link = home / ".local/bin/labeldesk"
    link.unlink()
    link.symlink_to("/opt/other/labeldesk")
    uninstall(home)
    assert os.readlink(link) == "/opt/other/labeldesk"
    assert not (data / "applications" / DESKTOP).exists() and not (data / "labeldesk").exists()


@pytest.mark.parametrize("name", ["R&D", 'a $HOME "q" `b` back\\slash 100%'])
def test_any_character_in_the_install_path_gives_a_working_exec_line(tmp_path, fake_python, name):
    home = tmp_path / name
    install(home, fake_python)
    entry = home / ".local/share/applications" / DESKTOP
    lines = entry.read_text().splitlines()
    [exec_line] = [line for line in lines if line.startswith("Exec=")]
    program = str(home / ".local/share/labeldesk/venv/bin/labeldesk")
    assert desktop_exec_argument(exec_line[len("Exec=") :]) == [program, "gui"]
    [try_exec] = [line for line in lines if line.startswith("TryExec=")]
    assert try_exec == "TryExec=" + program.replace("\\", "\\\\")
    if shutil.which("desktop-file-validate"):
        check = subprocess.run(["desktop-file-validate", str(entry)], capture_output=True)
        assert b"error" not in check.stdout + check.stderr
    uninstall(home)
    assert not any(home.rglob("*"))


def test_the_printed_uninstaller_works_without_the_installs_xdg_data_home(tmp_path, fake_python):
    home = tmp_path / "home"
    xdg = tmp_path / "xdg"
    said = install(home, fake_python, XDG_DATA_HOME=str(xdg))
    assert f'Uninstall:   "{xdg}/labeldesk/install.sh" --uninstall' in said
    said = uninstall(home, data=xdg)  # a shell without XDG_DATA_HOME
    assert "LabelDesk is uninstalled" in said
    assert not (xdg / "labeldesk").exists() and not (xdg / "applications" / DESKTOP).exists()
    assert not (home / ".local/bin/labeldesk").exists()


def test_a_relative_xdg_data_home_is_ignored(tmp_path, fake_python):
    """The XDG spec: a relative XDG_DATA_HOME is invalid. Taken as it was, the install
    went below the current folder, with a command link that pointed nowhere."""
    home, cwd = tmp_path / "home", tmp_path / "cwd"
    cwd.mkdir()
    args = ["--python", str(fake_python), "--torch", "cpu", "--torch-index", "default"]
    base = {"PATH": "/usr/bin:/bin", "HOME": str(home), "LC_ALL": "C", "XDG_DATA_HOME": "share"}
    done = subprocess.run(
        ["bash", str(INSTALL), *args, "--from", str(REPO)],
        env=base, cwd=cwd, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "XDG_DATA_HOME=share is not an absolute path; ignored" in done.stdout
    assert not any(cwd.iterdir())
    assert (home / ".local/share/applications" / DESKTOP).is_file()
    assert (home / ".local/bin/labeldesk").resolve().is_file()
    uninstall(home)
    assert not any(home.rglob("*"))


def test_relative_paths_in_a_manifest_are_never_removed(tmp_path, fake_python):
    """A manifest written with a relative XDG_DATA_HOME listed relative paths: removed
    from whatever folder --uninstall ran in, they could name someone else's files."""
    home, elsewhere = tmp_path / "home", tmp_path / "elsewhere"
    install(home, fake_python)
    manifest = home / ".local/share/labeldesk/install-manifest.txt"
    mine = elsewhere / "share/labeldesk"
    (mine / "venv").mkdir(parents=True)
    (mine / "torch-build").write_text("someone else's\n")
    relative = "tree share/labeldesk/venv\nfile share/labeldesk/torch-build\ndir share\n"
    manifest.write_text(manifest.read_text() + relative)
    out = subprocess.run(
        ["bash", str(home / ".local/share/labeldesk/install.sh"), "--uninstall"],
        env={"PATH": "/usr/bin:/bin", "HOME": str(home), "LC_ALL": "C"},
        cwd=elsewhere, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "skipped share/labeldesk/venv: not an absolute path" in out.stdout
    assert (mine / "venv").is_dir() and (mine / "torch-build").is_file()
    assert not (home / ".local/share/labeldesk").exists()


def test_missing_x11_libraries_are_named_when_the_install_ends(tmp_path):
    """The installer finished with "Start it: LabelDesk in your applications menu", and
    on a desktop without Qt's X11 libraries that menu entry then did nothing: the reason
    (and the apt-get command) came first when the app was started from a terminal."""
    said = "LabelDesk cannot start: Qt's X11 (xcb) plugin needs system libraries that are"
    said += " missing: libxcb-cursor.so.0.\\nInstall them with:\\n  sudo apt-get install x"
    lacking = tmp_path / "fakepy-lacking"
    asked = 'if [[ "$1" == -c && "$2" == *missing_libraries_problem* ]]; then '
    answer = f'printf "{said}\\n(then: %s)\\n" "$3"; fi\n'  # how to start it, as asked
    version = 'if [[ "$1" == --version ]]'
    lacking.write_text(FAKE_PYTHON.replace(version, asked + answer + version))
    lacking.chmod(0o755)
    out = install(tmp_path / "home", lacking)
    assert out.rstrip().endswith(
        "Before it can open a window in an X11 session:\n"
        "Qt's X11 (xcb) plugin needs system libraries that are missing: libxcb-cursor.so.0.\n"
        "Install them with:\n  sudo apt-get install x\n"
        "(then: LabelDesk in your applications menu, or run: labeldesk gui)"
    )


def test_with_every_library_there_the_install_says_nothing_of_x11(tmp_path, fake_python):
    assert "X11" not in install(tmp_path / "home", fake_python)


def test_the_printed_start_command_runs_with_a_space_in_home(tmp_path, fake_python):
    """With ~/.local/bin off PATH the installer says which command starts LabelDesk; it
    printed the path unquoted, so with a space in HOME pasting it ran nothing."""
    home = tmp_path / "Jane Doe"
    said = install(home, fake_python)
    [hint] = [line for line in said.splitlines() if "is not on your PATH: run " in line]
    command = hint.split("is not on your PATH: run ", 1)[1].split(", or add it")[0]
    ran = subprocess.run(["bash", "-c", command], capture_output=True, text=True)
    assert ran.stdout == "labeldesk gui\n", ran.stderr


@pytest.mark.parametrize("xdg", [False, True])
def test_the_uninstaller_names_the_settings_and_cache_it_keeps(tmp_path, fake_python, xdg):
    """After --uninstall the app's settings and its model cache (13 MB after one embedding
    run) stayed, unnamed: "settings are untouched" did not say where, and the cache not
    at all, so a person who wanted LabelDesk gone had to go looking."""
    home = tmp_path / "home"
    env = {"XDG_CONFIG_HOME": str(tmp_path / "cfg"), "XDG_CACHE_HOME": str(tmp_path / "c")}
    env["XDG_STATE_HOME"] = str(tmp_path / "state")
    env = env if xdg else {}
    config = tmp_path / "cfg" if xdg else home / ".config"
    cache = tmp_path / "c" if xdg else home / ".cache"
    logs = (tmp_path / "state" if xdg else home / ".local/state") / "labeldesk"
    install(home, fake_python)
    (logs / "log").mkdir(parents=True)  # what `labeldesk gui` started from the menu writes
    (logs / "log/labeldesk.log").write_text("started\n")
    (config / "LabelDesk").mkdir(parents=True)
    (config / "LabelDesk/LabelDesk.ini").write_text("[projects]\n")
    (cache / "labeldesk/runtime").mkdir(parents=True)
    (cache / "labeldesk/runtime/model.onnx").write_bytes(b"x")
    (logs / "notes.txt").write_text("mine\n")  # a file of the person's in the log folder
    said = uninstall(home, **env)
    assert f"settings:    {config / 'LabelDesk'}" in said
    assert f"model cache: {cache / 'labeldesk'}" in said
    # the app's own log goes (test_install_folders); the person's file keeps its folder
    assert f"log:         {logs}" in said and not (logs / "log").exists()
    assert (logs / "notes.txt").read_text() == "mine\n"
    assert (config / "LabelDesk/LabelDesk.ini").is_file()
    assert (cache / "labeldesk/runtime/model.onnx").is_file()


def test_the_uninstaller_names_no_settings_where_there_are_none(tmp_path, fake_python):
    home = tmp_path / "home"
    install(home, fake_python)
    said = uninstall(home)
    assert "settings:" not in said and "model cache:" not in said


def test_the_uninstaller_says_why_its_data_folder_stays(tmp_path, fake_python):
    """A file of the user's in the installer's data folder kept the folder, silently: the
    person who had just uninstalled found ~/.local/share/labeldesk still there."""
    home = tmp_path / "home"
    folder = home / ".local/share/labeldesk"
    install(home, fake_python)
    (folder / "my notes.txt").write_text("mine\n")
    said = uninstall(home)
    assert f"kept {folder}: it holds files that are not LabelDesk's (my notes.txt)" in said
    assert [p.name for p in folder.iterdir()] == ["my notes.txt"]


@pytest.mark.parametrize("on_path", [False, True])
def test_the_printed_check_command_runs_as_typed(tmp_path, fake_python, on_path):
    """The hint "Check it: labeldesk --version" was printed with ~/.local/bin off PATH, where
    typed as it is it ran nothing."""
    home = tmp_path / "Jane Doe"
    path = f"{home}/.local/bin:/usr/bin:/bin" if on_path else "/usr/bin:/bin"
    said = install(home, fake_python, PATH=path)
    [check] = [line for line in said.splitlines() if "Check it:" in line]
    command = check.split("Check it:", 1)[1].strip()
    assert (command == "labeldesk --version") == on_path
    ran = subprocess.run(["bash", "-c", command], capture_output=True, text=True,
                         env={"PATH": path, "HOME": str(home)})  # fmt: skip
    assert ran.stdout == "labeldesk --version\n", ran.stderr
