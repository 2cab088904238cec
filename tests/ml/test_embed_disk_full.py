"""A disk that fills up while embedding: the run fails with a clear error, the batches
written before stay valid, and the next run cuts the torn tail and finishes with the
vectors a clean run gives."""

from __future__ import annotations

import errno
import json
from pathlib import Path

import numpy as np
import pytest
from helpers import write_image

from labeldesk.cli import main
from labeldesk.core.create import create_and_index
from labeldesk.core.project import open_project
from labeldesk.ml import vectors as vectors_module
from labeldesk.ml.embed import embed_project
from labeldesk.ml.store import current_store, project_vectors
from labeldesk.ml.vectors import KEY_BYTES, VectorStore

from .tiny_backbone import DIM, tiny_backbone

IMAGES = 20
BATCH = 4
REAL_APPEND = vectors_module._append_to


@pytest.fixture
def images(tmp_path: Path) -> Path:
    root = tmp_path / "images"
    for i in range(IMAGES):
        write_image(root / f"c{i % 2}" / f"{i}.png", size=(40, 40), fmt="PNG", seed=i)
    return root


@pytest.fixture
def clean(tmp_path: Path, images: Path) -> dict[str, np.ndarray]:
    """Every image's vector from an undisturbed run."""
    project, _ = create_and_index(tmp_path / "clean", images, workers=1)
    with project:
        embed_project(project, backbone=tiny_backbone(), batch_size=BATCH)
        got = project_vectors(project)
        return dict(zip(got.hashes, got.vectors, strict=True))


def fill_disk_at_keys_of_batch(monkeypatch, batch: int) -> None:
    """The disk fills while batch ``batch`` writes its keys: part of them (not on a key
    boundary) reaches the file, then ENOSPC. Its vectors are all on disk."""
    real = REAL_APPEND
    key_writes = 0

    def append(path: Path, data: bytes) -> None:
        nonlocal key_writes
        if path.name == "keys.bin":
            key_writes += 1
            if key_writes == batch:
                real(path, data[: KEY_BYTES + 5])
                raise OSError(errno.ENOSPC, "No space left on device", str(path))
        real(path, data)

    monkeypatch.setattr(vectors_module, "_append_to", append)


def assert_matches(project, clean: dict[str, np.ndarray], count: int) -> None:
    got = project_vectors(project)
    assert len(got.hashes) == count
    want = np.stack([clean[h] for h in got.hashes])
    cosine = np.sum(got.vectors * want, axis=1)  # both unit length
    assert cosine.min() >= 0.999


def test_a_full_disk_mid_run_keeps_earlier_batches_and_the_next_run_finishes(
    tmp_path, images, clean, monkeypatch
):
    project, _ = create_and_index(tmp_path / "proj", images, workers=1)
    with project:
        fill_disk_at_keys_of_batch(monkeypatch, batch=3)
        with pytest.raises(OSError) as failure:
            embed_project(project, backbone=tiny_backbone(), batch_size=BATCH)
        assert failure.value.errno == errno.ENOSPC
        monkeypatch.undo()

        # Two whole batches and the one key that got out: each with its own vector.
        store = current_store(project)
        assert store.count == 2 * BATCH + 1 and not store.damaged
        assert_matches(project, clean, 2 * BATCH + 1)
        folder = store.folder
        assert (folder / "vectors.f16").stat().st_size == 3 * BATCH * DIM * 2  # torn tail

        report = embed_project(project, backbone=tiny_backbone(), batch_size=BATCH)
        assert report.embedded == IMAGES - (2 * BATCH + 1) and report.rebuilt is None
        assert (folder / "vectors.f16").stat().st_size == IMAGES * DIM * 2
        assert (folder / "keys.bin").stat().st_size == IMAGES * KEY_BYTES
        assert_matches(project, clean, IMAGES)


def test_a_writer_whose_append_failed_appends_nothing_more(tmp_path, monkeypatch):
    folder = tmp_path / "store"
    fill_disk_at_keys_of_batch(monkeypatch, batch=1)
    with VectorStore.writer(folder, 4) as store:
        with pytest.raises(OSError):
            store.append(["00" * 16, "01" * 16], np.ones((2, 4), np.float32))
        with pytest.raises(RuntimeError, match="append failed"):
            store.append(["02" * 16], np.ones((1, 4), np.float32))
    assert VectorStore(folder, 4).count == 1


def test_the_cli_says_the_disk_is_full_and_the_next_embed_completes(
    tmp_path, images, clean, monkeypatch, capsys
):
    monkeypatch.setattr("labeldesk.ml.embed.load_backbone", lambda spec: tiny_backbone())
    proj = str(tmp_path / "proj")
    assert main(["new", proj, "--images", str(images), "--json"]) == 0
    capsys.readouterr()

    fill_disk_at_keys_of_batch(monkeypatch, batch=2)
    code = main(["embed", proj, "--batch-size", str(BATCH), "--json"])
    out = capsys.readouterr().out
    assert code != 0
    error = json.loads(out)
    assert error["kind"] == "DiskFull" and "no space left on the disk" in error["error"]
    assert "keys.bin" in error["error"]

    monkeypatch.setattr(vectors_module, "_append_to", REAL_APPEND)
    assert main(["embed", proj, "--batch-size", str(BATCH), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["embedded"] == IMAGES - (BATCH + 1)
    with open_project(proj) as project:
        assert_matches(project, clean, IMAGES)
