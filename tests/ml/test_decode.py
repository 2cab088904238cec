"""Decoding for the model: JPEGs at reduced DCT size, EXIF orientation kept, and decode
in worker processes giving the same vectors as in threads."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from PIL import Image

from labeldesk.core.create import create_and_index
from labeldesk.ml import embed, embed_decode
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
        assert pool.processes and pool.width == embed.decode_workers() >= 1
    with embed._decode_pool(embed.PROCESS_POOL_MIN_BATCHES - 1) as pool:
        assert not pool.processes  # too short to repay starting processes
    monkeypatch.setattr(multiprocessing.current_process(), "daemon", True)
    with embed._decode_pool(1000) as pool:
        assert not pool.processes


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


class CountingPool(ThreadPoolExecutor):
    """A thread pool that records the size of each decode it is given."""

    def __init__(self) -> None:
        super().__init__(max_workers=3)
        self.sizes: list[int] = []

    def submit(self, fn, /, *args, **kwargs):  # type: ignore[override]
        self.sizes.append(len(args[1]))
        return super().submit(fn, *args, **kwargs)


def test_each_batch_is_decoded_by_all_the_workers_in_order(tmp_path):
    """A wide pool (a GPU machine's 15 decode workers) decodes every batch in pieces, one
    per worker, not one worker per batch; the batches come out as whole, in order, with
    a file that fails reported in its batch."""
    root = tmp_path / "images"
    root.mkdir()
    items = []
    for i in range(10):
        Image.new("RGB", (40, 30), (i * 20, 255 - i * 20, 7)).save(root / f"{i}.png")
        items.append((f"h{i}", f"{i}.png"))
    items[5] = ("h5", "missing.png")
    files = embed_decode.ImageFiles(root, tmp_path / "thumbs")
    pre = Preprocess(size=16)
    results = {}
    for parts in (1, 3):
        with CountingPool() as pool:
            results[parts] = list(embed._prefetch(pool, files, items, 4, pre, parts=parts))
        sizes = pool.sizes
    assert sizes == [2, 2, 2, 2, 2]  # batches of 4, 4, 2: two pieces of 2 for each 4
    one, split = results[1], results[3]
    assert (
        [b[0] for b in split]
        == [b[0] for b in one]
        == [
            ["h0", "h1", "h2", "h3"],
            ["h4", "h6", "h7"],
            ["h8", "h9"],
        ]
    )
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(one, split, strict=True))
    assert [len(b[2]) for b in split] == [0, 1, 0] and split[1][2][0]["path"] == "missing.png"
    assert split[1][1].shape == (3, 16, 16, 3)


def test_the_pool_width_is_the_decode_workers_of_a_process_pool(monkeypatch):
    assert embed._pool_width(embed.PROCESS_POOL_MIN_BATCHES) == embed.decode_workers()
    assert embed._pool_width(1) == embed_decode.DECODE_THREADS
