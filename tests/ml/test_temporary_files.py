"""Temporary files left by a killed writer are deleted by the next write in their folder,
and only those: files of running processes and anything not named as LabelDesk names
its temporaries stay."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from labeldesk.ml.cachefiles import _space, replace_versions, write_atomically
from labeldesk.ml.vectors import VectorStore


def dead_pid() -> int:
    """The id of a process that has exited."""
    child = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, check=True
    )
    return int(child.stdout)


@pytest.fixture
def running_pid():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    yield child.pid
    child.kill()
    child.wait()


def aged(path, days: float = 2) -> None:
    """Make ``path`` look ``days`` old."""
    then = time.time() - days * 24 * 3600
    os.utime(path, (then, then))


def test_a_cache_write_removes_only_the_leftovers_of_dead_writers(tmp_path, running_pid):
    dead, here = dead_pid(), _space()
    leftovers = [f".tmp-{dead}-{here}-140-knn-old.npz"]
    old_leftovers = [f".tmp-{dead}-140-knn-older.npz", f".keys.bin.{dead}.tmp"]  # a day old
    kept = [
        f".tmp-{running_pid}-{here}-140-knn-b.npz",  # another process is writing it now
        f".tmp-{os.getpid()}-{here}-99-predictions-x.npz",  # another thread of this one
        f".tmp-{dead}-0badf00d-140-knn-c.npz",  # another machine's or container's pid
        f".tmp-{dead}-141-knn-d.npz",  # an older LabelDesk's name, written just now
        f".tmp-{dead}-x-knn.npz",  # not LabelDesk's pattern
        f"tmp-{dead}-1-knn.npz",
        f".notes.txt.{dead}.tmp",  # not one of the store's files
        "notes.txt",
    ]
    for name in leftovers + old_leftovers + kept:
        (tmp_path / name).write_bytes(b"x")
    for name in old_leftovers:
        aged(tmp_path / name)
    (tmp_path / f".tmp-{dead}-1-folder").mkdir()  # a folder, not a file
    (tmp_path / "target.txt").write_text("keep me")
    (tmp_path / f".tmp-{dead}-2-link").symlink_to(tmp_path / "target.txt")

    replace_versions(tmp_path / "knn-new.npz", "knn-*.npz", lambda tmp: tmp.write_bytes(b"n"))

    names = {p.name for p in tmp_path.iterdir()}
    assert not names & set(leftovers + old_leftovers)
    assert set(kept) | {"knn-new.npz", f".tmp-{dead}-1-folder", f".tmp-{dead}-2-link"} <= names
    assert (tmp_path / "target.txt").read_text() == "keep me"


KILLED_WRITER = """
import sys, time
from pathlib import Path
from labeldesk.ml.cachefiles import write_atomically

def write(tmp):
    tmp.write_bytes(b"half a cache")
    print("writing", flush=True)
    time.sleep(60)

write_atomically(Path(sys.argv[1]), write)
"""


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_the_file_a_killed_writer_left_is_gone_after_the_next_write(tmp_path):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    child = subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITER, str(tmp_path / "map-umap-1.npy")],
        stdout=subprocess.PIPE,
        env=env,
    )
    assert child.stdout is not None and child.stdout.readline() == b"writing\n"
    os.kill(child.pid, signal.SIGKILL)
    child.wait(10)
    left = [p.name for p in tmp_path.iterdir()]
    assert len(left) == 1 and left[0].startswith(f".tmp-{child.pid}-")

    write_atomically(tmp_path / "spec.json", lambda tmp: tmp.write_text("{}"))
    assert [p.name for p in tmp_path.iterdir()] == ["spec.json"]


def test_the_vector_store_writer_removes_its_folders_leftovers(tmp_path, running_pid):
    folder = tmp_path / "store"
    with VectorStore.writer(folder, 4) as store:
        store.append(["00" * 16], np.ones((1, 4), np.float32))
    dead = dead_pid()
    leftovers = [f".vectors.f16.{dead}.tmp", f".identity.json.{dead}.tmp", f".tmp-{dead}-7-a"]
    kept = f".keys.bin.{running_pid}.tmp"
    for name in [*leftovers, kept]:
        (folder / name).write_bytes(b"x")
        aged(folder / name)  # older LabelDesk's names: once a day old

    with VectorStore.writer(folder, 4) as store:  # nothing to repair, nothing written
        assert store.count == 1
    names = {p.name for p in folder.iterdir()}
    assert not names & set(leftovers) and kept in names
    assert VectorStore(folder, 4).count == 1


def test_a_folder_a_person_chose_is_never_swept(tmp_path):
    """`drift --html reports/drift.html` deleted the person's ".tmp-999999-1-thesis.txt"
    beside it: it looked like a temporary LabelDesk had left."""
    theirs = tmp_path / f".tmp-{dead_pid()}-1-thesis.txt"
    theirs.write_text("draft")
    aged(theirs, days=30)
    from labeldesk.ml.cachefiles import write_bytes_atomically

    write_bytes_atomically(tmp_path / "drift.html", b"<html>", sweep=False)
    assert theirs.read_text() == "draft" and (tmp_path / "drift.html").read_bytes() == b"<html>"


def test_a_report_written_again_removes_only_its_own_killed_temporary(tmp_path, running_pid):
    """`drift --html report.html` killed before its rename left its temporary beside the
    person's files for good (their folder was never swept); the next report of that name
    removes it, and nothing else there."""
    from labeldesk.ml.cachefiles import remove_stale_temporaries

    dead, here = dead_pid(), _space()
    leftover = f".tmp-{dead}-{here}-140-report.html"
    kept = [
        f".tmp-{dead}-{here}-140-other.html",  # another file's
        f".tmp-{running_pid}-{here}-140-report.html",  # a running process's
        f".tmp-{dead}-0badf00d-140-report.html",  # another machine's or container's
        f".tmp-{dead}-140-report.html",  # an older LabelDesk's name (whose pid: unknown)
        f".tmp-{dead}-{here}-140-report.html.bak",
        "report.html",
        "notes.txt",
    ]
    for name in [leftover, *kept]:
        (tmp_path / name).write_bytes(b"x")
        aged(tmp_path / name, days=30)
    removed = remove_stale_temporaries(tmp_path, of="report.html")
    assert [p.name for p in removed] == [leftover]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(kept)


def test_an_embedding_run_removes_the_leftovers_in_every_store_of_the_project(project, running_pid):
    """A fine-tune killed while its tuned model's store began left a temporary there for
    good: the next run embeds with a newer model, and only the folder a run writes in
    was swept. Any embedding run now sweeps every store of the project."""
    from labeldesk.ml.store import embeddings_dir, open_model_store
    from ml.tiny_backbone import tiny_backbone

    dead, here = dead_pid(), _space()
    abandoned = embeddings_dir(project) / "tiny-ft-20261201-120000-finetune-0123456789"
    abandoned.mkdir(parents=True)
    leftover = abandoned / f".tmp-{dead}-{here}-140-identity.json"
    kept = [abandoned / "identity.json", abandoned / f".tmp-{running_pid}-{here}-1-spec.json"]
    for path in [leftover, *kept]:
        path.write_text("{}")
    open_model_store(project, "tiny-test", tiny_backbone())
    assert not leftover.exists() and all(path.exists() for path in kept)
