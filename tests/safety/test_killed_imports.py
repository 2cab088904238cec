"""`labeldesk import` of the formats read by another path than a CSV's (a Label Studio
JSON export, class folders and a WebDataset shard matched by their bytes), with new
classes, killed outright (SIGKILL) before its commit or half-way through its writes:
nothing of it is applied (labels, splits, classes, history), the database passes
SQLite's integrity check, and the next run leaves what an uninterrupted one leaves.
(The CSV import and the other label writes: test_killed_writes.py.)"""

from __future__ import annotations

import io
import json
import shutil
import tarfile
from pathlib import Path

import pytest

from safety.killed_runs import tree
from safety.killed_sql import COMMIT, WRITES, killed_then_run_again, reference_run
from safety.test_killed_writes import state

# The killed runs are real commands in child processes (seconds each); the runs before and
# after a kill, which are only looked at, run in this process (run_here).
pytestmark = pytest.mark.slow

NEW = "hats"  # a class the project does not have: --new-class adds it in the same batch


def relabel(files: list[str]) -> dict[str, str]:
    """Every other image gets another label, some a new class."""
    return {f: (NEW if i % 4 == 0 else "bag") for i, f in enumerate(files[::2])}


def label_studio(to: Path, labels: dict[str, str]) -> Path:
    tasks = [
        {
            "id": n,
            "data": {"image": f"/data/local-files/?d={path}"},
            "annotations": [
                {"id": n, "result": [{"type": "choices", "value": {"choices": [label]}}]}
            ],
        }
        for n, (path, label) in enumerate(labels.items(), 1)
    ]
    to.write_text(json.dumps(tasks))
    return to


def class_folders(to: Path, images: Path, labels: dict[str, str]) -> Path:
    """Another tool's sorting: copies in `<class>/<file>`, found by their bytes."""
    for path, label in labels.items():
        (to / label).mkdir(parents=True, exist_ok=True)
        shutil.copy2(images / path, to / label / Path(path).name)
    return to


def shard(to: Path, images: Path, labels: dict[str, str]) -> Path:
    with tarfile.open(to, "w") as tar:
        for n, (path, label) in enumerate(labels.items()):
            for name, data in (
                (f"{n:06d}.png", (images / path).read_bytes()),
                (f"{n:06d}.json", json.dumps({"label": label}).encode()),
            ):
                info = tarfile.TarInfo(name)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    return to


@pytest.mark.parametrize("fmt", ["labelstudio", "imagefolder", "webdataset"])
def test_a_killed_import_applies_all_or_nothing_and_the_next_run_completes_it(small, tmp_path, fmt):
    project, images, images_before = small
    files = sorted(p.relative_to(images).as_posix() for p in images.rglob("*.png"))
    labels = relabel(files)
    source = {
        "labelstudio": lambda: label_studio(tmp_path / "tasks.json", labels),
        "imagefolder": lambda: class_folders(tmp_path / "sorted", images, labels),
        "webdataset": lambda: shard(tmp_path / "train-000000.tar", images, labels),
    }[fmt]()
    source_before = tree(source) if source.is_dir() else source.read_bytes()
    args = lambda at: ["import", at, source, "--format", fmt, "--new-class"]  # noqa: E731
    before, expected, writes = reference_run(project, args, tmp_path, state)
    assert expected != before and NEW in expected[1]

    # before its commit (every write made), and half-way through its writes: no label,
    # class or event of it, and the next run completes it
    kills = [(COMMIT, 1), (WRITES, writes // 2 + 1)]
    killed_then_run_again(project, args, tmp_path, state, kills, before, expected)
    assert tree(images) == images_before
    assert (tree(source) if source.is_dir() else source.read_bytes()) == source_before
