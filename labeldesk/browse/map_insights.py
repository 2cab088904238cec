"""What the map shows of the browser's model insights: which catalog image each point is,
what the model thinks it is, and the hover card's "Model: …" line. Qt-free.

The map and the browser then name the same class for an image (the map used to colour by
the raw prediction while the browser named the de-noised suggestion)."""

from __future__ import annotations

import weakref
from collections.abc import Sequence

import numpy as np

from labeldesk.browse.catalog import ImageCatalog
from labeldesk.core.display import format_score
from labeldesk.core.vocab import class_codes


class CatalogLookup:
    """Catalog positions of the map's points, found by image id (the map and the browser
    read a rescan at different times: by path, an image it moved was in neither until
    both had), computed once per catalog and point list. Those are held weakly and
    compared by identity: an ``id()`` of a list freed may be a new list's."""

    def __init__(self) -> None:
        self._of: tuple[weakref.ref[ImageCatalog], weakref.ref[np.ndarray]] | None = None
        self._positions = np.empty(0, dtype=np.int64)

    def positions(self, catalog: ImageCatalog, ids: np.ndarray) -> np.ndarray:
        """Catalog position of each point (``ids``: their image ids; -1 where the catalog
        lacks it)."""
        if self._of is None or self._of[0]() is not catalog or self._of[1]() is not ids:
            self._positions = np.asarray(catalog.positions_of(ids), dtype=np.int64)
            self._of = (weakref.ref(catalog), weakref.ref(ids))
        return self._positions


def guesses(catalog: ImageCatalog, positions: np.ndarray, classes: Sequence[str]) -> np.ndarray:
    """What the model thinks each point is, as an index into ``classes`` (-1: nothing)."""
    out = class_codes(catalog.guess[np.maximum(positions, 0)], classes)
    out[positions < 0] = -1
    return out


def hover_lines(catalog: ImageCatalog, position: int) -> list[str]:
    """The browser's "Model: …" line and the label fit of one image (none if unknown)."""
    if position < 0:
        return []
    lines = [catalog.opinion(position)]
    fit = float(catalog.issue_scores[position])
    if not np.isnan(fit):
        lines.append(f"label fit {format_score(fit)}")
    return [line for line in lines if line]
