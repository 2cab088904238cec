"""What a Ray embedding job says once stopped (:mod:`.ray_embed`): what it kept and how
to go on, and why a store of an older LabelDesk is not continued on a cluster."""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING

from labeldesk.core.display import counted

from .embed import EmbedReport
from .ray_errors import ClusterError

if TYPE_CHECKING:
    from labeldesk.core.project import Project


def legacy_message(project: Project, spec: str) -> str:
    """Why a store written before the store's format is not continued on a cluster, and
    the local run that checks it (with this model: it may not be the project's)."""
    command = shlex.join(["labeldesk", "embed", str(project.path), "--model", spec])
    return (
        f"the embeddings of {spec} in this project were written by an older LabelDesk: "
        f"run `{command}` here once to check them first"
    )


def kept_text(
    lost: ClusterError, report: EmbedReport, todo: int, when: str = " once the cluster is back"
) -> str:
    """The cluster (or a node) went away mid-job, or the job failed there: what is kept
    (every batch that came back was appended whole), or that nothing had come back, and
    how to go on."""
    if not report.embedded and report.failed:  # batches came back, each image failed
        return f"{lost}; no image had been embedded yet: run it again{when}"
    if not report.embedded:
        return f"{lost}; no batch had come back yet: run it again{when}"
    return f"{lost}; {_kept_and_left(report, todo)}: run it again{when}, and it embeds only those"


def interrupted_text(report: EmbedReport, todo: int) -> str:
    """Ctrl+C or SIGTERM while the batches come back: what is kept (each batch that came
    back was appended whole) and how to go on."""
    if not report.embedded:
        return (
            "stopped on the Ray cluster before its first batch came back: run it again to "
            f"embed the {counted(todo, 'image')}"
        )
    return (
        f"stopped on the Ray cluster; {_kept_and_left(report, todo)}: run it again, and it "
        "embeds only those"
    )


def _kept_and_left(report: EmbedReport, todo: int) -> str:
    """What a stopped job kept and what is left of ``todo``: "the 3 images embedded
    before that are kept and 5 are left"."""
    left = todo - report.embedded
    return (
        f"the {counted(report.embedded, 'image')} embedded before that are kept and "
        f"{left:,} {'is' if left == 1 else 'are'} left"
    )
