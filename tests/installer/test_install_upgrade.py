"""install.sh stopped part-way (an error, Ctrl-C, kill -9) or upgrading over an
installation: the one in use keeps working, and the next run finishes or removes what
the stopped one began."""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .standin import (
    DESKTOP,
    FAKE_PYTHON,
    INSTALL,
    REPO,
    desktop_exec_argument,
    install,
    linux_only,
    run,
    stand_in,
    uninstall,
)

pytestmark = linux_only


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
    assert "an environment an earlier run left" in said
    assert len(list((data / "labeldesk").glob("venv-*"))) == 1
    manifest = (data / "labeldesk/install-manifest.txt").read_text()
    assert manifest.count("/venv-") == 1
    uninstall(home)
    assert not any(home.rglob("*"))


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


def start_app(program: Path, script: Path | None = None) -> subprocess.Popen:
    """A stand-in for a running LabelDesk: a process whose command line is the one the
    real app's has, ENV/bin/python first (the `labeldesk` script's first line names it) or,
    as where Python re-executes itself (macOS), the script after the interpreter."""
    if script is None:
        command = ["bash", "-c", 'exec -a "$0" sleep 300', str(program)]
    else:
        command = [sys.executable, "-c", "import time; time.sleep(300)", str(script), "gui"]
    app = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
    for _ in range(100):  # until ps shows the command line asked for
        shown = subprocess.run(
            ["ps", "-ww", "-o", "args=", "-p", str(app.pid)], capture_output=True
        )
        if str(script or program) in shown.stdout.decode():
            return app
        time.sleep(0.05)
    raise AssertionError(f"the stand-in app never showed its command line: {shown.stdout!r}")


def fails(home: Path, *args: str, script: Path = INSTALL) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "LC_ALL": "C"}
    done = subprocess.run(["bash", str(script), *args], env=env, capture_output=True,
                          stdin=subprocess.DEVNULL, text=True, timeout=120)  # fmt: skip
    assert done.returncode != 0, done.stdout
    return done


@pytest.mark.parametrize(
    "form", ["python first", "script after the interpreter", "command after the interpreter"]
)
def test_an_upgrade_or_uninstall_waits_for_labeldesk_to_be_closed(tmp_path, fake_python, form):
    """Upgrading while LabelDesk was open removed the environment it ran from: the open
    window then failed at its next import (a page, a model), with unsaved work in it.
    (The command: `labeldesk gui` typed in a terminal runs ~/.local/bin/labeldesk, the
    installer's link to the script, and where Python re-executes itself that path, not
    the environment's, is what its command line shows: it was not seen as running.)"""
    home = tmp_path / "home"
    data = home / ".local/share/labeldesk"
    install(home, fake_python)
    [in_use] = data.glob("venv-*")
    manifest = (data / "install-manifest.txt").read_text()
    script = {
        "python first": None,
        "script after the interpreter": data / "venv/bin/labeldesk",
        "command after the interpreter": home / ".local/bin/labeldesk",
    }[form]
    app = start_app(in_use / "bin/python", script)
    try:
        args = ["--python", str(fake_python), "--torch", "cpu", "--from", str(REPO)]
        upgrade = fails(home, *args)
        assert "LabelDesk is running from this installation:" in upgrade.stderr
        assert f"  PID {app.pid}: " in upgrade.stderr
        assert "close LabelDesk first (File > Quit), then run this again" in upgrade.stderr
        assert "Nothing was changed." in upgrade.stderr
        assert "did not finish" not in upgrade.stderr
        assert list(data.glob("venv-*")) == [in_use]
        assert (data / "install-manifest.txt").read_text() == manifest
        removal = fails(home, "--uninstall", script=data / "install.sh")
        assert f"  PID {app.pid}: " in removal.stderr
        assert (in_use / "lib/labeldesk").exists() and (home / ".local/bin/labeldesk").is_symlink()
    finally:
        app.kill()
        app.wait()
    said = install(home, fake_python)  # closed: the upgrade goes ahead
    assert "is installed" in said and not in_use.exists()
    uninstall(home)
    assert not any(home.rglob("*"))


def test_labeldesk_started_during_an_upgrade_keeps_its_environment(tmp_path, fake_python):
    """Started while pip ran (after the installer had looked), LabelDesk's environment was
    removed under it once the new one was in place."""
    home = tmp_path / "home"
    data = home / ".local/share/labeldesk"
    install(home, fake_python)
    [in_use] = data.glob("venv-*")
    pid_file = tmp_path / "app.pid"
    starts = (  # in pip: LabelDesk started from the menu, running the environment in use
        f'if [[ "$3" == install && "$*" != *--upgrade\\ pip* && ! -e "{pid_file}" ]]; then\n'
        f'    setsid bash -c \'echo $$ >"{pid_file}"; exec -a "$0" sleep 300\' '
        f'"{in_use}/bin/python" </dev/null >/dev/null 2>&1 &\n'
        f'    while [[ ! -s "{pid_file}" ]]; do sleep 0.05; done; sleep 0.2\n'
        "fi\n"
    )
    pip = 'mkdir -p "$env/lib"; touch "$env/lib/labeldesk"'
    starting = stand_in(tmp_path / "startingpy", FAKE_PYTHON.replace(pip, starts + pip))
    try:
        said = install(home, starting)
        assert "note: LabelDesk was started while this ran; the environment it runs from" in said
        assert f"({in_use}) is kept until the next run of the installer" in said
        assert (in_use / "lib/labeldesk").exists()
        assert f"tree {in_use}\n" in (data / "install-manifest.txt").read_text()
        assert (data / "venv").resolve() != in_use
    finally:
        os.kill(int(pid_file.read_text()), signal.SIGKILL)
    said = install(home, fake_python)
    assert f"removing {in_use}, an environment an earlier run left" in said
    assert len(list(data.glob("venv-*"))) == 1
    uninstall(home)
    assert not any(home.rglob("*"))


def test_from_a_terminal_the_upgrade_goes_on_once_labeldesk_is_closed(tmp_path, fake_python):
    home = tmp_path / "home"
    data = home / ".local/share/labeldesk"
    install(home, fake_python)
    [in_use] = data.glob("venv-*")
    app = start_app(in_use / "bin/python")
    leader, terminal = pty.openpty()
    args = ["--python", str(fake_python), "--torch", "cpu", "--from", str(REPO)]
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "LC_ALL": "C"}
    upgrade = subprocess.Popen(["bash", str(INSTALL), *args], env=env, stdin=terminal,
                               stdout=terminal, stderr=terminal)  # fmt: skip
    os.close(terminal)
    said = b""

    def read_until(text: bytes, times: int = 1) -> None:
        nonlocal said
        while said.count(text) < times:
            ready, _, _ = select.select([leader], [], [], 60)
            assert ready, said.decode()
            said += os.read(leader, 4096)

    prompt = b"then press Enter to go on (Ctrl-C: stop here) "
    try:
        read_until(prompt)
        os.write(leader, b"\n")  # not closed yet: said again, asked again
        read_until(prompt, times=2)
        assert said.count(f"  PID {app.pid}: ".encode()) == 2
        app.kill()
        app.wait()
        os.write(leader, b"\n")
        read_until(b"is installed.")
        assert upgrade.wait(timeout=60) == 0
    finally:
        app.kill()
        upgrade.kill()
        os.close(leader)
    assert not in_use.exists()
