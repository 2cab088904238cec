"""`labeldesk scan PROJECT --images NEW` (the image folder moved) killed outright (SIGKILL)
before the new folder is recorded, and just after, its scan's first batch written but
not committed: the project opens, it uses the old folder or the new one (never a mix: every
row is as before), the person's labels and history are all there, and the next run of
the same command leaves exactly what an uninterrupted run leaves."""

from __future__ import annotations

import shutil
import signal
from pathlib import Path

import pytest
from helpers import write_image

import labeldesk
from safety.killed_runs import run, run_killed, tree
from safety.killed_sql import COMMIT
from safety.project_dump import dump

pytestmark = pytest.mark.slow  # real commands in child processes: seconds each


def root_of(project: Path) -> Path:
    with labeldesk.open_project(project) as opened:
        return opened.root


def test_a_killed_relocation_keeps_one_whole_folder_and_the_next_run_finishes(small, tmp_path):
    project, images, _ = small
    pool = sorted((images / "_unlabeled").iterdir())
    labels = tmp_path / "labels.csv"
    labels.write_text("path,label\n" + "".join(f"_unlabeled/{f.name},bag\n" for f in pool[:3]))
    run(["label", project, "--csv", labels])  # a person's labels, then the folder moves
    moved = tmp_path / "moved"
    images.rename(moved)
    (moved / pool[3].relative_to(images)).unlink()  # and changed a little meanwhile
    write_image(moved / "train" / "bag" / "new.png", size=(28, 28), fmt="PNG", seed=3)
    moved_before = tree(moved)
    before = dump(project)
    args = lambda at: ["scan", at, "--images", moved, "--workers", "1"]  # noqa: E731
    reference = tmp_path / "reference"
    shutil.copytree(project, reference)
    run(args(reference))
    expected = dump(reference)
    assert root_of(reference) == moved.resolve()

    # before the new folder is recorded; just after, with the scan's first batch written
    # but not committed
    for n, (pattern, nth) in enumerate([(COMMIT, 1), (COMMIT, 2)]):
        killed = tmp_path / f"killed-{n}"
        shutil.copytree(project, killed)
        assert run_killed(args(killed), "sql", nth, sql=pattern) == -signal.SIGKILL
        left = dump(killed)
        meta = dict(left.pop("meta"))
        assert left == {k: v for k, v in before.items() if k != "meta"}, (pattern, nth)
        assert meta["image_root"] == str((images if nth == 1 else moved).resolve())
        with labeldesk.open_project(killed) as opened:  # it opens, with every image
            assert len(opened.images()) == 60
        run(args(killed))
        assert dump(killed) == expected, (pattern, nth)
    assert tree(moved) == moved_before
