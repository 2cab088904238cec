"""`labeldesk embed` and the caches `issues` writes, killed outright (SIGKILL) at each
kind of step: mid-append (a batch's vectors written, its keys not yet synced), at each
small file's rename, and at a cache's rename. The next run leaves the same vectors as an
uninterrupted one, `issues` reads the project and says the same, and no temporary stays."""

from __future__ import annotations

import shutil
import signal
from pathlib import Path

import numpy as np
import pytest

import labeldesk
from labeldesk.ml.errors import NoEmbeddings
from labeldesk.ml.store import project_vectors
from labeldesk.ml.vectors import DERIVED
from safety.killed_runs import TINY, leftovers, run_here, run_killed, tree

# The killed runs are real commands in child processes (seconds each); the runs before
# and after a kill, which are only looked at, run in this process (run_here), as the app
# is one process that reads the store before and after a command in a terminal changes it.
pytestmark = pytest.mark.slow

EMBED = ["--model", TINY, "--runtime", "torch", "--batch-size", "8"]


def vectors(project: Path) -> dict[str, np.ndarray]:
    with labeldesk.open_project(project) as opened:
        found = project_vectors(opened)
        return dict(zip(found.paths, np.asarray(found.vectors, dtype=np.float32), strict=True))


def same_vectors(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> bool:
    return a.keys() == b.keys() and all(np.allclose(a[p], b[p], atol=1e-3) for p in a)


def test_a_killed_embed_is_finished_by_the_next_run(small, tmp_path):
    project, images, images_before = small
    reference = tmp_path / "reference"
    shutil.copytree(project, reference)
    run_here(["embed", reference, *EMBED], tiny=True)
    expected, issues = vectors(reference), run_here(["issues", reference, "--all"], tiny=True)

    # the store's first files (identity.json, spec.json, the empty vectors and keys: the
    # 4th rename), then batches of 8 appended, two syncs each: killed between a batch's
    # vectors and its keys, and after both
    kills = [("os.replace", 4), ("os.fsync", 8), ("os.fsync", 13)]
    for call, nth in kills:
        killed = tmp_path / f"killed-{call}-{nth}"
        shutil.copytree(project, killed)
        assert run_killed(["embed", killed, *EMBED], call, nth, tiny=True) == -signal.SIGKILL
        run_here(["embed", killed, *EMBED], tiny=True)
        assert same_vectors(vectors(killed), expected), (call, nth)
        assert leftovers(killed) == [], (call, nth)
    assert run_here(["issues", killed, "--all"], tiny=True) == issues
    assert tree(images) == images_before


def test_a_run_killed_while_writing_a_cache_leaves_the_same_answers(small, tmp_path):
    project, _, _ = small
    run_here(["embed", project, *EMBED], tiny=True)
    reference = tmp_path / "reference"
    shutil.copytree(project, reference)
    issues = run_here(["issues", reference, "--all"], tiny=True)
    queue = run_here(["queue", reference], tiny=True)
    for nth in (1, 2):  # the kNN graph's cache, the predictions' cache
        killed = tmp_path / f"killed-{nth}"
        shutil.copytree(project, killed)
        assert run_killed(["issues", killed, "--all"], "os.replace", nth, tiny=True) == -9
        assert run_here(["issues", killed, "--all"], tiny=True) == issues
        assert run_here(["queue", killed], tiny=True) == queue
        assert leftovers(killed) == []


def test_a_rebuild_killed_between_its_files_leaves_no_cache_of_the_old_vectors(small, tmp_path):
    """A rebuild (here of an older version's store whose rows were shifted onto other
    images) replaced keys.bin, then vectors.f16, then deleted the caches made from the
    old vectors. Killed before vectors.f16 was replaced, it left those caches; the next
    embed cut the old vectors off in place (same file, so the same store generation) and
    embedded every image again, and `issues` then answered from the old vectors' caches.
    Cut in place, the file (so its generation) stayed: a process that had read the old
    vectors (this one, in `issues` before the kill) then served them for the new ones."""
    project, _, _ = small
    run_here(["embed", project, *EMBED], tiny=True)
    reference = tmp_path / "reference"
    shutil.copytree(project, reference)
    expected = run_here(["issues", reference, "--all"], tiny=True)

    [store] = (project / "embeddings").iterdir()
    shifted = np.roll(np.fromfile(store / "vectors.f16", dtype=np.float16).reshape(60, -1), 1, 0)
    shifted.tofile(store / "vectors.f16")  # each image carries another's vector,
    (store / "format.json").unlink()  # as an older version could leave them
    assert run_here(["issues", project, "--all"], tiny=True) != expected  # cached from those
    killed = run_killed(["embed", project, *EMBED], "os.replace", 1, tiny=True, name="vectors.f16")
    assert killed == -signal.SIGKILL
    # Its caches went before its files: none of the old vectors' outlives the kill (they
    # are stale by the store's generation now, but stayed until the next of each kind),
    # and a reader before the next embed finds no rows (keys.bin went first), not the old ones
    assert [p.name for pattern in DERIVED for p in store.glob(pattern)] == []
    with labeldesk.open_project(project) as opened, pytest.raises(NoEmbeddings, match="embed"):
        project_vectors(opened)
    run_here(["embed", project, *EMBED], tiny=True)
    assert same_vectors(vectors(project), vectors(reference))
    assert run_here(["issues", project, "--all"], tiny=True) == expected
    assert leftovers(project) == []
