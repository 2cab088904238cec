"""install.sh with BusyBox's utilities (Alpine, small containers): its `grep` ends a line at
the line's first NUL byte, and in a PNG icon the installer's mark follows a NUL (the tEXt
chunk's keyword ends with one). Before, a reinstall after the data folder was deleted by
hand saw no mark in its own icons ("exists and is not LabelDesk's; left as it is"), so
neither it nor --uninstall took them back. Run with a `grep` stand-in that reads as
BusyBox's does, and, where BusyBox is installed, with all of its utilities first on PATH.
Its `ps` has no -w (and refused the whole call: a LabelDesk running from the
installation went unseen, and an upgrade removed the environment under it) and shows a
command line after "{NAME} " where the process's name is not its first argument's.
Started by another shell than bash (`sh install.sh`), it stopped at its first line of bash
with "syntax error: bad substitution"; now it says to run it with bash."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .standin import INSTALL, REPO, install, linux_only, stand_in, uninstall
from .test_install_upgrade import start_app

pytestmark = linux_only

NUL_ENDS_LINES_GREP = f"""#!{sys.executable}
# grep -[qaF] [--] PATTERN [FILE...], fixed strings, each line cut at its first NUL
import sys

args, quiet = sys.argv[1:], False
while args and args[0].startswith("-") and args[0] != "--":
    quiet = quiet or "q" in args.pop(0)
if args and args[0] == "--":
    args.pop(0)
pattern, files = args[0].encode(), args[1:]
data = b"".join(open(f, "rb").read() for f in files) if files else sys.stdin.buffer.read()
found = [line for line in (l.split(b"\\0")[0] for l in data.split(b"\\n")) if pattern in line]
if not quiet:
    sys.stdout.buffer.write(b"".join(line + b"\\n" for line in found))
sys.exit(0 if found else 1)
"""


BUSYBOX_PS = f"""#!{sys.executable}
# ps -o pid= -o args= as BusyBox's answers it (from /proc); -w refused
import os
import sys

if any(a.startswith("-w") or a == "-ww" for a in sys.argv[1:]):
    sys.exit("ps: invalid option -- 'w'")
for pid in sorted(int(p) for p in os.listdir("/proc") if p.isdigit()):
    try:
        argv = open(f"/proc/{{pid}}/cmdline", "rb").read().rstrip(b"\\0").split(b"\\0")
        name = open(f"/proc/{{pid}}/comm").read().strip()
    except OSError:
        continue
    words = [a.decode(errors="replace") for a in argv if a]
    if not words:
        print(f"{{pid:5d}} [{{name}}]")
    elif os.path.basename(words[0]).startswith(name):
        print(f"{{pid:5d}} {{' '.join(words)}}")
    else:
        print(f"{{pid:5d}} {{{{{{name}}}}}} {{' '.join(words)}}")
"""


def _tools(tmp_path: Path, flavour: str) -> dict[str, str]:
    tools = tmp_path / f"tools-{flavour}"
    tools.mkdir()
    if flavour == "busybox":
        busybox = shutil.which("busybox")
        if busybox is None:
            pytest.skip("BusyBox is not installed here")
        subprocess.run([busybox, "--install", "-s", str(tools)], check=True)
    elif flavour == "ps stand-in":
        stand_in(tools / "ps", BUSYBOX_PS)
    else:
        stand_in(tools / "grep", NUL_ENDS_LINES_GREP)
    return {"PATH": f"{tools}:/usr/bin:/bin"}


@pytest.mark.parametrize("flavour", ["grep stand-in", "busybox"])
def test_its_marked_icons_are_taken_back_and_removed(tmp_path, fake_python, flavour):
    env = _tools(tmp_path, flavour)
    home = tmp_path / "home"
    home.mkdir()
    install(home, fake_python, **env)
    icons = sorted(home.glob(".local/share/icons/hicolor/*/apps/labeldesk.png"))
    assert icons
    shutil.rmtree(home / ".local/share/labeldesk")  # the manifest with it
    said = install(home, fake_python, **env)
    assert "labeldesk.png exists and is not LabelDesk's" not in said
    manifest = (home / ".local/share/labeldesk/install-manifest.txt").read_text()
    assert all(f" {icon}\n" in manifest for icon in icons)
    uninstall(home, **env)
    assert not any(icon.exists() for icon in icons)
    assert not (home / ".local/share/icons").exists()


@pytest.mark.parametrize("shell", ["sh", "busybox sh"])
def test_another_shell_stops_at_once_saying_to_run_it_with_bash(tmp_path, shell):
    argv = shell.split()
    found = shutil.which(argv[0])
    if found is None:
        pytest.skip(f"no {argv[0]} here")
    if argv == ["sh"] and Path(os.path.realpath(found)).name == "bash":
        pytest.skip("sh is bash here")
    home = tmp_path / "home"
    home.mkdir()
    done = subprocess.run(
        [*argv, str(INSTALL), "--help"],
        env={"PATH": "/usr/bin:/bin", "HOME": str(home), "LC_ALL": "C"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1 and done.stdout == ""
    assert (
        done.stderr
        == f"install.sh: run it with bash: bash {INSTALL} (it was started by another shell)\n"
    )
    assert not any(home.iterdir())


def test_bash_started_as_sh_runs_it_and_its_help_is_its_opening_comment(tmp_path):
    # macOS's /bin/sh is bash in POSIX mode; the guard lets it through and the script
    # leaves that mode (bash before 5.1 refuses `< <(...)` in it). --help prints the
    # opening comment only, not the guard's lines of shell after it.
    home = tmp_path / "home"
    home.mkdir()
    done = subprocess.run(
        ["bash", "--posix", str(INSTALL), "--help"],
        env={"PATH": "/usr/bin:/bin", "HOME": str(home), "LC_ALL": "C"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    opening = []
    for line in INSTALL.read_text().splitlines()[1:]:
        if not line.startswith("#"):
            break
        opening.append(line[2:] if line.startswith("# ") else line[1:])
    assert done.stdout.splitlines() == opening
    assert "BASH_VERSION" not in done.stdout and "posix" not in done.stdout
    assert not any(home.iterdir())


@pytest.mark.parametrize("flavour", ["ps stand-in", "busybox"])
def test_a_labeldesk_running_from_it_is_seen_with_busyboxs_ps(tmp_path, fake_python, flavour):
    env = _tools(tmp_path, flavour)
    home = tmp_path / "home"
    data = home / ".local/share/labeldesk"
    install(home, fake_python)
    [in_use] = data.glob("venv-*")
    app = start_app(in_use / "bin/python")  # its name (sleep) is not its first argument's
    try:
        args = ["--python", str(fake_python), "--torch", "cpu", "--from", str(REPO)]
        upgrade = subprocess.run(
            ["bash", str(INSTALL), *args],
            env={**env, "HOME": str(home), "LC_ALL": "C"},
            capture_output=True,
            stdin=subprocess.DEVNULL,
            text=True,
            timeout=120,
        )
        assert upgrade.returncode == 1, upgrade.stdout
        assert "LabelDesk is running from this installation:" in upgrade.stderr
        assert f"  PID {app.pid}: " in upgrade.stderr  # (its command line, without "{sleep}")
        assert "{" not in upgrade.stderr
        assert list(data.glob("venv-*")) == [in_use]
    finally:
        app.kill()
        app.wait()
