"""`labeldesk export` killed outright (SIGKILL) at each step that changes a folder: the
person's files beside the export stay as they were, the next run writes the same export
as an uninterrupted one, and nothing the killed run made is left for good."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from safety.conftest import theirs
from safety.killed_runs import (
    age,
    count_calls,
    leftovers,
    run_here,
    run_killed,
    run_killed_when,
    tree,
)

# The killed runs are real commands in child processes (seconds each); the runs before and
# after a kill, which are only looked at, run in this process (run_here).
pytestmark = pytest.mark.slow

FORMATS = ["imagefolder", "csv", "parquet", "hf", "fiftyone", "labelstudio", "webdataset"]
LOOKALIKE = ".out.partial-1-abcdef"  # the person's folder theirs() makes


def export_args(project: Path, out: Path, fmt: str) -> list:
    shards = ["--shard-size", "5"] if fmt == "webdataset" else []
    return ["export", project, out, "--format", fmt, *shards]


def ours_left(folder: Path) -> list[str]:
    return [rel for rel in leftovers(folder) if not rel.startswith(LOOKALIKE)]


def mine_kept(folder: Path, before: dict[str, str]) -> None:
    after = tree(folder)
    assert {rel: after.get(rel) for rel in before} == before


def staged_files(parent: Path, at_least: int):
    def ready() -> bool:
        return any(
            sum(len(files) for _, _, files in os.walk(staging)) >= at_least
            for staging in parent.glob(".out.partial-*")
            if staging.name != LOOKALIKE
        )

    return ready


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_killed_export_is_written_whole_by_the_next_run(small, tmp_path, fmt):
    project, images, images_before = small
    reference = tmp_path / "reference"
    run_here(export_args(project, reference / "out", fmt))
    expected = tree(reference / "out")

    copying = ("files", 3 if fmt == "webdataset" else 20)  # (shards of 5 images)
    kills = [("os.replace", 1), ("os.unlink", 1), copying]  # its rename, its marker
    for n, (call, nth) in enumerate(kills):
        parent = tmp_path / f"exports{n}"
        before = theirs(parent)
        args = export_args(project, parent / "out", fmt)
        if call == "files":
            code = run_killed_when(args, staged_files(parent, nth))
        else:
            code = run_killed(args, call, nth)
        assert code == -signal.SIGKILL
        mine_kept(parent, before)
        # killed after its rename: the export is whole, and replaced as an export
        run_here([*args, "--overwrite"] if (parent / "out").exists() else args)
        assert tree(parent / "out") == expected, (call, nth)
        mine_kept(parent, before)
        assert ours_left(parent) == []
    assert tree(images) == images_before


@pytest.mark.parametrize("fmt", ["imagefolder", "webdataset"])
def test_an_overwrite_killed_at_any_step_keeps_a_whole_export(small, tmp_path, fmt):
    """Each step of `--overwrite` (set the new export aside, swap it with the old one,
    delete the old one, its marker last, its folder): killed there, the next overwrite
    leaves the same export as an uninterrupted one and no hidden folder (an empty one
    goes once it is a minute old)."""
    project, images, images_before = small
    reference = tmp_path / "reference"
    run_here(export_args(project, reference / "out", fmt))
    expected = tree(reference / "out")
    counted = tmp_path / "counted"
    run_here(export_args(project, counted / "out", fmt))
    calls = count_calls([*export_args(project, counted / "out", fmt), "--overwrite"], tmp_path)
    last_rmdir = calls["os.rmdir"]  # the old export's own folder, once empty

    # the new export renamed to its set-aside name; the two swapped (or, where they cannot
    # be, the earlier export renamed aside and the new one in: see
    # test_killed_overwrite_swap.py); then the earlier one deleted
    swap = "labeldesk.core.exchange.swap"
    kills = [("os.replace", 1), (swap, 1), ("os.unlink", 2), ("os.rmdir", last_rmdir)]
    for n, (call, nth) in enumerate(kills):
        parent = tmp_path / f"exports{n}"
        args = export_args(project, parent / "out", fmt)
        run_here(args)
        before = theirs(parent)
        assert run_killed([*args, "--overwrite"], call, nth) == -signal.SIGKILL
        mine_kept(parent, {k: v for k, v in before.items() if not k.startswith("out")})
        age(parent)
        run_here([*args, "--overwrite"])
        assert tree(parent / "out") == expected, (call, nth)
        assert ours_left(parent) == [], (call, nth)
    assert tree(images) == images_before


def test_an_export_stopped_then_killed_while_it_cleans_up_leaves_nothing_for_good(small, tmp_path):
    """Ctrl+C (here SIGTERM) deletes the staging folder; killed outright during that
    delete, just after the staging marker went, the run left a hidden folder that no
    later run removed (the marker, the proof LabelDesk made it, went first)."""
    project, images, images_before = small
    parent = tmp_path / "exports"
    before = theirs(parent)
    args = export_args(project, parent / "out", "imagefolder")
    then_kill = {"call": "os.unlink", "nth": 1, "name": ".labeldesk-staging", "after": True}
    code = run_killed_when(args, staged_files(parent, 5), send=signal.SIGTERM, then_kill=then_kill)
    assert code == -signal.SIGKILL
    mine_kept(parent, before)
    age(parent)
    run_here(args)
    assert ours_left(parent) == []
    mine_kept(parent, before)
    assert tree(images) == images_before
