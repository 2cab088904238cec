"""The stand-in Python the installer tests give install.sh (no pip, no PyTorch: it makes a
venv-shaped folder with the package's resources, and answers the installer's questions),
and how the tests run install.sh in a temporary HOME."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
INSTALL = REPO / "installer" / "install.sh"
DESKTOP = "org.labeldesk.LabelDesk.desktop"

linux_only = pytest.mark.skipif(
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
    if [[ -n "${{FAKE_PYPI_TORCH:-}}" ]]; then
        # PyPI's torch: the CUDA build on Linux (FAKE_PYPI_TORCH=mps: as on a Mac); the
        # build an index names in its URL (download.pytorch.org/whl/cpu, …/rocm6.4)
        case "$*" in
            *download.pytorch.org/whl/cpu*) b=cpu ;;
            *download.pytorch.org/whl/rocm*) b=rocm ;;
            *) if [[ "$FAKE_PYPI_TORCH" == mps ]]; then b=mps; else b=cuda; fi ;;
        esac
        echo "$b" >"$env/lib/torch-build"; echo "$*" >"$env/lib/pip-args"
        # a stand-in torch that says what it is as that build does
        site="$env/lib/site"; cuda=None hip=None mps=False
        case "$b" in cuda) cuda="'13.0'" ;; rocm) hip="'6.4.43482'" ;; mps) mps=True ;; esac
        mkdir -p "$site/torch/backends" "$site/torchvision" "$site/timm"
        printf 'from . import backends, version\n' >"$site/torch/__init__.py"
        printf 'cuda = %s\nhip = %s\n' "$cuda" "$hip" >"$site/torch/version.py"
        printf 'from . import mps\n' >"$site/torch/backends/__init__.py"
        printf 'def is_built():\n    return %s\n' "$mps" >"$site/torch/backends/mps.py"
        touch "$site/torchvision/__init__.py" "$site/timm/__init__.py"
    fi
fi
if [[ "$1" == -c && "$2" == *urlopen* ]]; then
    # the installer's question to a package index: offline, no answer; FAKE_REAL_PROBE: asked
    # of a real Python (of an index the test serves)
    if [[ -n "${{FAKE_OFFLINE:-}}" ]]; then echo "[Errno -2] Name or service not known"; exit 1; fi
    if [[ -n "${{FAKE_REAL_PROBE:-}}" ]]; then exec {sys.executable} "$@"; fi
fi
if [[ "$1" == -c && "$2" == *torch.version.cuda* ]]; then
    # the installer's own question, asked of the stand-in torch by a real Python
    if [[ -d "$env/lib/site" ]]; then PYTHONPATH="$env/lib/site" exec {sys.executable} "$@"; fi
    cat "$env/lib/torch-build" 2>/dev/null
fi
if [[ "$1" == --version ]]; then echo "Python 3.12.0 (stand-in)"; fi
if [[ "$1" == -c && "$2" == *__version__* ]]; then echo 0.0.test; fi
exit 0
"""


def stand_in(path: Path, text: str = FAKE_PYTHON) -> Path:
    """An executable stand-in Python at PATH (FAKE_PYTHON, or a variant of it)."""
    path.write_text(text)
    path.chmod(0o755)
    return path


def run(home: Path, *args: str, script: Path = INSTALL, **env: str) -> str:
    base = {"PATH": "/usr/bin:/bin", "HOME": str(home), "LC_ALL": "C"}
    out = subprocess.run(
        ["bash", str(script), *args],
        env={**base, **env},
        capture_output=True,
        stdin=subprocess.DEVNULL,  # not a terminal: install.sh asks nothing
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    return out.stdout


def stops(home: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """install.sh run as run() does, where it is to stop (exit 1)."""
    base = {"PATH": "/usr/bin:/bin", "HOME": str(home), "LC_ALL": "C"}
    done = subprocess.run(["bash", str(INSTALL), *args], env={**base, **env}, capture_output=True,
                          stdin=subprocess.DEVNULL, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    return done


def install(home: Path, fake_python: Path, **env: str) -> str:
    args = ["--python", str(fake_python), "--torch", "cpu", "--torch-index", "default"]
    return run(home, *args, "--from", str(REPO), **env)


def uninstall(home: Path, data: Path | None = None, **env: str) -> str:
    data = data or home / ".local/share"
    return run(home, "--uninstall", script=data / "labeldesk/install.sh", **env)


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
