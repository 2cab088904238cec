"""The image folder or the project reached under another name is still refused as an export
target. The check compared paths only, so ``export PROJ ALIAS/out``, where ALIAS is the
image folder mounted a second time (a bind mount; on a Mac's case-insensitive disk,
``Images/out`` for the folder ``images``), wrote the export inside the image folder.
The second name is made with a bind mount in a private mount namespace (``unshare``), so
nothing outside the test's own process sees it; without ``unshare`` the tests skip."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import labeldesk

REPO = Path(labeldesk.__file__).resolve().parents[1]
UNSHARE = ["unshare", "--mount", "--map-root-user"]


def _namespaces_work() -> bool:
    if shutil.which("unshare") is None:
        return False
    done = subprocess.run([*UNSHARE, "true"], capture_output=True)
    return done.returncode == 0


pytestmark = pytest.mark.skipif(
    sys.platform != "linux" or not _namespaces_work(),
    reason="needs Linux mount namespaces (unshare) to give a folder a second name",
)


def export_through(alias: Path, real: Path, project: Path, out: Path) -> dict:
    """``labeldesk export PROJECT OUT --json`` while ``alias`` names the folder ``real``."""
    env = dict(
        os.environ, PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])
    )
    labeldesk_cmd = [sys.executable, "-m", "labeldesk", "export", str(project), str(out), "--json"]
    script = f"mount --bind {shlex.quote(str(real))} {shlex.quote(str(alias))} && " + " ".join(
        map(shlex.quote, labeldesk_cmd)
    )
    done = subprocess.run([*UNSHARE, "sh", "-c", script], capture_output=True, text=True, env=env)
    assert done.returncode != 0, done.stdout
    return json.loads(done.stdout)


def files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.mark.parametrize("protected", ["image folder", "project"])
def test_an_export_into_the_image_folder_or_project_under_another_name_is_refused(
    project, tmp_path, protected
):
    real = project.root if protected == "image folder" else project.path
    before = files(real)
    alias = tmp_path / "alias"
    alias.mkdir()
    error = export_through(alias, real, project.path, alias / "out")
    assert error["kind"] == "ExportTargetError"
    assert f"inside the {protected}" in error["error"]
    assert files(real) == before  # nothing written into it
