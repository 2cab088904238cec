"""A training batch decoded by several threads (on a GPU) is the batch one thread
decodes: the same pixels, augmentation and failures, in row order."""

from __future__ import annotations

import threading

import numpy as np
from PIL import Image

from labeldesk.ml import embed_decode, finetune_images
from labeldesk.ml.backbones import Preprocess
from labeldesk.ml.device import usable_cores
from labeldesk.ml.finetune_images import TrainingImages, decode_threads


def images(tmp_path) -> TrainingImages:
    paths = []
    for i in range(7):
        path = tmp_path / f"{i}.png"
        pixels = np.random.default_rng(i).integers(0, 255, (40, 30, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(path)
        paths.append(path)
    paths[4] = tmp_path / "gone.png"  # deleted since the scan
    return TrainingImages(paths, [p.name for p in paths])


def test_threads_decode_the_same_batch_as_one(tmp_path, monkeypatch):
    pre = Preprocess(size=24)
    rows = np.arange(7)
    one = images(tmp_path)
    plain, plain_rows = one.batch(rows, pre, "cpu", rng=np.random.default_rng(5))
    seen: set[str] = set()
    augment = finetune_images._augment

    def recording(*args):
        seen.add(threading.current_thread().name)
        return augment(*args)

    monkeypatch.setattr(finetune_images, "_augment", recording)
    monkeypatch.setattr(finetune_images, "decode_threads", lambda device: 3)
    many = images(tmp_path)
    threaded, threaded_rows = many.batch(rows, pre, "cpu", rng=np.random.default_rng(5))
    assert len(seen) > 1 and all(name.startswith("decode") for name in seen)
    assert list(threaded_rows) == list(plain_rows) == [0, 1, 2, 3, 5, 6]
    assert np.array_equal(threaded.numpy(), plain.numpy())
    assert many.report() == one.report() and many.report()[0]["path"] == "gone.png"
    unaugmented = many.batch(rows, pre, "cpu")[0]  # the gone row is not tried again
    assert unaugmented.shape == plain.shape and not np.array_equal(unaugmented, plain)


def test_the_cpu_decodes_in_the_training_thread():
    assert decode_threads("cpu") == 1
    assert decode_threads("cuda") == decode_threads("mps") == max(1, usable_cores() - 1)
    assert decode_threads("cuda") == embed_decode.decode_workers()  # the same spare cores
