"""A project whose folder is deleted (or moved) while it is open refuses every write,
saying so: SQLite went on writing into the deleted file, and each label the person gave
after that was reported saved and lost."""

from __future__ import annotations

import shutil

import pytest

from labeldesk.core.errors import ProjectError

U0 = "_unlabeled/u0.png"


@pytest.mark.parametrize("how", ["deleted", "moved"])
def test_a_write_after_the_project_folder_went_away_is_refused(project, tmp_path, how):
    if how == "deleted":
        shutil.rmtree(project.path)
    else:
        shutil.move(project.path, tmp_path / "elsewhere")
    with pytest.raises(ProjectError, match=r"is gone .*nothing was saved"):
        project.set_label(U0, "dog")
    with pytest.raises(ProjectError, match="is gone"):
        project.add_classes(["bird"])
    if how == "moved":  # what the folder holds where it went: nothing half-written
        from labeldesk.core.project import open_project

        project.close()
        moved = open_project(tmp_path / "elsewhere")
        try:
            assert moved.images().set_index("path").label[U0] != "dog"
            assert "bird" not in moved.classes()
        finally:
            moved.close()
