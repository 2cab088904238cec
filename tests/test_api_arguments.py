"""The notebook API's up-front argument checks (``labeldesk.api_words``): a yes/no
keyword given something other than True or False, and a path given something that is
no path, are a BadArgument before anything is done."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import labeldesk as ld


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda p: ld.issues(p, include_all="yes"), "include_all"),
        (lambda p: ld.queue(p, 5, all_splits=1), "all_splits"),
        (lambda p: ld.crossfit_predictions(p, refit="no"), "refit"),
    ],
)
def test_a_yes_no_keyword_takes_only_true_or_false(project, call, name):
    """``include_all="yes"`` was read as true (and ``refit="no"`` too)."""
    with pytest.raises(ld.BadArgument, match=f"^{name} must be True or False, not "):
        call(project)


def test_an_export_yes_no_option_takes_only_true_or_false(project, tmp_path):
    """``overwrite="no"`` was read as true; nothing is written."""
    out = tmp_path / "out"
    with pytest.raises(ld.BadArgument, match=r"^include_unlabeled must be True or False, not str"):
        ld.export(project, out, include_unlabeled="yes", progress=False)
    assert not out.exists()
    report = ld.export(project, out, include_unlabeled=np.True_, progress=False)  # a NumPy bool
    assert report["written"] > 0


def test_open_project_names_what_it_takes(project):
    """``ld.open_project(123)`` was a bare TypeError from inside pathlib."""
    with pytest.raises(
        ld.BadArgument, match=r"^path must be a str or an os.PathLike .*int \(123\)"
    ):
        ld.open_project(123)
    with ld.open_project(Path(project.path)) as again:  # a Path, as before
        assert again.path == project.path


def test_new_project_refuses_an_images_folder_that_is_no_path(tmp_path):
    target = tmp_path / "proj"
    with pytest.raises(ld.BadArgument, match=r"^images must be a str or an os.PathLike"):
        ld.new_project(target, ["cats"], progress=False)
    assert not target.exists()
