"""A labeling process killed at any moment loses no acknowledged label and no data."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import textwrap
import threading

import pytest

from labeldesk.core.project import open_project

CHILD = textwrap.dedent(
    """
    import sys
    import labeldesk
    project = labeldesk.open_project(sys.argv[1])
    print("ready", flush=True)
    for line in sys.stdin:
        path, label = line.rstrip("\\n").split(",")
        project.set_label(path, label)
        print("ok", flush=True)   # acknowledged only after set_label returned
    """
)


@pytest.mark.timeout(120)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sigkill_mid_labeling_keeps_every_acknowledged_label(project, seed):
    project.add_classes(["x", "y"])
    paths = sorted(project.images().path)
    ops = [(paths[i % len(paths)], "x" if (i // len(paths)) % 2 == 0 else "y") for i in range(3000)]
    before = project.db.scalar("SELECT MAX(id) FROM label_events")
    project.close()

    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(project.path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        bufsize=1,
    )
    assert child.stdout.readline().strip() == "ready"

    def feed():
        try:
            for path, label in ops:
                child.stdin.write(f"{path},{label}\n")
            child.stdin.flush()
        except (BrokenPipeError, ValueError):
            pass  # the child was killed while we were writing

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    kill_after = random.Random(seed).randint(20, 400)
    acked = 0
    while acked < kill_after:
        assert child.stdout.readline().strip() == "ok"
        acked += 1
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)

    with open_project(project.path) as reopened:
        conn = reopened.db.conn
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        events = reopened.db.query(
            "SELECT i.path, e.new_label FROM label_events e JOIN images i ON i.id = e.image_id "
            "WHERE e.id > ? ORDER BY e.id",
            (before,),
        )
        recorded = [(r[0], r[1]) for r in events]
        # Every acknowledged label is there, in order; at most the in-flight ones follow.
        assert len(recorded) >= acked
        assert recorded == ops[: len(recorded)]
        # The current labels are exactly the result of the recorded events.
        state = reopened.images().set_index("path").label.to_dict()
        expected = {}
        for path, label in recorded:
            expected[path] = label
        assert all(state[p] == lab for p, lab in expected.items())
