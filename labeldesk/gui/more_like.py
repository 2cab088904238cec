"""*More like this*: the images most like the selected ones, found in the background, and
shown after those examples (still selected: the grid changes around the selection, and a
key labels what it labeled before, never the first of 200 candidates at once)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from labeldesk.gui.workers import Job

if TYPE_CHECKING:
    from labeldesk.core.project import Project

MORE_LIKE_COUNT = 200


def more_like_job(project: Project, ids: Sequence[int]) -> Job:
    """The search, as a job whose result is ``[(image id, similarity)]``, most similar
    first, the examples left out."""
    examples = list(ids)

    def search(*, progress: object, cancel: object) -> list[tuple[int, float]]:
        from labeldesk.ml.insights import more_like

        return more_like(project, examples, k=MORE_LIKE_COUNT)

    return Job(search, "More like this")


def more_like_ranking(
    examples: Sequence[int], found: Sequence[tuple[int, float]]
) -> tuple[int, ...]:
    """The grid's order: the examples first (what was asked about, to compare with),
    then what the search found, most similar first. (A set to look them up in: after a
    select-all, ``in`` on the list of examples took found × examples steps.)"""
    asked = set(examples)
    return (*examples, *(image_id for image_id, _ in found if image_id not in asked))


def more_like_description(examples: int, found: int) -> str:
    """The banner's words after "Showing 201 images": "like the selected image: it
    first, then the 200 most similar"."""
    if examples == 1:
        return f"like the selected image: it first, then the {found:,} most similar"
    return f"like the {examples:,} selected: they first, then the {found:,} most similar"


def more_like_name(examples: int, shown: str) -> str:
    """What a review of likely mislabels calls the ranking in its header ("images like
    coat/12.png · image 1 of 5"): ``shown`` is the example the person was on. (The
    banner's words there read "like the selected image: it first, then the 200 most
    similar · image 1 of 5", two counts of different lists side by side.)"""
    if examples == 1:
        return f"images like {shown}"
    return f"images like {shown} and {examples - 1:,} more"
