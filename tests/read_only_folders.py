"""Making a project folder read-only for a test: ``chmod -R a-w`` for real, as a user
(a CI runner) meets it. Root writes a chmod'ed folder anyway, so where a probe write
still succeeds the refusal is also simulated (``os.access`` answers as for a user, the
way LabelDesk judges a folder); a test whose point is what the operating system itself
refuses skips there (:func:`permissions_bind`)."""

from __future__ import annotations

import os
import stat
from pathlib import Path


def permissions_bind(tmp: Path) -> bool:
    """Whether a folder without write permission refuses this process (not root)."""
    probe = tmp / "permission-probe"
    probe.mkdir()
    probe.chmod(0o555)
    try:
        (probe / "x").touch()
    except PermissionError:
        return True
    else:
        (probe / "x").unlink()
        return False
    finally:
        probe.chmod(0o755)
        probe.rmdir()


def chmod_tree(folder: Path, writable: bool) -> None:
    for here, dirs, files in os.walk(folder):
        for name in [*dirs, *files]:
            path = Path(here) / name
            if path.is_symlink():
                continue
            mode = path.stat().st_mode
            path.chmod(mode | stat.S_IWUSR if writable else mode & ~0o222)
    mode = folder.stat().st_mode
    folder.chmod(mode | stat.S_IWUSR if writable else mode & ~0o222)


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file and folder under ``folder`` with its size and modification time."""
    found = {}
    for here, dirs, files in os.walk(folder):
        for name in [*dirs, *files]:
            path = Path(here) / name
            info = path.lstat()
            found[str(path.relative_to(folder))] = (info.st_size, info.st_mtime_ns)
    return found
