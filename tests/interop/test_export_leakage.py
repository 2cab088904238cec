"""An export says how many of its val/test images have a copy in its train split: exact
copies (same content hash) always, near duplicates when the project's kNN graph for its
embeddings is already cached (never computed for the export). It warns; what is written
does not change."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from helpers import make_imagefolder

import labeldesk as ld
from interop.near_copy import NEAR, embedded_with_a_near_copy
from labeldesk.core.create import create_and_index
from labeldesk.ml.neighbors import has_cached_graph, neighbor_graph
from labeldesk.ml.store import project_vectors

COPY = "test/cat/copy_of_cat0.jpg"  # the same bytes as train/cat/cat0.jpg


@pytest.fixture
def leaky(tmp_path):
    root = tmp_path / "images"
    make_imagefolder(root)
    shutil.copy(root / "train/cat/cat0.jpg", root / COPY)
    project, _ = create_and_index(tmp_path / "proj", root, workers=1)
    yield project
    project.close()


def _files(out):
    return sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())


def test_an_exact_copy_of_a_train_image_in_test_is_reported(leaky, tmp_path):
    report = ld.export(leaky, tmp_path / "out")
    leakage = report["leakage"]
    assert leakage["images"] == 1 and leakage["exact"] == 1
    assert leakage["per_split"] == {"test": 1}
    assert leakage["paths"] == [COPY]
    assert leakage["checked"] == ["exact"]  # not embedded: near duplicates not looked for
    assert leakage["near"] is None and "embed" in leakage["near_not_checked"]
    # a warning only: the copy is written where it was, nothing else changes
    assert f"test/cat/{COPY.rsplit('/', 1)[1]}" in _files(tmp_path / "out")
    assert report["per_split"] == {"train": 8, "val": 4, "test": 5}


def test_a_copy_left_out_of_the_export_leaks_nothing(leaky, tmp_path):
    leaky.set_status(["train/cat/cat0.jpg"], "excluded")
    leakage = ld.export(leaky, tmp_path / "out")["leakage"]
    assert (leakage["images"], leakage["exact"], leakage["paths"]) == (0, 0, [])
    assert leakage["per_split"] == {}


def test_copies_inside_one_split_or_between_val_and_test_are_no_train_leak(tmp_path):
    root = tmp_path / "images"
    make_imagefolder(root)
    shutil.copy(root / "train/cat/cat0.jpg", root / "train/dog/again.jpg")
    shutil.copy(root / "val/cat/cat0.jpg", root / "test/cat/from_val.jpg")
    project, _ = create_and_index(tmp_path / "proj", root, workers=1)
    with project:
        leakage = ld.export(project, tmp_path / "out")["leakage"]
    assert leakage["images"] == 0


def test_made_splits_keep_exact_copies_in_one_split(leaky, tmp_path):
    report = ld.export(leaky, tmp_path / "out", make_splits="50/25/25", seed=3)
    assert report["made_splits"]["groups_kept_together"] >= 1
    assert report["leakage"]["images"] == 0 and report["leakage"]["exact"] == 0


def test_an_unlabeled_copy_written_into_train_counts_there(leaky, tmp_path):
    # The Hugging Face export writes images without a split into train/: a copy there of
    # a test image is in the training data as much as a labeled one.
    root = leaky.root
    shutil.copy(root / "test/dog/dog0.jpg", root / "_unlabeled/twin.jpg")
    leaky.scan(workers=1)
    report = ld.export(leaky, tmp_path / "out", format="hf", include_unlabeled=True)
    assert report["no_split_in"] == {"train": 4}
    assert report["leakage"]["paths"] == [COPY, "test/dog/dog0.jpg"]


def test_the_splits_counted_are_the_exported_versions_not_the_projects(leaky, tmp_path):
    ld.create_version(leaky, "with-leak")
    leaky.set_splits({COPY: "train"})  # fixed in the project since
    assert ld.export(leaky, tmp_path / "now")["leakage"]["images"] == 0
    leakage = ld.export(leaky, tmp_path / "then", version="with-leak")["leakage"]
    assert leakage["paths"] == [COPY]


# -- near duplicates --------------------------------------------------------------


def test_near_copies_are_checked_only_from_a_graph_already_computed(tmp_path):
    project = embedded_with_a_near_copy(tmp_path)
    with project:
        leakage = ld.export(project, tmp_path / "out1")["leakage"]
        assert leakage["checked"] == ["exact"] and leakage["near"] is None
        assert "no duplicate search" in leakage["near_not_checked"]
        assert not has_cached_graph(project, project_vectors(project))  # none computed
        neighbor_graph(project)  # what `labeldesk duplicates` (or Statistics) leaves
        leakage = ld.export(project, tmp_path / "out2")["leakage"]
    assert leakage["checked"] == ["exact", "near"] and leakage["near_not_checked"] is None
    assert (leakage["images"], leakage["exact"], leakage["near"]) == (1, 0, 1)
    assert leakage["paths"] == [NEAR] and leakage["per_split"] == {"test": 1}
    assert _files(tmp_path / "out1") == _files(tmp_path / "out2")  # the same export


def test_a_failed_near_search_leaves_the_export_and_its_exact_check(tmp_path, monkeypatch):
    from labeldesk.core.errors import ProjectBusyError
    from labeldesk.ml import duplicates

    def busy(*args, **kwargs):
        raise ProjectBusyError("another process holds the project")

    project = embedded_with_a_near_copy(tmp_path)
    with project:
        neighbor_graph(project)
        monkeypatch.setattr(duplicates, "near_copies_between", busy)
        report = ld.export(project, tmp_path / "out")
    assert report["written"] == 17 and (tmp_path / "out" / NEAR).is_file()
    leakage = report["leakage"]
    assert leakage["checked"] == ["exact"] and leakage["near"] is None
    assert leakage["near_not_checked"] == (
        "the duplicate search failed: another process holds the project"
    )


def test_only_direct_copies_of_a_train_picture_count(monkeypatch):
    """A (train) like B (val) like C (test): B is a copy of A; C is only like B (a
    slow pan's frames), so C is not counted, as the groups window keeps them apart."""
    from types import SimpleNamespace

    from labeldesk.ml import duplicates

    class Rule:  # the near pairs: A-B and B-C (each listed both ways in the graph)
        def __init__(self, *args):
            pass

        def positions(self, i, r):
            return (i, r) if {i, r} in ({0, 1}, {1, 2}) else None

    monkeypatch.setattr(duplicates, "PairRule", Rule)
    images = SimpleNamespace(hashes=["ha", "hb", "hc"], ids=np.arange(3))
    sims = np.full((3, 2), 0.95, dtype=np.float32)
    rows = np.array([[1, 2], [0, 2], [1, 0]])
    project = SimpleNamespace(db=None)
    monkeypatch.setattr("labeldesk.core.image_rows.usable_images", lambda db: [])

    def between(sources, targets):
        return duplicates.near_copies_between(project, images, sims, rows, sources, targets)

    assert between({"ha"}, {"hb", "hc"}) == {"hb"}
    assert between({"hb"}, {"ha", "hc"}) == {"ha", "hc"}
    assert between(set(), {"hb", "hc"}) == set()  # A not written
