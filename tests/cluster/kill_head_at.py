"""Runs a ``labeldesk`` command that kills a test cluster's head when the command's
progress first shows a message starting with MESSAGE (a phase of the job starting):
``python kill_head_at.py MESSAGE HEAD_PID MARK -- labeldesk arguments...``. The time
of the kill (time.time()) is written to the file MARK. MESSAGE ``ray.init`` kills it as
Ray's ``ray.init`` starts (after the address was checked), ``ray.connect`` as its last
stage starts (this process registering with the cluster)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1]))

from cluster.local_ray import kill_node
from labeldesk.cli import leave, main
from labeldesk.core import progress_bar


def kill(head: int, mark: Path) -> None:
    if not mark.exists():
        kill_node(head)
        mark.write_text(str(time.time()))


def hook_ray(stage: str, head: int, mark: Path) -> None:
    import ray
    import ray._private.worker as worker

    where = ray if stage == "init" else worker  # ray.init calls worker.connect last
    original = getattr(where, stage)

    def hooked(*args, **kwargs):
        kill(head, mark)
        return original(*args, **kwargs)

    setattr(where, stage, hooked)


def run(message: str, head: int, mark: Path, argv: list[str]) -> int:
    if message.startswith("ray."):
        hook_ray(message.removeprefix("ray."), head, mark)
    shown = progress_bar.TerminalProgress.__call__

    def hooked(self, progress) -> None:
        if progress.message.startswith(message):
            kill(head, mark)
        shown(self, progress)

    progress_bar.TerminalProgress.__call__ = hooked
    return main(argv)


if __name__ == "__main__":
    split = sys.argv.index("--")
    message, head, mark = sys.argv[1:split]
    leave(run(message, int(head), Path(mark), sys.argv[split + 1 :]))
