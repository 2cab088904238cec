"""Review actions on a likely mislabel. Each is one undoable batch in the label history.

- accept: take the suggested label (source "suggestion"); a person checked it: verified
- relabel: a person picks another label (source "human"); verified too
- keep: the label is right; mark it verified so it is not flagged again until it changes
- exclude: junk or ambiguous; kept out of training and export (``include`` undoes it)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .vocab import EXCLUDED, VERIFIED

if TYPE_CHECKING:
    from .changes import Changes
    from .project import Project

ACTIONS = ("accept", "relabel", "keep", "exclude", "include")


def accept(project: Project, path: str, suggested: str) -> Changes:
    return project.set_labels(
        {path: suggested},
        source="suggestion",
        description=f"accept suggestion {suggested} for {path}",
        verify=True,
    )


def relabel(project: Project, path: str, label: str) -> Changes:
    return project.set_labels({path: label}, description=f"relabel {path} as {label}", verify=True)


def keep(project: Project, path: str) -> Changes:
    return project.set_status([path], VERIFIED)


def exclude(project: Project, path: str) -> Changes:
    return project.set_status([path], EXCLUDED)


def include(project: Project, path: str) -> Changes:
    return project.set_status([path], None)
