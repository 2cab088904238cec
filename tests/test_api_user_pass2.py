"""A user's second pass through the Python API: what a notebook shows for a project, and
errors that name the API's own call, or the options a call takes."""

from __future__ import annotations

import subprocess
import sys

import pytest

import labeldesk as ld


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
