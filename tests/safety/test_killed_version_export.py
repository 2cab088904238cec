"""Bringing back a recorded dataset version (`labeldesk export PROJECT OUT --version NAME`:
the only way a past version comes back) into a folder the person made for it, empty, in
a folder of theirs, killed outright (SIGKILL) half-way through the copies, at the
removal of their empty folder (the rename needs its place) and just before the rename:
the person's files stay, the project is as it was (the version, the labels since), and
the next run writes exactly what an uninterrupted one writes. A folder of theirs that
is not empty is refused, and left as it was."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from safety.conftest import theirs
from safety.killed_runs import leftovers, run, run_killed, run_killed_when, tree
from safety.project_dump import dump
from safety.test_killed_export import LOOKALIKE, staged_files

pytestmark = pytest.mark.slow  # real commands in child processes: seconds each


def ours_left(folder: Path) -> list[str]:
    return [rel for rel in leftovers(folder) if not rel.startswith(LOOKALIKE)]


@pytest.fixture
def relabeled(small, tmp_path):
    """(project, images): version v1 recorded, then a third of the labels changed."""
    project, images, images_before = small
    run(["version", project, "create", "v1"])
    files = sorted(p.relative_to(images).as_posix() for p in images.rglob("*.png"))
    labels = tmp_path / "since.csv"
    labels.write_text("path,label\n" + "".join(f"{f},coat\n" for f in files[::3]))
    run(["label", project, "--csv", labels])
    return project, images, images_before


def test_a_killed_version_export_into_the_persons_empty_folder_keeps_their_files(
    relabeled, tmp_path
):
    project, images, images_before = relabeled
    reference = tmp_path / "reference" / "out"
    run(["export", project, reference, "--version", "v1"])
    expected = tree(reference)
    project_before = dump(project)

    kills = [("files", 20), ("os.rmdir", 1), ("os.replace", 1)]
    for n, (call, nth) in enumerate(kills):
        parent = tmp_path / f"exports{n}"
        (parent / "out").mkdir(parents=True)  # made for it, empty
        before = theirs(parent)
        args = ["export", project, parent / "out", "--version", "v1"]
        if call == "files":
            code = run_killed_when(args, staged_files(parent, nth))
        else:
            code = run_killed(args, call, nth, name="out*")
        assert code == -signal.SIGKILL, (call, nth)
        after = tree(parent)
        assert {rel: after.get(rel) for rel in before if rel != "out"} == {
            rel: h for rel, h in before.items() if rel != "out"
        }, (call, nth)
        assert dump(project) == project_before
        run(args)
        assert tree(parent / "out") == expected, (call, nth)
        assert ours_left(parent) == []
        after = tree(parent)
        assert {rel: after.get(rel) for rel in before} == before
    assert tree(images) == images_before
    assert [v["name"] for v in run(["version", project, "list"])] == ["v1"]


def test_a_version_export_into_a_folder_of_the_persons_files_is_refused(relabeled, tmp_path):
    project, _, _ = relabeled
    out = tmp_path / "mine"
    before = theirs(out)
    for overwrite in ([], ["--overwrite"]):
        code = run_killed(  # (no kill point is reached: it stops before writing)
            ["export", project, out, "--version", "v1", *overwrite], "os.replace", 1
        )
        assert code == 1
        assert tree(out) == before
        assert [rel for rel in leftovers(tmp_path) if not rel.startswith("mine/")] == []
