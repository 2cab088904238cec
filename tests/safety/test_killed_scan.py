"""`labeldesk new` and `labeldesk scan` killed outright (SIGKILL) while indexing: the image
folder is untouched, the next run gives the project an uninterrupted run gives (labels
and their history included, moved images keeping theirs), and no temporary stays."""

from __future__ import annotations

import os
import shutil
import signal
import time
from pathlib import Path

import pytest
from helpers import write_image

import labeldesk
from safety.conftest import copy_fashion
from safety.killed_runs import age, leftovers, run_here, run_killed, run_killed_when, tree

# The killed runs are real commands in child processes (seconds each); the runs before and
# after a kill, which are only looked at, run in this process (run_here).
pytestmark = pytest.mark.slow


def project_state(project: Path) -> tuple:
    """Every image's row as a person sees it, the classes, and each image's history."""
    with labeldesk.open_project(project) as opened:
        ok = opened.db.conn.execute("PRAGMA integrity_check").fetchone()[0]
        assert ok == "ok"
        frame = opened.images(include_skipped=True).sort_values("path")
        rows = frame[["path", "label", "split", "status", "hash", "skip_reason"]]
        events = opened.db.query(
            "SELECT i.path, e.old_label, e.new_label, b.source FROM label_events e "
            "JOIN images i ON i.id = e.image_id JOIN label_batches b ON b.id = e.batch_id "
            "ORDER BY i.path, e.id"
        )
        return rows.astype(str).values.tolist(), opened.classes(), [tuple(e) for e in events]


def thumbnails(project: Path) -> set[str]:
    return {p.name for p in (project / "thumbs").rglob("*.jpg")}


def test_a_killed_new_is_made_whole_by_the_next(tmp_path):
    images = copy_fashion(tmp_path / "images", every=3)
    before = tree(images)
    run_here(["new", tmp_path / "reference", "--images", images])
    expected = project_state(tmp_path / "reference")
    project = tmp_path / "proj"

    def thumbnails_staged(at_least: int):
        def ready() -> bool:
            return any(
                sum(1 for _ in staging.rglob("*.jpg")) >= at_least
                for staging in tmp_path.glob(".proj.partial-*")
            )

        return ready

    new = ["new", project, "--images", images]
    for at_least in (1, 100):  # indexing: the staging folder is all it leaves
        assert run_killed_when(new, thumbnails_staged(at_least)) == -signal.SIGKILL
        assert not project.exists()
    assert run_killed(new, "os.replace", 1) == -signal.SIGKILL  # just before its rename
    assert not project.exists()
    run_here(new)
    assert project_state(project) == expected
    assert thumbnails(project) == thumbnails(tmp_path / "reference")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".proj")] == []
    assert leftovers(project) == []
    # Just after its rename: a whole project, holding the staging marker until the next
    # command opens it (it stayed for good)
    shutil.rmtree(project)
    assert run_killed(new, "os.unlink", 1) == -signal.SIGKILL
    assert leftovers(project) == [".labeldesk-staging"]
    assert run_here(["stats", project])["images"] == 200
    assert leftovers(project) == []
    assert project_state(project) == expected
    assert run_here(["scan", project])["added"] == 0
    assert tree(images) == before


def test_a_killed_scan_is_finished_by_the_next_with_moves_and_history_kept(tmp_path):
    images = copy_fashion(tmp_path / "images")
    project = tmp_path / "proj"
    run_here(["new", project, "--images", images])
    pool = sorted((images / "_unlabeled").iterdir())
    labels = tmp_path / "labels.csv"
    labelled = [*pool[:20], *pool[60:80]]
    labels.write_text("path,label\n" + "".join(f"_unlabeled/{f.name},bag\n" for f in labelled))
    run_here(["label", project, "--csv", labels])  # a person's labels, then files move:
    (tmp_path / "away").mkdir()  # out of the folder for a scan (removed), and back under
    for f in pool[60:80]:  # another name: the removed images come back, labels and all
        f.rename(tmp_path / "away" / f.name)
    run_here(["scan", project])
    (images / "_unlabeled" / "back").mkdir()
    for f in pool[60:80]:
        (tmp_path / "away" / f.name).rename(images / "_unlabeled" / "back" / f.name)
    (images / "train" / "bags").mkdir()
    for f in pool[:20]:  # renamed, same bytes and times: matched before decoding
        f.rename(images / "train" / "bags" / f.name)
    (images / "train" / "dresses").mkdir()
    for f in sorted((images / "train" / "coat").iterdir())[:20]:  # and with a new time
        moved = images / "train" / "dresses" / f.name
        f.rename(moved)
        os.utime(moved, (time.time() - 30, time.time() - 30))
    for i in range(300):  # new images (each a new thumbnail) and removed ones
        write_image(images / "train" / "bag" / f"new{i}.png", size=(48, 48), fmt="PNG", seed=i)
    for f in pool[20:60]:
        f.unlink()
    before = tree(images)
    shutil.copytree(project, tmp_path / "reference")
    run_here(["scan", tmp_path / "reference"])
    expected = project_state(tmp_path / "reference")

    # Killed between writing a thumbnail and renaming it into place: its temporary stays
    # (decoded in this process, where the kill point is; workers are separate processes)
    in_process = {"labeldesk.core.probe_pool.IN_PROCESS_BELOW": 10**6}
    killed = run_killed(["scan", project], "os.replace", 5, name="*.jpg", patch=in_process)
    assert killed == -signal.SIGKILL
    assert [Path(p).suffix for p in leftovers(project)] == [".tmp"]
    made = len(thumbnails(project))
    for more in (30, 150, 280):  # killed mid-decoding, then after some batches were written
        at = lambda more=more: len(thumbnails(project)) >= made + more  # noqa: E731
        assert run_killed_when(["scan", project], at) == -signal.SIGKILL
    age(project / "thumbs")  # (a half-written thumbnail goes once it is a minute old)
    run_here(["scan", project])
    assert project_state(project) == expected
    back = {f"_unlabeled/back/{f.name}" for f in pool[60:80]}
    rows, _, events = expected  # the images that came back are the labelled ones
    assert {label for path, label, *_ in rows if path in back} == {"bag"}
    assert sorted(path for path, *_ in events if path in back) == sorted(back)
    assert thumbnails(project) == thumbnails(tmp_path / "reference")
    assert leftovers(project) == []  # the killed run's thumbnail temporary too
    assert run_here(["stats", project])["images"] == 600 + 300 - 40
    assert tree(images) == before
