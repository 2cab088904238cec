"""The label and class writes test_killed_writes.py does not try, killed outright
(SIGKILL) just before their commit and half-way through their writes: removing a label,
review's keep, adding classes, renaming and removing a class that holds every image,
undoing a class merge and redoing it. Each time the project opens, its database is
exactly as before the command (no half of it: labels, classes, aliases, history, the
redo record), and the next run leaves it exactly as an uninterrupted run does."""

from __future__ import annotations

from pathlib import Path

import pytest

from safety.killed_runs import run_here, tree
from safety.killed_sql import COMMIT, WRITES, killed_then_run_again, reference_run
from safety.project_dump import dump

# The killed runs are real commands in child processes (seconds each); the runs before and
# after a kill, which are only looked at, run in this process (run_here).
pytestmark = pytest.mark.slow


def _all_bags(project: Path, images: Path, tmp: Path) -> None:
    """Every image (labeled, unlabeled) into one class: the class to rename or remove
    holds the whole project."""
    files = sorted(p.relative_to(images).as_posix() for p in images.rglob("*.png"))
    labels = tmp / "bags.csv"
    labels.write_text("path,label\n" + "".join(f"{f},bag\n" for f in files))
    run_here(["label", project, "--csv", labels])


def _merged_then_undone(project: Path, images: Path, tmp: Path) -> None:
    run_here(["classes", project, "--merge", "shirt", "t-shirt_top"])
    run_here(["undo", project])


def _merged(project: Path, images: Path, tmp: Path) -> None:
    run_here(["classes", project, "--merge", "shirt", "t-shirt_top"])


def _first(images: Path) -> str:
    return min(p.relative_to(images).as_posix() for p in (images / "train").rglob("*.png"))


CASES = {
    # name: (set-up, the command after PROJECT)
    "unlabel": (None, lambda images: ["label", _first(images), "-"]),
    "keep": (None, lambda images: ["review", "keep", _first(images)]),
    "add classes": (None, lambda images: ["classes", "--add", "hats,gloves"]),
    "rename a big class": (_all_bags, lambda images: ["classes", "--rename", "bag", "bags"]),
    "remove a big class": (_all_bags, lambda images: ["classes", "--remove", "bag"]),
    "undo a merge": (_merged, lambda images: ["undo"]),
    "redo a merge": (_merged_then_undone, lambda images: ["redo"]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_a_killed_class_or_label_write_is_all_or_nothing(small, tmp_path, name):
    project, images, images_before = small
    set_up, command = CASES[name]
    if set_up is not None:
        set_up(project, images, tmp_path)
    words = command(images)
    args = lambda at: [words[0], at, *words[1:]]  # noqa: E731
    before, expected, writes = reference_run(project, args, tmp_path, dump)
    assert expected != before

    kills = [(COMMIT, 1), (WRITES, writes // 2 + 1)]
    killed_then_run_again(project, args, tmp_path, dump, kills, before, expected)
    assert tree(images) == images_before
