"""The app and the CLI on one project at once: readers never modify the vector store,
never see half a batch, writers take turns, and a damaged store is rebuilt instead of
trusted."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from helpers import write_image

from labeldesk.core.create import create_and_index
from labeldesk.core.project import open_project
from labeldesk.ml import vectors as vectors_module
from labeldesk.ml.embed import embed_project
from labeldesk.ml.errors import NoEmbeddings
from labeldesk.ml.store import current_store
from labeldesk.ml.vectors import KEY_BYTES, VectorStore
from ml.tiny_backbone import tiny_backbone

DIM = 4


def _hashes(n: int, start: int = 0) -> list[str]:
    return [f"{i:032x}" for i in range(start, start + n)]


def _vectors(n: int, start: int = 0) -> np.ndarray:
    rows = np.arange(start, start + n, dtype=np.float32)[:, None] + np.arange(DIM)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def _store(tmp_path: Path, rows: int = 6) -> Path:
    folder = tmp_path / "store"
    with VectorStore.writer(folder, DIM) as store:
        store.append(_hashes(rows), _vectors(rows))
    return folder


def _sizes(folder: Path) -> tuple[int, int]:
    return (folder / "vectors.f16").stat().st_size, (folder / "keys.bin").stat().st_size


def test_a_reader_never_changes_the_files_even_mid_write(tmp_path):
    folder = _store(tmp_path)
    with open(folder / "vectors.f16", "ab") as f:  # a writer between vectors and keys
        f.write(np.zeros((3, DIM), np.float16).tobytes())
    before = _sizes(folder)
    reader = VectorStore(folder, DIM)
    assert reader.count == 6 and not reader.damaged
    assert _sizes(folder) == before  # the old code cut the vectors here
    np.testing.assert_allclose(reader.gather(np.arange(6)), _vectors(6), atol=1e-3)


def test_a_reader_cannot_append():
    store = VectorStore(Path("/nonexistent"), DIM)
    with pytest.raises(RuntimeError, match="writer"):
        store.append(_hashes(1), _vectors(1))


def test_the_next_writer_cuts_a_torn_tail(tmp_path):
    folder = _store(tmp_path)
    with open(folder / "vectors.f16", "ab") as f:  # killed between vectors and keys
        f.write(b"\x01" * 20)
    with VectorStore.writer(folder, DIM) as store:
        assert store.count == 6
        store.append(_hashes(2, 6), _vectors(2, 6))
    reader = VectorStore(folder, DIM)
    assert reader.count == 8
    np.testing.assert_allclose(reader.gather(np.arange(8)), _vectors(8), atol=1e-3)


def test_keys_beyond_the_vectors_mean_a_damaged_store_that_is_rebuilt(tmp_path):
    folder = _store(tmp_path)
    with open(folder / "keys.bin", "ab") as f:  # rows shifted by an older version
        f.write(b"\x02" * KEY_BYTES * 2)
    reader = VectorStore(folder, DIM)
    assert reader.damaged and reader.count == 0  # not trusted
    with VectorStore.writer(folder, DIM) as store:
        assert store.count == 0 and not store.damaged
        store.append(_hashes(3), _vectors(3))
    assert VectorStore(folder, DIM).count == 3
    assert _sizes(folder) == (3 * DIM * 2, 3 * KEY_BYTES)


def _raw_append(folder: Path, start: int, n: int) -> None:
    """What a writer does for one batch: the vectors, then the keys."""
    with open(folder / "vectors.f16", "ab") as f:
        f.write(_vectors(n, start).astype(np.float16).tobytes())
    with open(folder / "keys.bin", "ab") as f:
        f.write(b"".join(bytes.fromhex(h) for h in _hashes(n, start)))


def test_a_batch_landing_between_a_readers_two_looks_is_not_damage(tmp_path, monkeypatch):
    """The reader looks at the keys, then at the vectors; a whole batch appended in
    between leaves it counting the rows it saw keys for (the race the old order lost)."""
    folder = _store(tmp_path)
    real_read = vectors_module._read_rows

    def read_then_a_batch_lands(path: Path) -> bytes:
        data = real_read(path)
        _raw_append(folder, 6, 3)
        return data

    monkeypatch.setattr(vectors_module, "_read_rows", read_then_a_batch_lands)
    reader = VectorStore(folder, DIM)
    monkeypatch.undo()
    assert not reader.damaged and reader.count == 6
    np.testing.assert_allclose(reader.gather(np.arange(6)), _vectors(6), atol=1e-3)
    assert VectorStore(folder, DIM).count == 9  # the batch counts from the next open


WRITER = """
import sys
from pathlib import Path
import numpy as np
from labeldesk.ml.vectors import VectorStore
folder, stop = Path(sys.argv[1]), Path(sys.argv[2])
with VectorStore.writer(folder, 4) as store:
    start = 0
    while not stop.exists():
        rows = np.arange(start, start + 2, dtype=np.float32)[:, None] + np.arange(4)
        store.append([f"{i:032x}" for i in range(start, start + 2)], rows)
        start += 2
