"""install.sh reads the command link's identity (inode and change time) with `stat`, whose
options differ: GNU's `-c FORMAT`, BSD's (macOS) `-f FORMAT`, and BusyBox's (Alpine) `-c`
with no fractions of a second or, built without it, no `-c` at all and `-f` meaning the
file system's status. Before, that last one's answer (lines about the file system) went
into the manifest as the link's identity, breaking its line. Here a `stat` stand-in that
answers as each does comes first on PATH."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest

from .standin import install, linux_only, stand_in, uninstall

pytestmark = linux_only

_IDENTITY = (
    f"{sys.executable} -c 'import os, sys; s = os.lstat(sys.argv[1]); "
    'print(f"{s.st_ino}-{int(s.st_ctime)}")\' "$file"'
)
_FILE = 'file="${@: -1}"\n'  # the last argument
_FS_STATUS = (
    'for f in "$@"; do printf \'  File: "%s"\\n    ID: 8d5b2c1e Namelen: 255\\n'
    'Block size: 4096\\n\' "$f"; done\n'
)
STATS = {
    # BusyBox built without -c: "-f" is the file system's status, FORMAT a file name
    "busybox-no-format": "#!/bin/bash\n"
    'if [[ "$1" == -c ]]; then echo "stat: unrecognized option: c" >&2; exit 1; fi\n'
    'if [[ "$1" == -f ]]; then shift\n'
    "  echo \"stat: can't read file system information for '$1'\" >&2; shift\n"
    f"  {_FS_STATUS}  exit 1\nfi\nexit 1\n",
    # BusyBox with -c: %.9Z is whole seconds
    "busybox": f"#!/bin/bash\n{_FILE}"
    f'if [[ "$1" == -c ]]; then {_IDENTITY}; exit 0; fi\n'
    f'if [[ "$1" == -f ]]; then {_FS_STATUS}exit 1; fi\nexit 1\n',
    # macOS: no -c; -f '%i-%c' is the inode and the change time in seconds
    "bsd": f"#!/bin/bash\n{_FILE}"
    'if [[ "$1" == -c ]]; then echo "stat: illegal option -- c" >&2; exit 1; fi\n'
    f'if [[ "$1" == -f ]]; then {_IDENTITY}; exit 0; fi\nexit 1\n',
    # no stat at all
    "none": '#!/bin/sh\necho "stat: command not found" >&2\nexit 127\n',
}


def _with_stat(tmp_path: Path, flavour: str) -> dict[str, str]:
    bin_dir = tmp_path / f"stat-{flavour}"
    bin_dir.mkdir()
    stand_in(bin_dir / "stat", STATS[flavour])
    return {"PATH": f"{bin_dir}:/usr/bin:/bin"}


def _listed_id(home: Path) -> str:
    manifest = (home / ".local/share/labeldesk/install-manifest.txt").read_text()
    link = home / ".local/bin/labeldesk"
    (line,) = [line for line in manifest.splitlines() if line.endswith(f" {link}")]
    return line.split(" ", 1)[0].split(":")[2]


@pytest.mark.parametrize("flavour", sorted(STATS))
def test_the_link_is_known_by_its_identity_whichever_stat_there_is(tmp_path, fake_python, flavour):
    home = tmp_path / "home"
    link = home / ".local/bin/labeldesk"
    env = _with_stat(tmp_path, flavour)
    install(home, fake_python, **env)
    made = os.lstat(link)
    listed = _listed_id(home)
    assert re.fullmatch(r"[0-9]+-[0-9]+(\.[0-9]{9})?", listed), listed
    assert listed.split("-")[0] == str(made.st_ino)
    install(home, fake_python, **env)  # an upgrade: still its link, listed as it was
    assert _listed_id(home) == listed and os.lstat(link).st_ino == made.st_ino
    said = uninstall(home, **env)
    assert not link.is_symlink(), said


def test_an_installation_listed_by_gnu_stat_uninstalls_with_busyboxs(tmp_path, fake_python):
    """Nanoseconds listed, whole seconds read: the same link, to the precision both have."""
    home = tmp_path / "home"
    install(home, fake_python)
    assert "." in _listed_id(home)
    uninstall(home, **_with_stat(tmp_path, "busybox"))
    assert not (home / ".local/bin/labeldesk").is_symlink()
