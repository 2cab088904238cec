"""sample_data/make_sample.py --out DIR: a Fashion-MNIST folder like the bundled sample,
made where the person wants it. Before, the script took only --source and always
deleted and rewrote sample_data/fashion and its CSV files in the checkout, so a folder
of one's own (the README's way to try LabelDesk on more than the sample) meant
overwriting the bundled one. It never replaces a folder or file of the person's own."""

from __future__ import annotations

import importlib.util
import struct
from pathlib import Path

import numpy as np
import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "sample_data" / "make_sample.py"


@pytest.fixture
def make_sample(monkeypatch, tmp_path):
    """The script as a module, its own folder moved to tmp (a sentinel in its fashion/)."""
    spec = importlib.util.spec_from_file_location("make_sample_under_test", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    own = tmp_path / "own"
    (own / "fashion").mkdir(parents=True)
    (own / "fashion" / "bundled.png").write_bytes(b"the bundled sample")
    monkeypatch.setattr(module, "OUT_DIR", own)
    monkeypatch.setattr(module, "DATASET_DIR", own / "fashion")
    return module


def _idx(path: Path, array: np.ndarray) -> None:
    """An uncompressed IDX file of unsigned bytes (type 0x08)."""
    head = bytes([0, 0, 0x08, array.ndim]) + b"".join(struct.pack(">I", d) for d in array.shape)
    path.write_bytes(head + array.astype(np.uint8).tobytes())


def _source(folder: Path) -> Path:
    """Fake Fashion-MNIST: 60 train and 12 test images of each of the 10 classes."""
    folder.mkdir()
    rng = np.random.default_rng(0)
    for prefix, per_class in (("train", 60), ("t10k", 12)):
        labels = np.repeat(np.arange(10), per_class)
        _idx(folder / f"{prefix}-labels-idx1-ubyte", labels)
        _idx(folder / f"{prefix}-images-idx3-ubyte", rng.integers(0, 256, (len(labels), 28, 28)))
    return folder


def test_out_writes_a_sample_folder_elsewhere_and_never_over_one(make_sample, tmp_path):
    source, out = _source(tmp_path / "idx"), tmp_path / "mine"
    make_sample.main(["--source", str(source), "--out", str(out)])
    assert len(list((out / "fashion" / "train").rglob("*.png"))) == 300
    assert len(list((out / "fashion" / "test").rglob("*.png"))) == 100
    assert len(list((out / "fashion" / "_unlabeled").glob("*.png"))) == 200
    planted = (out / "planted_errors.csv").read_text().splitlines()
    assert planted[0] == "path,given_label,true_label" and len(planted) == 13
    assert (out / "unlabeled_truth.csv").is_file()
    own = make_sample.OUT_DIR  # the script's own folder: untouched
    assert [p.name for p in own.rglob("*")] == ["fashion", "bundled.png"]
    first = sorted(p.relative_to(out) for p in out.rglob("*"))
    with pytest.raises(SystemExit, match="exists already; give --out a new or empty folder"):
        make_sample.main(["--source", str(source), "--out", str(out)])
    assert sorted(p.relative_to(out) for p in out.rglob("*")) == first


def test_run_by_a_python_without_numpy_or_pillow_it_says_which_python_to_use(tmp_path):
    """The README's `python sample_data/make_sample.py --out ~/fm`, typed with the system's
    Python (no numpy, no Pillow), ended in a traceback (ModuleNotFoundError: No module
    named 'PIL'). It now says what it needs and which Python has it, and writes nothing."""
    import subprocess
    import sys

    out = tmp_path / "fm"
    # -S: without site-packages, as a Python without LabelDesk's packages runs it
    run = subprocess.run(
        [sys.executable, "-I", "-S", str(SCRIPT), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    assert "needs numpy and Pillow" in run.stderr
    assert ".venv/bin/python sample_data/make_sample.py" in run.stderr
    assert not out.exists()
