"""An export or a new project aimed at the top folder of a drive (an empty USB stick at
/media/me/USB): LabelDesk builds either beside its folder and renames it into place, and
a mount point can be neither removed nor renamed onto. It used to build the whole export
(or index every image) in a hidden folder on the parent's disk, then stop with "Device or
resource busy"; now it says why before writing anything, and names a folder on the drive
that works. The drive is a small tmpfs (or a bind mount of a folder on the same disk)
mounted in a private mount namespace, seen by the command only."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from second_names import REPO, UNSHARE, needs_second_names, run_with_alias

pytestmark = [needs_second_names, pytest.mark.slow]  # real commands in child processes


def on_drive(drive: Path, script: str) -> subprocess.CompletedProcess[str]:
    """Run the shell ``script`` while a fresh tmpfs (an empty drive) is mounted on the
    empty folder ``drive``; ``$LD`` runs ``labeldesk``. The drive's files go when it ends:
    the script lists what it needs to see."""
    env = dict(
        os.environ, PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])
    )
    env["LD"] = f"{shlex.quote(sys.executable)} -m labeldesk"
    mount = f"mount -t tmpfs -o size=8m tmpfs {shlex.quote(str(drive))}"
    return subprocess.run(
        [*UNSHARE, "sh", "-c", f"{mount} && {script}"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def beside(folder: Path) -> list[str]:
    return sorted(os.listdir(folder))


@pytest.mark.parametrize("command", ["export", "new"])
def test_a_drives_top_folder_is_refused_before_anything_is_written(small, tmp_path, command):
    project, images, _ = small
    drive = tmp_path / "usb"
    drive.mkdir()
    before = beside(tmp_path)
    args = {"export": f"export {project} {drive}", "new": f"new {drive} --images {images}"}
    into = {
        "export": f"export {project} {drive}/export",
        "new": f"new {drive}/project --images {images}",
    }
    done = on_drive(
        drive,
        f"$LD {args[command]}; echo refused=$?; ls -A {drive}; echo ---; "
        f"$LD {into[command]} >/dev/null; echo then=$?; ls -A {drive}",
    )
    out, err = done.stdout, done.stderr
    assert "refused=1" in out, err
    suggested = drive / ("export" if command == "export" else "project")
    assert "is the top folder of a drive (a mount point)" in err, err
    assert f"use a new folder on the drive, e.g. {suggested}" in err
    assert "busy" not in err.lower()
    assert out.split("refused=1\n", 1)[1].startswith("---"), out  # nothing on the drive
    assert beside(tmp_path) == before  # and nothing beside it (a staging folder)
    # the folder it names works
    assert "then=0" in out, err
    assert out.rstrip().endswith(suggested.name), out


def test_a_folder_mounted_from_the_same_disk_is_refused_too(small, tmp_path):
    """A bind mount (a container's volume from the same disk) has its parent's device
    number: os.path.ismount alone does not see it."""
    project, _, _ = small
    out, real = tmp_path / "out", tmp_path / "real"
    out.mkdir()
    real.mkdir()
    done = run_with_alias(out, real, ["-m", "labeldesk", "export", str(project), str(out)])
    assert done.returncode == 1, done.stderr
    assert "is the top folder of a drive (a mount point)" in done.stderr, done.stderr
    assert beside(out) == [] and beside(real) == []
    assert sorted(beside(tmp_path)) == sorted(["out", "real", "proj", "images"])
