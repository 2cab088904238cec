"""The image folder or the project reached under another name is still refused as an export
target. The check compared paths only, so ``export PROJ ALIAS/out``, where ALIAS is the
image folder mounted a second time (on a Mac's case-insensitive disk, ``Images/out`` for
the folder ``images``), wrote the export inside the image folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from second_names import needs_second_names, run_with_alias

pytestmark = needs_second_names


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
    argv = ["-m", "labeldesk", "export", str(project.path), str(alias / "out"), "--json"]
    done = run_with_alias(alias, real, argv)
    assert done.returncode != 0, done.stdout
    error = json.loads(done.stdout)
    assert error["kind"] == "ExportTargetError"
    assert f"inside the {protected}" in error["error"]
    assert files(real) == before  # nothing written into it
