"""Runs a ``labeldesk`` command that kills a test cluster's head when the command's
progress first shows a message starting with MESSAGE (a phase of the job starting):
``python kill_head_at.py MESSAGE HEAD_PID MARK -- labeldesk arguments...``. The time
of the kill (time.time()) is written to the file MARK."""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1]))

from cluster.local_ray import kill_node
from labeldesk.cli import main
from labeldesk.core import progress_bar


def run(message: str, head: int, mark: Path, argv: list[str]) -> int:
    shown = progress_bar.TerminalProgress.__call__

    def hooked(self, progress) -> None:
        if not mark.exists() and progress.message.startswith(message):
            kill_node(head)
            mark.write_text(str(time.time()))
        shown(self, progress)

    progress_bar.TerminalProgress.__call__ = hooked
    return main(argv)


if __name__ == "__main__":
    split = sys.argv.index("--")
    message, head, mark = sys.argv[1:split]
    sys.exit(run(message, int(head), Path(mark), sys.argv[split + 1 :]))
