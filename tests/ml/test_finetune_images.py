"""Training batches decoded ahead by worker processes (on a GPU) are the batches the
training thread decodes itself: the same pixels, augmentation and failures, in order."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace

import numpy as np
import pytest
from PIL import Image

from labeldesk.ml import decode_pool, embed_decode, finetune_images
from labeldesk.ml.backbones import Preprocess
from labeldesk.ml.device import usable_cores
from labeldesk.ml.finetune_images import TrainingImages, decode_threads

PRE = Preprocess(size=24)


def images(tmp_path, workers: int | None = None) -> TrainingImages:
    paths = []
    for i in range(11):
        path = tmp_path / f"{i}.png"
        pixels = np.random.default_rng(i).integers(0, 255, (40, 30, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(path)
        paths.append(path)
    paths[4] = tmp_path / "gone.png"  # deleted since the scan
    return TrainingImages(paths, [p.name for p in paths], workers=workers)


def epoch(source: TrainingImages, rng=None) -> list[tuple[np.ndarray, list[int]]]:
    order = np.random.default_rng(3).permutation(11)
    pieces = [order[i : i + 3] for i in range(0, 11, 3)]
    return [(x.numpy(), list(rows)) for x, rows in source.batches(pieces, PRE, "cpu", rng=rng)]


def test_worker_processes_decode_the_batches_one_thread_decodes(tmp_path):
    one = images(tmp_path)
    plain = epoch(one, np.random.default_rng(5))
    assert one._pool is None  # the CPU decodes in the training thread
    with images(tmp_path, workers=2) as many:
        ahead = epoch(many, np.random.default_rng(5))
        assert many._pool is not None and many._pool.processes
        assert [rows for _, rows in ahead] == [rows for _, rows in plain]
        assert all(np.array_equal(a, b) for (a, _), (b, _) in zip(ahead, plain, strict=True))
        assert all(4 not in rows for _, rows in ahead)
        assert many.report() == one.report() and many.report()[0]["path"] == "gone.png"
        again = epoch(many)  # unaugmented; the pool is kept, the gone row not tried again
        assert sum(len(rows) for _, rows in again) == 10
        assert not np.array_equal(again[0][0], ahead[0][0])
    assert many._pool is None  # closed with the run


def test_a_daemonic_process_decodes_on_threads(tmp_path, monkeypatch):
    plain = epoch(images(tmp_path), np.random.default_rng(5))
    seen: set[str] = set()
    augment = finetune_images._augment

    def recording(*args):
        seen.add(threading.current_thread().name)
        return augment(*args)

    monkeypatch.setattr(finetune_images, "_augment", recording)
    daemonic = SimpleNamespace(daemon=True)  # the app's job child: no children of its own
    monkeypatch.setattr(decode_pool.multiprocessing, "current_process", lambda: daemonic)
    with images(tmp_path, workers=3) as many:
        threaded = epoch(many, np.random.default_rng(5))
        assert many._pool is not None and not many._pool.processes
    assert seen and all(name.startswith("decode") for name in seen)
    assert all(np.array_equal(a, b) for (a, _), (b, _) in zip(threaded, plain, strict=True))


def test_a_run_stopped_midway_leaves_no_workers(tmp_path):
    with images(tmp_path, workers=2) as many:
        batches = many.batches([np.arange(3), np.arange(3, 6), np.arange(6, 9)], PRE, "cpu")
        x, rows = next(batches)  # then cancelled: the rest stays queued
        assert list(rows) == [0, 1, 2] and x.shape == (3, 3, 24, 24)
        pool = many._pool
    assert many._pool is None
    with pytest.raises(RuntimeError):
        pool.submit(int)  # shut down


def test_a_loop_stopped_midway_drops_the_batches_queued_for_it(tmp_path, monkeypatch):
    """A cancelled epoch leaves the decodes queued ahead of it undone; the run goes on
    (evaluation) with the same workers."""
    calls: list[int] = []
    augment = finetune_images._augment

    def slow(path, *args):
        calls.append(1)
        if path.name not in ("0.png", "1.png", "2.png"):  # the first batch comes at once
            time.sleep(0.1)
        return augment(path, *args)

    monkeypatch.setattr(finetune_images, "_augment", slow)
    daemonic = SimpleNamespace(daemon=True)  # threads, so the count is seen here
    monkeypatch.setattr(decode_pool.multiprocessing, "current_process", lambda: daemonic)
    with images(tmp_path, workers=2) as many:
        many.batch(np.arange(1), PRE, "cpu")  # torch imported, not timed below
        pieces = [np.arange(i, i + 3) for i in (0, 5, 8)] + [np.array([1, 2, 3])]
        batches = many.batches(pieces, PRE, "cpu", rng=np.random.default_rng(1))
        next(batches)  # meanwhile the 2nd (and 3rd) batch decode, the 4th waits
        batches.close()  # cancelled after the first batch
        time.sleep(1.0)  # 12 decodes on 2 threads would all be done by now
        assert len(calls) <= 9  # the 4th batch was never decoded
        assert list(many.batch(np.arange(5, 8), PRE, "cpu")[1]) == [5, 6, 7]


@pytest.mark.parametrize("device", ["cpu", "cuda", "mps"])
def test_only_a_gpu_run_gets_decode_workers(device):
    expected = 1 if device == "cpu" else max(1, usable_cores() - 1)
    assert decode_threads(device) == expected
    assert decode_threads("cuda") == embed_decode.decode_workers()  # the same spare cores


@pytest.mark.parametrize("workers", [None, 2])
def test_a_file_changed_since_the_scan_is_left_out_in_workers_too(tmp_path, workers):
    """The check against the scan runs where the file is read: in the training thread on
    the CPU, in the decode worker processes on a GPU."""
    from labeldesk.core.indexed_files import hash_file

    source = images(tmp_path, workers=workers)

    def recorded(path):
        st = path.stat()
        return (hash_file(path), path.name, 0, st.st_size, st.st_mtime_ns, st.st_ctime_ns)

    source.scanned = [None if row == 4 else recorded(p) for row, p in enumerate(source.paths)]
    pixels = np.random.default_rng(99).integers(0, 255, (30, 40, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(source.paths[7])  # overwritten since the scan
    with source:
        got = epoch(source, np.random.default_rng(5))
    assert sorted(r for _, rows in got for r in rows) == [0, 1, 2, 3, 5, 6, 8, 9, 10]
    assert source.report() == [
        {"path": "7.png", "reason": embed_decode.CHANGED},
        {
            "path": "gone.png",
            "reason": "its file is not there: moved or deleted since the last scan",
        },
    ]


def test_a_file_whose_change_time_alone_moved_is_held_to_the_time_its_bytes_were_checked(
    tmp_path, monkeypatch
):
    """Hashed once, then checked by one stat against the change time seen then: a later
    rewrite moves that time and is caught. Not where change times are whole seconds and
    this recent: a rewrite in that second would keep it, so it is hashed each time."""
    import os

    from labeldesk.core.indexed_files import hash_file

    path = tmp_path / "a.png"
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(path, compress_level=0)
    st = path.stat()
    item = (hash_file(path), "a.png", 0, st.st_size, st.st_mtime_ns, st.st_ctime_ns - 1)
    checked = embed_decode.recheck_since_scan(path, item)
    assert checked == (*item[:5], path.stat().st_ctime_ns)
    assert embed_decode.recheck_since_scan(path, checked) is checked  # no read: as checked
    os.chmod(path, 0o600)
    assert embed_decode.recheck_since_scan(path, checked) == (*item[:5], path.stat().st_ctime_ns)
    Image.fromarray(np.ones((8, 8, 3), np.uint8)).save(path, compress_level=0)  # same size
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert path.stat().st_size == st.st_size
    assert embed_decode.recheck_since_scan(path, checked) is None
    now = 1_700_000_000.0
    whole = int(now) * 1_000_000_000
    assert embed_decode._racy_change_time(whole, now, now + 1)
    assert not embed_decode._racy_change_time(whole - 10_000_000_000, now, now + 1)
    assert not embed_decode._racy_change_time(whole + 5, now, now + 1)  # a fine clock