"""


@pytest.mark.slow
@pytest.mark.timeout(60)
def test_readers_opening_while_another_process_appends_never_see_damage(tmp_path):
    """The reviewer's loop: the old order of looks marked ~1 open in 3,000 as damaged."""
    folder = _store(tmp_path, rows=0)
    stop = tmp_path / "stop"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(folder), str(stop)], env=env)
    try:
        opens, counts, damaged = 0, [], 0
        deadline = time.monotonic() + 3.0
        while time.monotonic() < deadline or opens < 2000:
            reader = VectorStore(folder, DIM)
            opens += 1
            damaged += reader.damaged
            counts.append(reader.count)
            if opens % 500 == 0 and reader.count:  # what it counts is readable, row for row
                rows = reader.gather(np.arange(reader.count))
                want = np.arange(reader.count, dtype=np.float32)[:, None] + np.arange(DIM)
                np.testing.assert_allclose(rows, want, rtol=1e-3)
    finally:
        stop.touch()
        writer.wait(30)
    assert writer.returncode == 0
    assert damaged == 0, f"{damaged} of {opens} opens saw a damaged store"
    assert counts[-1] > 0 and counts == sorted(counts)  # never fewer rows than before


def test_one_key_on_two_rows_means_damaged_and_the_writer_rebuilds(tmp_path):
    """Two runs of an older version wrote at once: which vector is whose is lost."""
    folder = _store(tmp_path)
    with open(folder / "vectors.f16", "ab") as f:  # the second run's copy of image 2
        f.write(_vectors(1, 2).astype(np.float16).tobytes())
    with open(folder / "keys.bin", "ab") as f:
        f.write(bytes.fromhex(_hashes(1, 2)[0]))
    reader = VectorStore(folder, DIM)
    assert reader.damaged and reader.count == 0 and "two rows" in (reader.damage or "")
    assert reader.rows_for(_hashes(6)).tolist() == [-1] * 6
    old_vectors = (folder / "vectors.f16").stat().st_ino
    with VectorStore.writer(folder, DIM) as store:
        assert store.count == 0 and store.rebuilt and not store.damaged
        store.append(_hashes(3), _vectors(3))
    assert (folder / "vectors.f16").stat().st_ino != old_vectors  # replaced, not cut
    assert (folder / "format.json").is_file()
    assert VectorStore(folder, DIM).count == 3
    assert _sizes(folder) == (3 * DIM * 2, 3 * KEY_BYTES)


def test_a_rebuild_deletes_what_was_computed_from_the_old_vectors_and_nothing_else(tmp_path):
    folder = _store(tmp_path)
    derived = ["knn-1.npz", "predictions-2.npz", "map-umap-3.npy", "ivf-4.faiss"]
    kept = ["spec.json", "identity.json", "notes.txt", "knn-notes.txt"]
    for name in derived + kept:
        (folder / name).write_bytes(b"x")
    (folder / "knn-folder.npz").mkdir()
    (tmp_path / "mine.npy").write_bytes(b"mine")
    (folder / "map-link.npy").symlink_to(tmp_path / "mine.npy")
    with VectorStore.writer(folder, DIM) as store:
        store.rebuild("a test")
    names = {p.name for p in folder.iterdir()}
    assert not names & set(derived)
    assert set(kept) | {"knn-folder.npz", "map-link.npy"} <= names
    assert (tmp_path / "mine.npy").read_bytes() == b"mine"


