"""What a data scientist does in a notebook: pandas idioms on the listings, paths as
``pathlib.Path`` objects or spelt as the file system does, NumPy numbers as counts, and
clear LabelDesk errors for wrong arguments, with nothing written."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import labeldesk as ld
from labeldesk.core.errors import UnknownClassError, UnknownPathError


def test_listing_columns_without_gaps_keep_their_dtypes(clustered):
    project, _ = clustered
    found = ld.issues(project, include_all=True)
    assert found.flagged.dtype == bool and found.score.dtype == np.float64
    # `~` on Python bools in an object column gave -1/-2, a KeyError when used as a mask
    unflagged = found[~found.flagged]
    assert len(unflagged) == len(found) - int(found.flagged.sum())
    assert list(found.nsmallest(2, "score").path) == list(found.path[:2])
    assert ld.predictions(project).confidence.dtype == np.float64
    # a column with a gap stays object, with None for the gap
    label = ld.predictions(project).label
    assert label.dtype == object and any(v is None for v in label)


def test_paths_may_be_path_objects_or_absolute(clustered):
    project, _ = clustered
    rel = "train/ant/ant0.png"
    written = project.set_label(Path(rel), "bee")
    assert written and project.images().set_index("path").label[rel] == "bee"
    project.set_labels({project.root / rel: "ant"})
    assert project.images().set_index("path").label[rel] == "ant"
    project.set_splits({Path(rel): "val"})
    project.set_status([str(project.root / rel)], "verified")
    assert project.history(Path(rel))[0].path == rel
    assert len(ld.similar(project, Path(rel), k=3)) == 3
    assert len(ld.similar(project, project.root / rel, k=3)) == 3
    with pytest.raises(UnknownPathError):
        project.set_label(Path("train/ant/nope.png"), "ant")


def test_numpy_counts_are_taken(clustered):
    project, _ = clustered
    assert len(ld.similar(project, "train/ant/ant0.png", k=np.int64(3))) == 3
    assert len(ld.queue(project, n=np.int64(2))) == 2
    assert len(ld.outliers(project, n=np.int32(2))) == 2


def test_bad_split_or_status_is_a_bad_argument_and_writes_nothing(clustered):
    project, _ = clustered
    before = project.history(limit=1)
    with pytest.raises(ld.BadArgument, match="unknown split"):
        project.set_splits({"train/ant/ant0.png": "validation"})
    with pytest.raises(ld.BadArgument, match="status must be"):
        project.set_status(["train/ant/ant0.png"], "ok")
    assert project.history(limit=1) == before


@pytest.mark.parametrize("bad", [-1, 0, 2.5, "8"])
def test_embed_checks_its_batch_size_first(project, bad):
    # -1 embedded nothing and reported success; 2.5 and "8" failed inside the loop
    with pytest.raises(ld.BadArgument, match="batch_size must be a whole number"):
        ld.embed(project, batch_size=bad, progress=lambda *_: None)
    assert ld.unembedded(project) == len(project.images())


def test_a_class_filter_that_is_not_a_class_is_an_unknown_class(clustered):
    project, _ = clustered
    with pytest.raises(UnknownClassError, match="no class 'wasp'"):
        ld.predictions(project, label="wasp")


def test_one_image_spelt_twice_in_one_write_is_refused(clustered):
    # as "a.png" and Path("a.png") it got two events in one batch, which undo half took back
    project, _ = clustered
    rel = "train/ant/ant0.png"
    before = project.history(limit=1)
    with pytest.raises(ld.BadArgument, match="names one image twice"):
        project.set_labels({rel: "bee", Path(rel): "ant"})
    with pytest.raises(ld.BadArgument, match="names one image twice"):
        project.set_splits({rel: "val", project.root / rel: "test"})
    with pytest.raises(ld.BadArgument, match="names one image twice"):
        project.set_status([rel, Path(rel)], "verified")
    with pytest.raises(ld.BadArgument, match="names one image twice"):
        project.set_labels({rel: "bee"}, splits={Path(rel): "val"})
    assert project.history(limit=1) == before
