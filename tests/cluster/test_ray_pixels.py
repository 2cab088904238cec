"""A Ray worker embeds the pixels a local run embeds, for small and big images alike
(no cluster: the worker's actor class is called as Ray Data calls it)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from helpers import write_image

from labeldesk.core.create import create_and_index
from labeldesk.ml import backbones, runtime
from labeldesk.ml.backbones import Backbone, ModelIdentity, Preprocess
from labeldesk.ml.embed import EmbedReport, embed_project
from labeldesk.ml.ray_job_input import job_items, missing
from labeldesk.ml.ray_worker import OK, Embedder
from labeldesk.ml.store import current_store

# (name, size): which file a local run embeds at 224 px
IMAGES = [
    ("photo.jpg", (640, 427)),  # the scan's 336x224 thumbnail
    ("scan.png", (300, 240)),  # its 280x224 JPEG thumbnail, not the PNG
    ("panorama.jpg", (1000, 250)),  # thumbnail 448x112 is too small: the original
    ("icon.png", (100, 80)),  # smaller than the model's input: the original
]


def pixel_probe() -> Backbone:
    """A 'model' whose vector is raw pixels (every 28th of the 224x224 input): two runs
    agree only when they embed the very same pixels."""
    import torch

    class Pixels(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x[:, :, ::28, ::28].flatten(1)

    identity = ModelIdentity("pixels", "strided", "1" * 64, Preprocess(size=224))
    return Backbone(model=Pixels().eval(), identity=identity, dim=3 * 8 * 8)


@pytest.fixture
def photos(tmp_path: Path):
    for i, (name, size) in enumerate(IMAGES):
        fmt = "PNG" if name.endswith(".png") else "JPEG"
        write_image(tmp_path / "images" / "a" / name, size=size, seed=20 + i, fmt=fmt)
    project, _ = create_and_index(tmp_path / "proj", tmp_path / "images", workers=1)
    yield project
    project.close()


def test_worker_vectors_equal_the_local_runs_for_images_of_every_size(photos, monkeypatch):
    probe = pixel_probe()
    assert embed_project(photos, backbone=probe, device="cpu", runtime="torch").embedded == 4
    store = current_store(photos)

    real_runner = runtime.load_runner
    monkeypatch.setattr(backbones, "load_backbone", lambda spec: probe)
    monkeypatch.setattr(runtime, "load_runner", lambda b, d, r: real_runner(b, d, "torch"))
    worker = Embedder("pixels", str(photos.root), "cpu")
    items = job_items(missing(photos, None, EmbedReport("pixels", "k", "cpu")))
    out = worker(
        {
            "hash": np.array([h for h, _, _ in items], dtype=object),
            "path": np.array([p for _, p, _ in items], dtype=object),
            "side": np.array([s for _, _, s in items], dtype=np.int32),
        }
    )
    assert list(out["status"]) == [OK] * 4, out["reason"]
    local = store.gather(store.rows_for(list(out["hash"])))
    by_name = {Path(p).name: i for i, p in enumerate(out["path"])}
    for name, _ in IMAGES:
        i = by_name[name]
        assert np.array_equal(out["vector"][i], local[i]), name
    assert set(out["precision"]) == {"f32"}


def test_a_gpu_worker_decodes_on_threads_to_the_same_rows(photos, monkeypatch):
    """A GPU worker decodes a batch on several threads: the same pixels, and a file gone
    since the scan is reported in its own row, as one thread does."""
    from labeldesk.ml import decode_threads

    probe = pixel_probe()
    real_runner = runtime.load_runner
    monkeypatch.setattr(backbones, "load_backbone", lambda spec: probe)
    monkeypatch.setattr(runtime, "load_runner", lambda b, d, r: real_runner(b, "cpu", "torch"))
    assert Embedder("pixels", str(photos.root), "cpu").threads == 1
    monkeypatch.setattr(decode_threads, "spare_cores", lambda: 3)
    worker = Embedder("pixels", str(photos.root), "cuda")  # the model itself on the CPU here
    assert worker.threads == 3
    items = job_items(missing(photos, None, EmbedReport("pixels", "k", "cpu")))
    (photos.root / "a" / "scan.png").unlink()
    batch = {
        "hash": np.array([h for h, _, _ in items], dtype=object),
        "path": np.array([p for _, p, _ in items], dtype=object),
        "side": np.array([s for _, _, s in items], dtype=np.int32),
    }
    threaded = worker(batch)
    worker.threads = 1
    single = worker(batch)
    assert list(threaded["status"]) == list(single["status"])
    assert sorted(threaded["status"]) == sorted([OK, OK, OK, "missing"])
    assert list(threaded["reason"]) == list(single["reason"])
    assert np.array_equal(threaded["vector"], single["vector"])
