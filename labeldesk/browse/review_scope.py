"""What part of the project a review of likely mislabels keeps to: the images the
browser is narrowed to (a class, a split, a path search, a map selection). An annotator
who picked "coat" and pressed Ctrl+I was taken through every flagged image of every
class ("image 1 of 262") where the browser showed coat's 41."""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np

from labeldesk.browse.catalog import ImageCatalog
from labeldesk.browse.image_records import ImageFilter
from labeldesk.browse.review_session import ReviewItem


@dataclass(frozen=True, eq=False)
class ReviewScope:
    """``name``: what the browser was narrowed to, for the review's header ("coat",
    "coat, val split"); ``members``: the paths of the images it takes in, as they were
    when the review was asked for (an array of the catalog's path strings: a set of them,
    made on the GUI thread at Ctrl+I, held the window 0.4-0.6 s at a million images)."""

    name: str
    members: np.ndarray

    @cached_property
    def paths(self) -> frozenset[str]:
        """The paths as a set, made on first use: by :meth:`narrow`, in the review's
        load job (a generator, so the GUI thread gets its turns meanwhile)."""
        return frozenset(str(path) for path in self.members)

    def narrow(self, items: list[ReviewItem]) -> list[ReviewItem]:
        """``items`` in this scope, in their order."""
        paths = self.paths
        return [item for item in items if item.path in paths]


def browser_scope(catalog: ImageCatalog | None, wanted: ImageFilter) -> ReviewScope | None:
    """The scope of the browser's ``wanted`` (its class, split, search and selection;
    not what it shows, as "Likely mislabeled", nor its order); None when it is not
    narrowed (or only to Unlabeled images, which have no label to review)."""
    parts = []
    if wanted.label is not None and not wanted.unlabeled:
        parts.append(wanted.label)
    if wanted.split is not None:
        parts.append(f"{wanted.split} split")
    if wanted.search.strip():
        parts.append(f"paths with “{wanted.search.strip()}”")
    if wanted.paths is not None or wanted.ranking is not None:
        # the banner's words follow "Showing 55 images": the header says "images" too
        # ("images selected on the map · image 1 of 9", not "selected on the map · …")
        named = f"images {wanted.selection}" if wanted.selection else "the selection"
        parts.append(wanted.selection_name or named)
    if catalog is None or not parts:
        return None
    scope = replace(wanted, unlabeled=False, show="all")
    return ReviewScope(", ".join(parts), catalog.paths[catalog.matches(scope)])
