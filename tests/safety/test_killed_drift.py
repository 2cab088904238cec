"""`labeldesk drift --html` killed outright (SIGKILL) at each kind of write it makes: a
new image's thumbnail, the new images' vectors appended to the project's store (a
batch's vectors written, its keys not), the saved report's rename under `drift/`, the
HTML report's rename beside the person's files. The project still answers, `drift
--history` lists only whole reports, no partial report poses as a whole one, the next
run gives the same answer and the same HTML, and nothing the killed run made is left
for good."""

from __future__ import annotations

import os
import re
import shutil
import signal
from pathlib import Path

import pytest

from labeldesk.ml.cachefiles import _space
from safety.conftest import FASHION
from safety.killed_runs import TINY, age, leftovers, run_here, run_killed, tree

# The killed runs are real commands in child processes (seconds each); the runs before and
# after a kill, which are only looked at, run in this process (run_here).
pytestmark = pytest.mark.slow

VARYING = ("created", "seconds", "embedded", "saved", "html")  # when, and what this run did


def answer(report: dict) -> dict:
    return {k: v for k, v in report.items() if k not in VARYING}


def html(path: Path) -> bytes:
    return re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", b"WHEN", path.read_bytes())


def persons_folder(folder: Path) -> dict[str, str]:
    """The folder the HTML report goes to, with the person's files: one named as a
    LabelDesk temporary of a running process (this one), one of another machine's."""
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    (folder / f".tmp-{os.getpid()}-{_space()}-1-report.html").write_text("a live writer's")
    (folder / ".tmp-4242-0badcafe-1-report.html").write_text("another machine's")
    return tree(folder)


@pytest.fixture
def drifting(small, tmp_path):
    """(project, new folder): the project embedded with the tiny backbone, and 40 other
    images of the sample as the new folder."""
    project, images, images_before = small
    run_here(["embed", project, "--model", TINY, "--runtime", "torch"], tiny=True)
    new = tmp_path / "new"
    for path in sorted(FASHION.rglob("*.png"))[5::10][:40]:
        dest = new / path.relative_to(FASHION)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, dest)
    return project, new, images, images_before


def test_a_killed_drift_leaves_no_partial_report_and_the_next_gives_the_same(drifting, tmp_path):
    project, new, images, images_before = drifting
    new_before = tree(new)

    def drift(at: Path, out: Path) -> list:
        return ["drift", at, "--images", new, "--html", out, "--runtime", "torch"]

    reference = tmp_path / "reference"
    shutil.copytree(project, reference)
    (tmp_path / "ref-out").mkdir()
    expected = answer(run_here(drift(reference, tmp_path / "ref-out" / "report.html"), tiny=True))
    expected_html = html(tmp_path / "ref-out" / "report.html")

    kills = [
        ("os.replace", 1, "*.jpg"),  # a new image's thumbnail
        ("os.fsync", 3, None),  # batch 1 stored, batch 2's vectors written but not its keys
        ("os.replace", 1, "2*.json"),  # the saved report (after claiming its name)
        ("os.replace", 1, "*.html"),  # the HTML report (the saved one is whole)
    ]
    for n, (call, nth, name) in enumerate(kills):
        killed, out = tmp_path / f"killed-{n}", tmp_path / f"out-{n}"
        shutil.copytree(project, killed)
        theirs = persons_folder(out)
        args = drift(killed, out / "report.html")
        assert run_killed(args, call, nth, name=name, tiny=True) == -signal.SIGKILL
        saved = [expected["verdict"]] if name == "*.html" else []  # saved before the HTML
        history = run_here(["drift", killed, "--history"])  # whole reports only
        assert [h.get("verdict") for h in history] == saved, (call, name)
        assert not (out / "report.html").exists(), (call, name)
        assert run_here(["stats", killed])["images"] == 60
        age(killed / "drift")  # (a report's name claimed, never written, goes once a minute old)
        assert answer(run_here(args, tiny=True)) == expected, (call, name)
        assert html(out / "report.html") == expected_html, (call, name)
        history = run_here(["drift", killed, "--history"])
        assert [h["verdict"] for h in history] == [*saved, expected["verdict"]], (call, name)
        assert sorted(os.listdir(killed / "drift")) == [h["file"] for h in history], (call, name)
        assert {k: v for k, v in tree(out).items() if k != "report.html"} == theirs, (call, name)
        age(killed / "thumbs")  # (a half-written thumbnail goes with a later scan)
        run_here(["scan", killed])
        assert leftovers(killed) == [], (call, name)
    assert tree(images) == images_before and tree(new) == new_before