def test_a_writer_refuses_an_image_it_already_has(tmp_path):
    folder = _store(tmp_path)
    with VectorStore.writer(folder, DIM) as store, pytest.raises(ValueError, match="already"):
        store.append(_hashes(2, 5), _vectors(2, 5))
    with VectorStore.writer(folder, DIM) as store, pytest.raises(ValueError, match="already"):
        store.append(_hashes(1, 9) * 2, _vectors(2, 9))
    assert _sizes(folder) == (6 * DIM * 2, 6 * KEY_BYTES)


def test_a_store_rebuilt_under_a_reader_is_an_error_not_other_vectors(tmp_path):
    folder = _store(tmp_path)
    reader = VectorStore(folder, DIM)
    with VectorStore.writer(folder, DIM) as store:
        store.rebuild("a test")
        store.append(_hashes(6, 100), _vectors(6, 100))  # same size, other images
    with pytest.raises(NoEmbeddings, match="rebuilt while being read"):
        reader.gather(np.arange(6))
    np.testing.assert_allclose(
        VectorStore(folder, DIM).gather(np.arange(6)), _vectors(6, 100), atol=1e-3
    )


def test_writers_take_turns(tmp_path):
    folder = _store(tmp_path, rows=0)
    order: list[str] = []
    waited = threading.Event()
    first_in = threading.Event()
    release_first = threading.Event()

    def first() -> None:
        with VectorStore.writer(folder, DIM) as store:
            first_in.set()
            release_first.wait(10)
            store.append(_hashes(2), _vectors(2))
            order.append("first")

    def second() -> None:
        first_in.wait(10)
        with VectorStore.writer(folder, DIM, on_wait=waited.set) as store:
            assert store.count == 2  # sees the first writer's rows
            order.append("second")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    assert waited.wait(10)
    release_first.set()
    for t in threads:
        t.join(10)
    assert order == ["first", "second"]


# `labeldesk embed` with the test backbone (tests/ml/tiny_backbone.py, registered as
# tiny-test): what is checked here is the store's life, not the network. At a gate (a
# named pipe), the run holds its third batch in the network until the test opens the
# pipe: its first batches are on disk, the store is the project's, and the write lock is
# the run's meanwhile (a batch's vectors are written while the network runs the next).
EMBED = """
import sys
sys.path.insert(0, sys.argv[1])
from labeldesk.core.parent_watch import exit_with_parent
exit_with_parent()  # a test that fails or times out leaves no run held at the gate
from labeldesk.ml.backbones import BACKBONES
from ml.tiny_backbone import tiny_backbone

class Batches(list):
    def append(self, size):
        super().append(size)
        if len(self) == 3:
            with open(sys.argv[2]) as gate:
                gate.read()

BACKBONES.register("tiny-test")(lambda: tiny_backbone(Batches()))
from labeldesk.cli import main
sys.exit(main(sys.argv[3:]))
"""
TESTS = Path(__file__).resolve().parents[1]


