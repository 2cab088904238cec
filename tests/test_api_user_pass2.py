"""A user's second pass through the Python API: what a notebook shows for a project, and
errors that name the API's own call, or the options a call takes."""

from __future__ import annotations

import subprocess
import sys

import pytest
from helpers import write_image

import labeldesk as ld
from labeldesk.api_projects import FolderWarning
from labeldesk.core.errors import ProjectError


def test_a_project_shows_its_folders_and_whether_it_is_closed(project):
    # it showed <labeldesk.core.project.Project object at 0x7f…>
    shown = repr(project)
    assert repr(str(project.path)) in shown and repr(str(project.root)) in shown
    assert "closed" not in shown
    project.close()
    assert repr(project).endswith("(closed)>")


def test_a_version_or_model_not_found_names_the_call_that_lists_them(clustered):
    project, _ = clustered
    ld.create_version(project, "v1")
    with pytest.raises(ld.LabelDeskError) as err:
        ld.version_diff(project, "v9")
    assert "`ld.versions(p)` lists them" in str(err.value)  # was `labeldesk version … list`
    with pytest.raises(ld.LabelDeskError) as err:
        ld.version_diff(project, "v1", "model:9")
    assert "`ld.model_versions(p)` lists them" in str(err.value)
    assert "labeldesk " not in str(err.value)


def test_an_export_option_it_has_not_is_a_bad_argument_naming_those_it_has(clustered, tmp_path):
    # `formt="csv"` was "TypeError: ExportOptions.__init__() got an unexpected keyword"
    project, _ = clustered
    with pytest.raises(ld.BadArgument) as err:
        ld.export(project, tmp_path / "out", formt="csv", progress=False)
    assert "no option 'formt'" in str(err.value)
    assert "format" in str(err.value) and "'include_unlabeled'" in str(err.value)
    assert "'unwritable'" not in str(err.value)  # export() fills that in itself
    assert not (tmp_path / "out").exists()


def test_dir_and_notebook_completion_offer_the_api_without_loading_it():
    # `ld.emb<Tab>` in IPython or Jupyter offered nothing: the functions load when used
    code = (
        "import sys, labeldesk as ld\n"
        "names = dir(ld)\n"
        "assert {'embed', 'issues', 'open_project', 'LabelDeskError', 'api'} <= set(names)\n"
        "assert 'pandas' not in sys.modules and 'labeldesk.api' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_notebook_makes_a_project_as_labeldesk_new_does(imagefolder, tmp_path):
    # Python had only Project.create, which indexes nothing, and open_project on the
    # image folder said to run `labeldesk new` in a shell
    root, labels = imagefolder
    with pytest.raises(ProjectError) as err:
        ld.open_project(root)
    assert f"run `ld.new_project(PROJECT, {str(root)!r})`" in str(err.value)
    with ld.new_project(tmp_path / "p", root, progress=False) as project:
        found = project.images().set_index("path").label
        assert found.dropna().to_dict() == {p: c for p, c in labels.items() if c is not None}
    with pytest.raises(ld.BadArgument, match="classes must be a list"):
        ld.new_project(tmp_path / "q", root, classes="cat, dog")
    assert not (tmp_path / "q").exists()


def test_what_labeldesk_new_warns_about_comes_as_a_python_warning(tmp_path):
    write_image(tmp_path / "pets" / "train" / "cat" / "a.png", size=(8, 8), fmt="PNG")
    write_image(tmp_path / "pets" / "dev" / "cat" / "b.png", size=(8, 8), fmt="PNG")
    with pytest.warns(FolderWarning, match="dev/ beside train/"):
        project = ld.new_project(tmp_path / "p", tmp_path / "pets", progress=False)
    assert sorted(project.classes()) == ["cat", "dev"]
    project.close()


def test_the_warning_new_project_gives_is_at_the_top_of_the_package(tmp_path):
    # The README names FolderWarning, but only labeldesk.api_projects had it: a notebook
    # filtering it (warnings.simplefilter("ignore", ld.FolderWarning)) got AttributeError
    write_image(tmp_path / "pets" / "train" / "cat" / "a.png", size=(8, 8), fmt="PNG")
    write_image(tmp_path / "pets" / "dev" / "cat" / "b.png", size=(8, 8), fmt="PNG")
    assert "FolderWarning" in dir(ld)
    with pytest.warns(ld.FolderWarning, match="dev/ beside train/"):
        ld.new_project(tmp_path / "p", tmp_path / "pets", progress=False).close()
