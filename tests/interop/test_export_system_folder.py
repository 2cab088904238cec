"""An export (or a new project) in a folder through which the system shows itself, such
as /proc, is refused before anything runs, in words that say why. Before, the export
chose its images and then failed with "not found: /proc/x", as if a folder were missing
(mkdir there fails with ENOENT even for root), and `labeldesk new` with "No such file
or directory"."""

from __future__ import annotations

import json
import os

import pytest

from labeldesk.cli import main
from labeldesk.core.create import create_and_index
from labeldesk.core.errors import ProjectError
from labeldesk.interop.export_target import ExportTargetError, check_target


def _proc_mounted() -> bool:
    try:
        with open("/proc/self/mountinfo", encoding="utf-8", errors="replace") as table:
            return any(line.split(" ")[4] == "/proc" and " - proc " in line for line in table)
    except OSError:
        return False


pytestmark = pytest.mark.skipif(not _proc_mounted(), reason="needs Linux's /proc")

CANNOT = (
    "/proc is not a folder on a disk but one through which the system shows the running "
    "programs (the proc file system), and no folder can be made in it; pick a folder on "
    "a disk for the {what}, such as one in your home folder"
)


@pytest.mark.parametrize("out", ["/proc/labeldesk-test", "/proc/labeldesk-test/out"])
def test_an_export_under_proc_is_refused_saying_why(project, out):
    with pytest.raises(ExportTargetError) as refused:
        check_target(project, out, overwrite=False)
    assert str(refused.value) == f"{out} cannot be created: " + CANNOT.format(what="export")


def test_the_command_says_it_and_writes_nothing(project, capsys):
    before = sorted(os.listdir(project.path.parent))
    code = main(["--json", "export", str(project.path), "/proc/labeldesk-test"])
    assert code != 0
    error = json.loads(capsys.readouterr().out)
    assert error["kind"] == "ExportTargetError"
    assert error["error"].startswith("/proc/labeldesk-test cannot be created: /proc is not")
    assert sorted(os.listdir(project.path.parent)) == before


def test_a_new_project_under_proc_is_refused_saying_why(imagefolder):
    root, _ = imagefolder
    with pytest.raises(ProjectError) as refused:
        create_and_index("/proc/labeldesk-test", root, workers=1)
    assert str(refused.value) == "/proc/labeldesk-test cannot be created: " + CANNOT.format(
        what="project"
    )


def test_an_ordinary_new_folder_is_not_refused(project, tmp_path):
    out = tmp_path / "new" / "export"
    assert check_target(project, out, overwrite=False) == out.resolve()