def _embed(project: Path, env: dict, gate: Path) -> subprocess.Popen:
    args = ["embed", project, "--model", "tiny-test", "--runtime", "torch", "--batch-size", 2]
    return subprocess.Popen(
        [sys.executable, "-c", EMBED, str(TESTS), str(gate), *map(str, args), "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


READER = """
import json, os, sys
from labeldesk.core.parent_watch import exit_with_parent
exit_with_parent()  # nor a reader reading on for good
from labeldesk.core.project import open_project
from labeldesk.ml.errors import NoEmbeddings
from labeldesk.ml.store import project_vectors
opened, problems, seen = 0, [], {}
while not os.path.exists(sys.argv[2]):  # until the embedding runs are over
    with open_project(sys.argv[1]) as p:
        try:
            got = project_vectors(p)
        except NoEmbeddings as exc:  # fine before the first batch lands, never after
            if opened or "damaged" in str(exc):
                problems.append(f"after {opened} good opens: {exc}")
            continue
    opened += 1
    if opened == 1:
        print("opened", flush=True)
    for digest, vector in zip(got.hashes, got.vectors.tolist()):
        if seen.setdefault(digest, vector) != vector:
            problems.append(f"the vector of {digest} changed")
print(json.dumps({"opened": opened, "problems": problems[:20], "seen": seen}))
"""


def _stderr_lines(run: subprocess.Popen, waiting: threading.Event) -> list[str]:
    """The lines the run writes on stderr, read as they come (in a thread); ``waiting``
    is set when it says it waits for another run."""
    lines: list[str] = []

    def read() -> None:
        assert run.stderr is not None
        for line in run.stderr:
            lines.append(line)
            if line.startswith("waiting for another embedding run"):
                waiting.set()

    threading.Thread(target=read, daemon=True).start()
    return lines


def _open_gate(gate: Path) -> None:
    """Let the run held at the gate go on (opening a named pipe to write waits until its
    reader has it open); fail if no run gets there."""
    opened = threading.Event()

    def release() -> None:
        with open(gate, "w"):
            opened.set()

    threading.Thread(target=release, daemon=True).start()
    assert opened.wait(120), "no run reached its third batch"


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_two_embed_runs_and_readers_at_once_give_one_clean_runs_vectors(tmp_path):
    """Two runs start at once: the one with the write lock stores batches and holds the
    next; meanwhile readers see its vectors and the other run waits for it; then both
    finish: one run's vectors, each image once, and the second computed nothing again."""
    root = tmp_path / "images"
    for i in range(24):
        write_image(root / f"c{i % 3}" / f"{i}.png", size=(40, 40), fmt="PNG", seed=i)
    clean, _ = create_and_index(tmp_path / "clean", root, workers=1)
    clean.close()
    busy = tmp_path / "busy"
    shutil.copytree(tmp_path / "clean", busy)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    gate = tmp_path / "gate"
    os.mkfifo(gate)

    stop = tmp_path / "stop-reading"
    runs = [_embed(busy, env, gate) for _ in range(2)]
    readers = [
        subprocess.Popen(
            [sys.executable, "-c", READER, str(busy), str(stop)],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(2)
    ]
    try:
        waiting = threading.Event()
        said = [_stderr_lines(run, waiting) for run in runs]
        for reader in readers:  # each has read the vectors of the held run's first batches
            assert reader.stdout is not None and reader.stdout.readline() == "opened\n"
        assert waiting.wait(120), f"neither run waited for the other: {said}"
        _open_gate(gate)
        embedded = []
        for run, lines in zip(runs, said, strict=True):
            assert run.stdout is not None
            out = run.stdout.read()
            assert run.wait(200) == 0, "".join(lines)
            embedded.append(json.loads(out)["embedded"])
        assert sorted(embedded) == [0, 24]  # the run that waited found nothing left to do
        stop.touch()
        seen: list[dict] = []
        for reader in readers:
            out, _ = reader.communicate(timeout=60)
            assert reader.returncode == 0
            seen.append(json.loads(out))
    finally:  # a failed check: no run held at the gate, no reader reading on
        for process in runs + readers:
            if process.poll() is None:
                process.kill()
                process.wait()
    for report in seen:  # each reader got vectors mid-run, and never a wrong or no answer
        assert report["opened"] > 0 and report["problems"] == []
    with open_project(tmp_path / "clean") as clean_project:
        embed_project(clean_project, backbone=tiny_backbone(), runtime="torch", batch_size=2)

    with open_project(busy) as busy_project, open_project(tmp_path / "clean") as clean_project:
        got, want = current_store(busy_project), current_store(clean_project)
        keys = got.keys()
        assert len(keys) == len(set(keys)) == want.count  # each image once, no stray rows
        hashes = [k.hex() for k in want.keys()]  # noqa: SIM118 (a store, not a dict)
        a = got.gather(got.rows_for(hashes)).astype(np.float64)
        b = want.gather(want.rows_for(hashes)).astype(np.float64)
        assert _cosines(a, b).min() > 0.999
        for report in seen:  # every vector a reader saw while the runs went on was right
            digests = list(report["seen"])
            a = np.array([report["seen"][d] for d in digests])
            b = want.gather(want.rows_for(digests)).astype(np.float64)
            assert _cosines(a, b).min() > 0.999


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sum(a * b, axis=1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
