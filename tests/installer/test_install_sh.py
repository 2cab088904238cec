"""installer/install.sh run for real in a temporary HOME, with a stand-in Python (no pip,
no PyTorch): it never replaces or deletes a file that is not what it wrote (the user's own
menu entry or icon, an entry edited since, a command link pointed elsewhere), writes an
Exec line that survives any character in the install path, and its uninstaller finds its
own manifest whatever XDG_DATA_HOME says."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
INSTALL = REPO / "installer" / "install.sh"
DESKTOP = "org.labeldesk.LabelDesk.desktop"

pytestmark = pytest.mark.skipif(
    sys.platform != "linux" or shutil.which("bash") is None or shutil.which("sha256sum") is None,
    reason="the Linux installer needs bash and sha256sum",
)

FAKE_PYTHON = f"""#!/bin/bash
# `-m venv DIR`: a venv-shaped folder with the package's resources; everything else succeeds.
if [[ "$1" == -m && "$2" == venv ]]; then
    mkdir -p "$3/bin" "$3/share/labeldesk/icons"
    cp "$0" "$3/bin/python"
    # the launcher runs only with the package installed (pip installs it, below)
    printf '%s\\n' '#!/bin/sh' \\
        '[ -e "$(dirname "$(readlink -f "$0")")/../lib/labeldesk" ] || exit 1' \\
        'echo labeldesk "$@"' >"$3/bin/labeldesk"; chmod +x "$3/bin/labeldesk"
    res="{REPO}/resources"
    cp "$res"/labeldesk.svg "$res"/org.labeldesk.LabelDesk.* "$3/share/labeldesk/"
    cp "$res"/icons/*.png "$3/share/labeldesk/icons/"
    touch "$3/pip-ready"  # as ensurepip, the last step of making a venv
    exit 0
fi
if [[ "$1" == -m && "$2" == pip && ! -e "$(dirname "$0")/../pip-ready" ]]; then
    echo "$0: No module named pip" >&2; exit 1
fi
env="$(dirname "$0")/.."
if [[ "$1" == -m && "$2" == pip && "$3" == install && "$*" != *--upgrade\\ pip* ]]; then
    if [[ -n "${{FAKE_KILL_IN_PIP:-}}" && -e "$FAKE_KILL_IN_PIP" ]]; then
        # pip has removed the installed package and not yet written the new one: kill -9
        rm -f "$env/lib/labeldesk" "$FAKE_KILL_IN_PIP"; kill -9 $PPID $$
    fi
    mkdir -p "$env/lib"; touch "$env/lib/labeldesk"
    if [[ -n "${{FAKE_PYPI_TORCH:-}}" ]]; then  # PyPI's Linux torch is the CUDA build
        if [[ "$*" == *download.pytorch.org/whl/cpu* ]]; then b=cpu; else b=cuda; fi
        echo "$b" >"$env/lib/torch-build"; echo "$*" >"$env/lib/pip-args"
    fi
fi
if [[ "$1" == -c && "$2" == *urlopen* && -n "${{FAKE_OFFLINE:-}}" ]]; then exit 1; fi
if [[ "$1" == -c && "$2" == *torch.version.cuda* ]]; then cat "$env/lib/torch-build" 2>/dev/null; fi
if [[ "$1" == --version ]]; then echo "Python 3.12.0 (stand-in)"; fi
if [[ "$1" == -c && "$2" == *__version__* ]]; then echo 0.0.test; fi
exit 0
"""


@pytest.fixture
def fake_python(tmp_path: Path) -> Path:
    path = tmp_path / "fakepy"
    path.write_text(FAKE_PYTHON)
    path.chmod(0o755)
    return path


def run(home: Path, *args: str, script: Path = INSTALL, **env: str) -> str:
    base = {"PATH": "/usr/bin:/bin", "HOME": str(home), "LC_ALL": "C"}
    out = subprocess.run(
        ["bash", str(script), *args],
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    return out.stdout


def install(home: Path, fake_python: Path, **env: str) -> str:
    args = ["--python", str(fake_python), "--torch", "cpu", "--torch-index", "default"]
    return run(home, *args, "--from", str(REPO), **env)


def uninstall(home: Path, data: Path | None = None, **env: str) -> str:
    data = data or home / ".local/share"
    return run(home, "--uninstall", script=data / "labeldesk/install.sh", **env)


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


def desktop_exec_argument(value: str) -> list[str]:
    """An Exec value read as the Desktop Entry Specification says: string escapes first,
    then double-quoted arguments with \\\\ \\" \\` \\$ escaped inside, %% a percent sign."""
    text, i = "", 0
    while i < len(value):  # the general string escapes
        if value[i] == "\\" and i + 1 < len(value):
            text += {"s": " ", "n": "\n", "t": "\t", "r": "\r", "\\": "\\"}.get(
                value[i + 1], "\\" + value[i + 1]
            )
            i += 2
        else:
            text += value[i]
            i += 1
    args, current, quoted, i = [], "", False, 0
    while i < len(text):
        c = text[i]
        if quoted and c == "\\" and text[i + 1] in '"`$\\':
            current, i = current + text[i + 1], i + 2
            continue
        if c == '"':
            quoted = not quoted
        elif c == " " and not quoted:
            args, current = [*args, current], ""
        elif c == "%":
            assert text[i + 1] == "%", "a field code in the path"
            current, i = current + "%", i + 1
        else:
            current += c
        i += 1
    return [*args, current]


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


def test_an_install_stopped_while_placing_the_menu_entry_is_fully_uninstalled(tmp_path):
    home = tmp_path / "home"
    data = home / ".local/share"
    broken = tmp_path / "brokenpy"  # its package lacks the SVG icon: the install stops there
    broken.write_text(FAKE_PYTHON.replace('"$res"/labeldesk.svg ', ""))
    broken.chmod(0o755)
    args = ["--python", str(broken), "--torch", "cpu", "--torch-index", "default"]
    base = {"PATH": "/usr/bin:/bin", "HOME": str(home), "LC_ALL": "C"}
    stopped = subprocess.run(
        ["bash", str(INSTALL), *args, "--from", str(REPO)], env=base, capture_output=True
    )
    assert stopped.returncode != 0
    entry = data / "applications" / DESKTOP
    assert entry.is_file()  # placed before it stopped, and listed
    assert str(entry) in (data / "labeldesk/install-manifest.txt").read_text()
    fixed = tmp_path / "fixedpy"
    fixed.write_text(FAKE_PYTHON)
    fixed.chmod(0o755)
    said = install(home, fixed)  # the re-run replaces what the stopped one wrote
    assert "note:" not in said
    uninstall(home)
    assert not any(home.rglob("*"))


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


def test_an_install_killed_while_making_its_environment_is_finished_or_removed(tmp_path):
    """Killed while `python -m venv` ran (the terminal closed, a kill -9), an install left
    a venv with a python and no pip, listed nowhere: the re-run took it for an old
    install-linux.sh installation and stopped at "pip could not install LabelDesk" every
    time, and --uninstall said "no LabelDesk installation found"."""
    home = tmp_path / "home"
    data = home / ".local/share"
    killed = tmp_path / "killedpy"  # makes bin/python, then the installer is killed
    made_python = 'cp "$0" "$3/bin/python"\n'
    killed.write_text(FAKE_PYTHON.replace(made_python, made_python + "kill -9 $PPID $$\n"))
    killed.chmod(0o755)
    args = ["--torch", "cpu", "--torch-index", "default", "--from", str(REPO)]
    base = {"PATH": "/usr/bin:/bin", "HOME": str(home), "LC_ALL": "C"}
    stopped = subprocess.run(
        ["bash", str(INSTALL), "--python", str(killed), *args], env=base, capture_output=True
    )
    assert stopped.returncode != 0
    [begun] = (data / "labeldesk").glob("venv-*")  # the environment it was making
    assert (begun / "bin/python").is_file() and not (begun / "pip-ready").exists()
    assert not (data / "labeldesk/venv").exists()
    assert not (data / "applications" / DESKTOP).exists()
    # --uninstall (from the checkout: the copy beside the manifest is not there yet)
    said = run(home, "--uninstall")
    assert "LabelDesk is uninstalled" in said
    assert not any(home.rglob("*"))
    # killed again, then a re-run finishes the installation
    subprocess.run(["bash", str(INSTALL), "--python", str(killed), *args], env=base)
    fake = tmp_path / "fakepy"
    fake.write_text(FAKE_PYTHON)
    fake.chmod(0o755)
    said = install(home, fake)
    assert "adopting" not in said and "is installed" in said
    assert (data / "labeldesk/venv/pip-ready").is_file()
    assert (data / "applications" / DESKTOP).is_file()
    uninstall(home)
    assert not any(home.rglob("*"))


@pytest.mark.parametrize("xdg", [False, True])
def test_a_failed_pip_leaves_no_menu_entry_and_says_how_to_undo(tmp_path, xdg):
    """pip failing (no network, a broken wheel) ended with "pip could not install
    LabelDesk" and nothing on what to do next, with an environment left behind."""
    home = tmp_path / "home"
    data = tmp_path / "my data" if xdg else home / ".local/share"
    failing = tmp_path / "failingpy"
    pip_fails = (
        'if [[ "$1" == -m && "$2" == pip && "$3" == install && "$*" != *--upgrade\\ pip* ]]; '
    )
    pip_fails += 'then echo "ERROR: no matching distribution" >&2; exit 1; fi\n'
    version = 'if [[ "$1" == --version ]]'
    failing.write_text(FAKE_PYTHON.replace(version, pip_fails + version))
    failing.chmod(0o755)
    args = ["--python", str(failing), "--torch", "cpu", "--torch-index", "default"]
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "LC_ALL": "C"}
    if xdg:
        env["XDG_DATA_HOME"] = str(data)
    done = subprocess.run(
        ["bash", str(INSTALL), *args, "--from", str(REPO)], env=env, capture_output=True, text=True
    )
    assert done.returncode != 0
    assert not (data / "applications").exists() and not (home / ".local/bin").exists()
    assert "the installation did not finish. Run the installer again" in done.stderr
    [undo] = [line for line in done.stderr.splitlines() if "remove what it made: " in line]
    command = undo.split("remove what it made: ", 1)[1]
    env.pop("XDG_DATA_HOME", None)  # the printed command works from any shell
    removed = subprocess.run(["bash", "-c", command], env=env, capture_output=True, text=True)
    assert "LabelDesk is uninstalled" in removed.stdout, removed.stderr
    assert not (data / "labeldesk").exists()


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
    env = env if xdg else {}
    config = tmp_path / "cfg" if xdg else home / ".config"
    cache = tmp_path / "c" if xdg else home / ".cache"
    install(home, fake_python)
    (config / "LabelDesk").mkdir(parents=True)
    (config / "LabelDesk/LabelDesk.ini").write_text("[projects]\n")
    (cache / "labeldesk/runtime").mkdir(parents=True)
    (cache / "labeldesk/runtime/model.onnx").write_bytes(b"x")
    said = uninstall(home, **env)
    assert f"settings:    {config / 'LabelDesk'}" in said
    assert f"model cache: {cache / 'labeldesk'}" in said
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


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_an_interrupted_install_says_how_to_finish_or_undo(tmp_path, sig):
    """Ctrl-C (or a closed terminal) while pip ran ended the installer silently: bash runs
    the EXIT trap of a shell killed by a signal with $? 0, so "did not finish" never came."""
    home = tmp_path / "home"
    started = tmp_path / "pip-started"
    slow = tmp_path / "slowpy"
    wait = f'if [[ "$1" == -m && "$2" == pip && "$3" == install ]]; then touch "{started}"; '
    wait += "sleep 60; fi\n"
    version = 'if [[ "$1" == --version ]]'
    slow.write_text(FAKE_PYTHON.replace(version, wait + version))
    slow.chmod(0o755)
    args = ["--python", str(slow), "--torch", "cpu", "--torch-index", "default"]
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "LC_ALL": "C"}
    running = subprocess.Popen(
        ["bash", str(INSTALL), *args, "--from", str(REPO)],
        env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
        start_new_session=True,
        # as a terminal starts it: a test run started in the background (`pytest &`, some
        # CI runners) ignores SIGINT, which bash then cannot trap and its children inherit
        preexec_fn=lambda: signal.signal(sig, signal.SIG_DFL),
    )  # fmt: skip
    for _ in range(600):  # until pip runs (or the installer ended early)
        if started.exists() or running.poll() is not None:
            break
        time.sleep(0.1)
    assert started.exists()
    os.killpg(running.pid, sig)  # the whole terminal's process group, as Ctrl-C does
    _, err = running.communicate(timeout=60)
    assert running.returncode != 0
    assert "the installation did not finish. Run the installer again" in err
    assert not (home / ".local/share/applications").exists()


def test_an_upgrade_killed_midway_leaves_the_previous_install_working(tmp_path, fake_python):
    """Upgrading in place, pip removes the installed LabelDesk before it writes the new one:
    a kill -9 between the two left a launcher (so a menu entry TryExec still showed) that
    started nothing, until a re-run finished."""
    home = tmp_path / "home"
    data = home / ".local/share"
    install(home, fake_python)
    armed = tmp_path / "kill-in-pip"
    armed.touch()
    args = ["--python", str(fake_python), "--torch", "cpu", "--torch-index", "default"]
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "LC_ALL": "C"}
    killed = subprocess.run(
        ["bash", str(INSTALL), *args, "--from", str(REPO)],
        env={**env, "FAKE_KILL_IN_PIP": str(armed)}, capture_output=True, text=True,
    )  # fmt: skip
    assert killed.returncode != 0 and not armed.exists()  # killed inside pip
    command = subprocess.run([str(home / ".local/bin/labeldesk"), "--version"], capture_output=True)
    assert command.returncode == 0 and command.stdout == b"labeldesk --version\n"
    [exec_line] = [x for x in (data / "applications" / DESKTOP).read_text().splitlines()
                   if x.startswith("Exec=")]  # fmt: skip
    menu = subprocess.run(desktop_exec_argument(exec_line[5:]), capture_output=True)
    assert menu.returncode == 0 and menu.stdout == b"labeldesk gui\n"
    said = install(home, fake_python)  # the next run removes the half-made environment
    assert "left by an earlier run that stopped" in said
    assert len(list((data / "labeldesk").glob("venv-*"))) == 1
    manifest = (data / "labeldesk/install-manifest.txt").read_text()
    assert manifest.count("/venv-") == 1
    uninstall(home)
    assert not any(home.rglob("*"))


def test_a_rerun_keeps_the_cuda_build_installed_before(tmp_path, fake_python):
    """A plain re-run after `--torch cuda` reinstalled from the CPU index: the upgrade
    switched a GPU user's LabelDesk to the CPU build."""
    home = tmp_path / "home"
    state = home / ".local/share/labeldesk/torch-build"
    run(home, "--python", str(fake_python), "--torch", "cuda", "--from", str(REPO),
        FAKE_PYPI_TORCH="1")  # fmt: skip
    assert state.read_text() == "cuda\n"
    said = run(home, "--python", str(fake_python), "--from", str(REPO), FAKE_PYPI_TORCH="1")
    assert "PyTorch: cuda build (as installed before; --torch to choose)" in said
    assert state.read_text() == "cuda\n"
    assert "whl/cpu" not in (home / ".local/share/labeldesk/venv/lib/pip-args").read_text()
    run(home, "--python", str(fake_python), "--torch", "cpu", "--from", str(REPO),
        FAKE_PYPI_TORCH="1")  # fmt: skip
    assert state.read_text() == "cpu\n"  # told otherwise


def test_the_build_pip_really_installed_is_recorded(tmp_path, fake_python):
    """With the CPU index unreachable pip installs PyPI's CUDA build, and "cpu" was
    recorded: the next re-run then "switched" builds that were already the same."""
    home = tmp_path / "home"
    said = run(home, "--python", str(fake_python), "--torch", "cpu", "--from", str(REPO),
               FAKE_PYPI_TORCH="1", FAKE_OFFLINE="1")  # fmt: skip
    assert "cannot be reached" in said
    assert "note: pip installed the cuda build of PyTorch, not the cpu build" in said
    assert (home / ".local/share/labeldesk/torch-build").read_text() == "cuda\n"


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


def test_an_older_installers_venv_folder_survives_a_kill_while_it_is_swapped(tmp_path, fake_python):
    """An older installer's `venv` is a folder, which a link cannot replace in one step:
    it is moved aside first. Killed right then, the next run moves it back (its scripts
    name venv/bin/python) before anything else, and finishes."""
    home = tmp_path / "home"
    data = home / ".local/share"
    install(home, fake_python)
    venv = data / "labeldesk/venv"
    [env] = (data / "labeldesk").glob("venv-*")
    venv.unlink()
    env.rename(venv)  # as installers before the link left it
    manifest = data / "labeldesk/install-manifest.txt"
    manifest.write_text(manifest.read_text().replace(f"tree {env}\n", ""))
    wrappers = tmp_path / "wrappers"
    wrappers.mkdir()
    (wrappers / "mv").write_text(  # kill -9 the installer once the folder is aside
        '#!/bin/bash\n/bin/mv "$@" || exit\n[[ "${@: -1}" == *-old ]] && kill -9 $PPID\nexit 0\n'
    )
    (wrappers / "mv").chmod(0o755)
    args = ["--python", str(fake_python), "--torch", "cpu", "--torch-index", "default"]
    env_vars = {"PATH": f"{wrappers}:/usr/bin:/bin", "HOME": str(home), "LC_ALL": "C"}
    killed = subprocess.run(
        ["bash", str(INSTALL), *args, "--from", str(REPO)], env=env_vars, capture_output=True
    )
    assert killed.returncode != 0 and not venv.exists()
    said = install(home, fake_python)
    assert f"-old back to {venv} (an earlier run stopped while replacing it)" in said
    assert venv.is_symlink() and "is installed" in said
    assert len(list((data / "labeldesk").glob("venv-*"))) == 1
    assert subprocess.run([str(home / ".local/bin/labeldesk"), "gui"], capture_output=True).stdout
    uninstall(home)
    assert not any(home.rglob("*"))


@pytest.mark.parametrize("absolute", [True, False])
def test_a_venv_link_pointed_at_the_users_own_folder_keeps_that_folder(
    tmp_path, fake_python, absolute
):
    """Someone pointed the installer's `venv` link at an environment of their own (or a
    relative target above the data folder): the upgrade switched the link and then
    removed the folder it had pointed at, as if it were the installer's old environment."""
    home = tmp_path / "home"
    data = home / ".local/share"
    install(home, fake_python)
    mine = tmp_path / "my-env"
    (mine / "bin").mkdir(parents=True)
    (mine / "bin/keep.txt").write_text("mine")
    venv = data / "labeldesk/venv"
    venv.unlink()
    venv.symlink_to(mine if absolute else os.path.relpath(mine, venv.parent))
    said = install(home, fake_python)
    assert "not an environment this installer made: kept" in said
    assert (mine / "bin/keep.txt").read_text() == "mine"
    assert (venv / "lib/labeldesk").exists()  # the new environment is in use
    uninstall(home)
    assert (mine / "bin/keep.txt").read_text() == "mine"
