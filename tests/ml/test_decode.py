"""Decoding for the model: JPEGs at reduced DCT size, EXIF orientation kept, and decode
in worker processes giving the same vectors as in threads."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import numpy as np
from PIL import Image

from labeldesk.core.create import create_and_index
from labeldesk.ml import embed
from labeldesk.ml.backbones import Preprocess
from labeldesk.ml.preprocess import prepare
from labeldesk.ml.store import project_vectors

from .conftest import skimage_photo
from .tiny_backbone import tiny_backbone


def full_decode(path, size: int) -> np.ndarray:
    """The reference: the whole image decoded, then the same crop and resize."""
    from PIL import ImageOps

    with Image.open(path) as img:
        img = ImageOps.exif_transpose(img.convert("RGB"))
        w, h = img.size
        side = min(w, h)
        box = ((w - side) // 2, (h - side) // 2, (w - side) // 2 + side, (h - side) // 2 + side)
        img = img.resize((size, size), Image.Resampling.BILINEAR, box=box, reducing_gap=None)
    return np.asarray(img, dtype=np.float32)


def photo_jpeg(tmp_path, name="astronaut", exif=None):
    path = tmp_path / f"{name}.jpg"
    big = skimage_photo(name).resize((1280, 960), Image.Resampling.LANCZOS)
    big.save(path, quality=92, **({"exif": exif} if exif else {}))
    return path, big


def test_a_photo_decoded_at_draft_size_gives_the_model_the_same_pixels(tmp_path, backbone):
    from labeldesk.ml.runtime import torch_features

    pre = backbone.identity.preprocess
    path, _ = photo_jpeg(tmp_path)
    with Image.open(path) as img:
        img.draft("RGB", (pre.size, pre.size))
        assert img.size[1] < 960  # the decoder really scaled down (1/2 or 1/4)
    fast, reference = prepare(path, pre).astype(np.float32), full_decode(path, pre.size)
    assert fast.shape == reference.shape == (224, 224, 3)
    # DCT scaling averages where bilinear samples: a small difference, no shift (measured:
    # mean abs 1.2 of 255, mean 0.02).
    assert np.abs(fast - reference).mean() < 4.0 and abs((fast - reference).mean()) < 1.0
    features = torch_features(backbone, "cpu")
    vectors = features(np.stack([fast, reference]).round().astype(np.uint8))
    assert float(vectors[0] @ vectors[1]) >= 0.98


def test_exif_orientation_is_applied_after_the_draft_decode(tmp_path):
    pre = Preprocess(size=64)
    exif = Image.Exif()
    exif[0x0112] = 6  # stored sideways: display rotated 90° clockwise
    path, big = photo_jpeg(tmp_path, "chelsea", exif=exif.tobytes())
    upright = tmp_path / "upright.jpg"
    big.transpose(Image.Transpose.ROTATE_270).save(upright, quality=92)
    turned, expected = prepare(path, pre), prepare(upright, pre)
    assert np.abs(turned.astype(int) - expected).mean() < 6
    sideways = prepare(upright, pre)[:, ::-1].transpose(1, 0, 2)  # the orientation ignored
    diff = np.abs(turned.astype(int) - expected).mean()
    assert np.abs(turned.astype(int) - sideways).mean() > 3 * diff


def test_decode_runs_in_worker_processes_except_in_a_daemonic_process(monkeypatch):
    with embed._decode_pool(embed.PROCESS_POOL_MIN_BATCHES) as pool:
        assert isinstance(pool, ProcessPoolExecutor)
        assert pool._max_workers == embed.decode_workers() >= 1
    with embed._decode_pool(embed.PROCESS_POOL_MIN_BATCHES - 1) as pool:
        assert isinstance(pool, ThreadPoolExecutor)  # too short to repay starting processes
    monkeypatch.setattr(multiprocessing.current_process(), "daemon", True)
    with embed._decode_pool(1000) as pool:
        assert isinstance(pool, ThreadPoolExecutor)


def test_processes_and_threads_decode_to_the_same_vectors(tmp_path, photo_root, monkeypatch):
    results = []
    for min_batches in (1, 10**6):  # worker processes, then threads
        monkeypatch.setattr(embed, "PROCESS_POOL_MIN_BATCHES", min_batches)
        project, _ = create_and_index(tmp_path / f"p{min_batches}", photo_root, workers=1)
        try:
            report = embed.embed_project(
                project, backbone=tiny_backbone(), batch_size=4, runtime="torch"
            )
            assert report.embedded == 14 and not report.failed
            found = project_vectors(project)
            results.append(dict(zip(found.paths, found.vectors, strict=True)))
        finally:
            project.close()
    assert results[0].keys() == results[1].keys()
    assert all(np.array_equal(results[0][p], results[1][p]) for p in results[0])
