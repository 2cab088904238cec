"""Values of the model being joined onto the catalog off the GUI thread
(:meth:`~labeldesk.browse.insight_swap.InsightSwap.begin_insights`), and what reached
the images meanwhile. Qt-free."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from labeldesk.ml.insights import ImageInsights

# what reached some images while values were joined: their positions, their labels and
# statuses before it, and whether a person changed them (else a class renamed: the
# labels it will re-read are the same labels under the new name)
Edit = tuple[np.ndarray, np.ndarray, np.ndarray, bool]


@dataclass
class Join:
    """Values being joined off the GUI thread (:meth:`InsightSwap.begin_insights`)."""

    insights: ImageInsights  # (named as the classes are now)
    token: object = field(default_factory=object)  # the mark of the work begun last
    # what reached the images since the values were first begun, oldest first, their
    # labels named as now: the swap puts them back to judge the flags
    edits: list[Edit] = field(default_factory=list)
    # the classes changed since the work was begun: it joined the names as they were,
    # and is refused; begun again (begin_again) with the edits kept
    stale: bool = False
    # images a rescan found edited since (forget_insights): the values judged their old
    # pictures, so they are forgotten again once swapped in
    forgotten: list[np.ndarray] = field(default_factory=list)


def same_values(held: ImageInsights | None, taken: ImageInsights | None) -> bool:
    """Whether two values of the model are the same values (one may name the classes as
    renamed since: :meth:`~labeldesk.ml.insights.ImageInsights.with_names`)."""
    return held is taken or (
        held is not None and taken is not None and held.flagged is taken.flagged
    )


def put_back(labels: np.ndarray, statuses: np.ndarray, edits: list[Edit]) -> None:
    """``labels`` and ``statuses`` as they were before ``edits`` (oldest first)."""
    for positions, old_labels, old_statuses, _ in reversed(edits):
        labels[positions], statuses[positions] = old_labels, old_statuses
