"""What an export's near-duplicate leakage check looks at, and what its sentence claims.

The check ran the whole duplicate search (minus the kNN graph): every candidate pair of
the project in both directions, train with train included, so on low-entropy images whose
perceptual hashes collide it compared thumbnails for minutes inside an export (at 100k
images with every candidate pair passing the hash check: 450 s), and it filled missing
perceptual hashes, writing to the project. It now compares only the pairs between the
export's train images and its val/test ones, each pair once, and nothing of a val/test
picture already found. Its sentence said near duplicates were checked when some written
images had no embeddings, and blamed embedding when a rescan had moved an image."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import make_imagefolder, write_image
from ml.fake_embeddings import store_vectors
from PIL import Image

import labeldesk as ld
from labeldesk.core.create import create_and_index
from labeldesk.core.image_rows import images_without_phash, set_phashes
from labeldesk.interop.export_texts import leakage_text
from labeldesk.interop.writing import ExportReport
from labeldesk.ml import duplicates, pixel_match
from labeldesk.ml.neighbors import neighbor_graph

DIM = 16
NEAR = "test/cat/near_copy_of_cat1.jpg"  # cat1 re-encoded: a leak
TWIN = "train/dog/near_copy_of_dog1.jpg"  # dog1 re-encoded, both train: no leak


def _near_copy(root, source: str, copy: str) -> None:
    with Image.open(root / source) as img:
        img.save(root / copy, quality=60)


@pytest.fixture
def embedded(tmp_path):
    """An embedded project with a near copy across train/test and one inside train, and
    the kNN graph cached (as `labeldesk duplicates` or Statistics leaves it)."""
    root = tmp_path / "images"
    make_imagefolder(root)
    _near_copy(root, "train/cat/cat1.jpg", NEAR)
    _near_copy(root, "train/dog/dog1.jpg", TWIN)
    project, _ = create_and_index(tmp_path / "proj", root, workers=1)
    rng = np.random.default_rng(0)
    frame = project.images()
    base = {p: rng.normal(size=DIM) for p in frame.path}
    base[NEAR] = base["train/cat/cat1.jpg"] + 0.01 * rng.normal(size=DIM)
    base[TWIN] = base["train/dog/dog1.jpg"] + 0.01 * rng.normal(size=DIM)
    vectors = np.stack([base[p] for p in frame.path])
    store_vectors(project, list(vectors), "d", "near")
    neighbor_graph(project)
    yield project
    project.close()


@pytest.fixture
def compared(monkeypatch) -> list[int]:
    """How many pairs of thumbnails were compared pixel by pixel."""
    calls: list[int] = []
    real = pixel_match.pixel_difference

    def counting(a, b):
        calls.append(1)
        return real(a, b)

    monkeypatch.setattr(pixel_match, "pixel_difference", counting)
    return calls


def test_only_pairs_across_train_and_val_test_are_compared_each_once(embedded, tmp_path, compared):
    assert len(duplicates.find_duplicates(embedded)) == 2  # the search sees both pairs
    compared.clear()
    leakage = ld.export(embedded, tmp_path / "out")["leakage"]
    assert leakage["checked"] == ["exact", "near"]
    assert (leakage["near"], leakage["paths"]) == (1, [NEAR])
    # the train/test pair once (the graph lists it both ways); the train pair not at all
    assert len(compared) == 1


def test_an_export_writes_no_perceptual_hash_into_the_project(embedded, tmp_path):
    # a project older than perceptual hashes that no duplicate search has hashed yet
    ids = [int(i) for i in embedded.images().index]
    set_phashes(embedded.db, [(None, i) for i in ids])
    leakage = ld.export(embedded, tmp_path / "out")["leakage"]
    assert len(images_without_phash(embedded.db)) == len(ids)  # nothing written
    assert leakage["near"] is None and leakage["checked"] == ["exact"]
    assert "perceptual hashes" in leakage["near_not_checked"]


def test_written_images_without_embeddings_are_said_not_checked_for_near_copies(embedded, tmp_path):
    write_image(embedded.root / "test/dog/new.jpg", seed=424242)  # scanned, not embedded
    embedded.scan(workers=1)
    report = ld.export(embedded, tmp_path / "out")
    leakage = report["leakage"]
    assert leakage["checked"] == ["exact", "near"] and leakage["not_embedded"] == 1
    text = leakage_text(_report(leakage), see="S", search="D")
    assert text.endswith(
        "checked: exact copies, and near duplicates except for 1 written image without embeddings"
    )


def test_after_a_rescan_moved_an_image_the_reason_names_the_move(embedded, tmp_path):
    (embedded.root / "train/dog/dog0.jpg").rename(embedded.root / "train/dog/zz_dog0.jpg")
    embedded.scan(workers=1)  # no embedding since: the graph no longer fits the images
    leakage = ld.export(embedded, tmp_path / "out")["leakage"]
    assert leakage["checked"] == ["exact"]
    assert "moved" in leakage["near_not_checked"]


def _report(leakage: dict) -> ExportReport:
    report = ExportReport(out="", format="imagefolder")
    report.leakage = leakage
    return report


def test_a_cancel_during_the_near_check_stops_the_export(embedded, tmp_path, monkeypatch):
    from labeldesk.core.errors import Cancelled
    from labeldesk.core.progress import CancelToken

    token = CancelToken()
    real = pixel_match.pixel_difference

    def cancelling(a, b):
        token.cancel()  # Cancel pressed while thumbnails are compared
        return real(a, b)

    monkeypatch.setattr(pixel_match, "pixel_difference", cancelling)
    with pytest.raises(Cancelled):
        ld.export(embedded, tmp_path / "out", cancel=token)
    assert not (tmp_path / "out").exists()  # nothing left half-written
