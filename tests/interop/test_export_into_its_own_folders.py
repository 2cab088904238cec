"""An export into the image folder or the project folder itself is refused in words that
say so: it was "IMAGES is inside the image folder (IMAGES)", the same folder twice."""

from __future__ import annotations

import pytest

from labeldesk.interop.export_target import ExportTargetError, check_target


@pytest.mark.parametrize("name", ["image folder", "project"])
def test_the_folder_itself_is_said_as_itself(project, name):
    folder = (project.root if name == "image folder" else project.path).resolve()
    with pytest.raises(ExportTargetError) as refused:
        check_target(project, folder, overwrite=True)
    assert str(refused.value) == (
        f"{folder} is the {name} itself; export into a folder outside the image folder "
        "and the project"
    )
    with pytest.raises(ExportTargetError) as refused:  # a folder in it: where it is
        check_target(project, folder / "out", overwrite=True)
    assert str(refused.value).startswith(f"{folder / 'out'} is inside the {name} ({folder});")
