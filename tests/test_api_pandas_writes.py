"""The writes take what a notebook has at hand: a pandas Series indexed by path where
they take a dict (``found.set_index("path").suggested``), one path where they take a
list. Anything else is a BadArgument, with nothing written."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import labeldesk as ld

CAT, DOG = "train/cat/cat0.jpg", "train/dog/dog0.jpg"


def labels_now(project, *paths: str) -> list[str | None]:
    table = project.images().set_index("path")
    return [None if pd.isna(v) else v for v in table.label[list(paths)]]


def test_writes_take_a_series_indexed_by_path(project):
    """``found.set_index("path").suggested``: its values were taken for paths ("1 path
    not in the project: dog"), and set_splits failed inside with a TypeError."""
    fixes = pd.Series({CAT: "dog", DOG: "cat"})
    assert project.would_change(fixes)
    written = project.set_labels(fixes)
    assert len(written.image_ids) == 2
    assert labels_now(project, CAT, DOG) == ["dog", "cat"]
    project.set_splits(pd.Series("val", index=[CAT, DOG]))
    assert set(project.images().set_index("path").split[[CAT, DOG]]) == {"val"}
    project.set_labels(pd.Series({CAT: "cat"}), splits=pd.Series({CAT: "test"}))
    assert project.images().set_index("path").split[CAT] == "test"
    for _ in range(3):
        project.undo()
    assert labels_now(project, CAT, DOG) == ["cat", "dog"]


def test_a_series_naming_an_image_twice_is_refused(project):
    before = project.history(limit=1)
    twice = pd.Series(["dog", "cat"], index=[CAT, CAT])
    with pytest.raises(ld.BadArgument, match="more than once"):
        project.set_labels(twice)
    with pytest.raises(ld.BadArgument, match="more than once"):
        project.set_splits(pd.Series(["val", "test"], index=[CAT, CAT]))
    assert project.history(limit=1) == before


def test_writes_given_neither_a_mapping_nor_a_series_say_what_they_take(project):
    with pytest.raises(ld.BadArgument, match="dict or a pandas Series"):
        project.set_labels([(CAT, "dog")])
    with pytest.raises(ld.BadArgument, match="dict or a pandas Series"):
        project.set_splits("val")


def test_set_status_takes_one_path_as_that_image(project):
    """A single path was read as a list of its characters: "17 paths not in the
    project: t, r, a, i, n … and 12 more"."""
    project.set_status(CAT, "verified")
    assert project.images().set_index("path").status[CAT] == "verified"
    project.set_status(Path(DOG), "excluded")
    assert project.images().set_index("path").status[DOG] == "excluded"
