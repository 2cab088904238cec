"""The drift page's *Add to project* (copy new images into ``_unlabeled/<batch>/`` of the
image folder, then index them) killed outright (SIGKILL) between two files and after the
copies, before the scan that indexes them wrote anything: the project opens as it was,
the image folder holds only whole copies, and running the same *Add* again leaves each
new image in the project once, under its own name (no second copy, ``x-2.png``, of a
file the killed run had copied)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

import labeldesk
from labeldesk.core.add_images import copy_unlabeled
from safety.conftest import FASHION
from safety.killed_runs import _env, leftovers, tree
from safety.project_dump import dump

pytestmark = pytest.mark.slow  # real commands in child processes: seconds each

BATCH = "new"

# What the drift page's job runs (labeldesk/gui/drift_page.py: add_to_project), killed
# just after the nth copy temporary is removed (its file linked to its name) or just
# before the nth COMMIT.
ADD = r"""
import json, os, re, signal, sqlite3, sys
from pathlib import Path
config = json.loads(sys.argv[1])
kill = config["kill"]
count = {"n": 0}

def hit():
    count["n"] += 1
    if count["n"] == kill["nth"]:
        os.kill(os.getpid(), signal.SIGKILL)

if kill["call"] == "copied":
    unlink = os.unlink
    def unlinked(path, *args, **kwargs):
        unlink(path, *args, **kwargs)
        if os.path.basename(os.fsdecode(path)).startswith(".labeldesk-copy-"):
            hit()
    os.unlink = unlinked
else:
    connect = sqlite3.connect
    def traced(statement):
        if re.match(r"\s*COMMIT", statement):
            hit()
    def connect_traced(*args, **kwargs):
        conn = connect(*args, **kwargs)
        conn.set_trace_callback(traced)
        return conn
    sqlite3.connect = connect_traced

from labeldesk.core.add_images import copy_unlabeled
from labeldesk.core.project import open_project
with open_project(config["project"]) as project:
    copy_unlabeled(project, Path(config["source"]), config["rels"], config["batch"])
    project.scan()
"""


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def add_killed(project: Path, source: Path, rels: list[str], call: str, nth: int) -> int:
    config = {"project": str(project), "source": str(source), "rels": rels, "batch": BATCH}
    config["kill"] = {"call": call, "nth": nth}
    done = subprocess.run(
        [sys.executable, "-c", ADD, json.dumps(config)], env=_env(), timeout=60, check=False
    )
    return done.returncode


@pytest.mark.parametrize("call, nth", [("copied", 2), ("commit", 1)])
def test_add_to_project_killed_then_run_again_adds_each_image_once(small, tmp_path, call, nth):
    project, images, images_before = small
    source = tmp_path / "drift"
    for path in sorted((FASHION / "_unlabeled").iterdir())[1::40][:4]:  # not in `small`
        source.mkdir(exist_ok=True)
        shutil.copy2(path, source / path.name)
    rels = sorted(p.name for p in source.iterdir())
    source_before = tree(source)
    before = dump(project)

    assert add_killed(project, source, rels, call, nth) == -signal.SIGKILL
    assert dump(project) == before  # nothing indexed yet, nothing else changed
    now = tree(images)
    assert {rel: now.get(rel) for rel in images_before} == images_before
    copies = {rel: h for rel, h in now.items() if rel not in images_before and h != "dir"}
    wanted = {f"_unlabeled/{BATCH}/{rel}": digest(source / rel) for rel in rels}
    assert copies.items() <= wanted.items()  # only whole copies, under their own names
    assert len(copies) == (nth if call == "copied" else len(rels))

    with labeldesk.open_project(project) as opened:  # Add again: the same selection
        added = copy_unlabeled(opened, source, rels, BATCH)
        opened.scan(workers=1)
        assert sorted(added.paths) == sorted(wanted), added.summary()
        paths = set(opened.images().path)
    now = tree(images)
    assert {rel: h for rel, h in now.items() if rel not in images_before and h != "dir"} == wanted
    assert set(wanted) <= paths
    assert {rel: now.get(rel) for rel in images_before} == images_before
    assert leftovers(images) == []
    assert tree(source) == source_before
    assert not any(p.name.startswith(".labeldesk-copy-") for p in images.rglob("*"))
    assert os.path.isdir(images / "_unlabeled" / BATCH)
