"""The catalog's orders by a model value (label fit, confidence, outlier score): each
sorted once per set of the model's values and kept, or made ahead off the GUI thread
(:meth:`ModelOrders.sort_keys` → :func:`~labeldesk.browse.sort_orders.sort_orders` →
:meth:`ModelOrders.take_orders`). Mixed into :class:`~labeldesk.browse.catalog.ImageCatalog`;
Qt-free."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from labeldesk.browse.image_records import SORT_CHOICES
from labeldesk.browse.sort_orders import MODEL_SORTS, SortKeys, sort_order
from labeldesk.core.vocab import STATUSES, VERIFIED

if TYPE_CHECKING:
    from labeldesk.ml.insights import ImageInsights


class ModelOrders:
    """The sorted orders of an :class:`~labeldesk.browse.catalog.ImageCatalog`."""

    if TYPE_CHECKING:  # the catalog's, as ImageCatalog sets them
        ids: np.ndarray
        insights: ImageInsights | None
        issue_scores: np.ndarray
        confidence: np.ndarray
        outlier_scores: np.ndarray
        status_codes: np.ndarray
        flagged: np.ndarray

    def _no_orders(self) -> None:
        """Forget the orders: the values they sort by changed."""
        self._orders: dict[str, np.ndarray] = {}  # sort -> every position in its order
        # changed with every change of the values the orders sort by: orders made off the
        # GUI thread (sort_orders) from older values are then not taken
        self._orders_of = object()

    def _sorted(self, mask: np.ndarray, sort: str) -> np.ndarray:
        """The positions ``mask`` takes, in ``sort``'s order (ties in path order; unknown
        values last; a person's verified images after all others). Every position's
        order is sorted once per set of the model's values and kept: a filter change (a
        class, a key typed in the search) then takes its positions from it in one pass;
        sorting them anew took ~0.2 s of CPU at a million, 0.6-0.8 s on a busy machine,
        at each change."""
        if sort == "path":
            return np.flatnonzero(mask)
        order = self._orders.get(sort)
        if order is None:
            order = self._orders[sort] = sort_order(self._sort_key(sort))
        if mask.all():  # every image (no class, search, …): no gather of a million
            return self._looked_at_last(order.copy())
        return self._looked_at_last(order[mask[order]])

    def _looked_at_last(self, shown: np.ndarray) -> np.ndarray:
        """``shown`` (positions in a model sort's order) with the images a person has
        settled, verified and not flagged, after the others, each part in its order: a
        label reviewed and kept sat among the likely mislabels at the top of "Likely
        mislabeled first" (and "Least confident first", "Most unusual first"), though
        nobody needs to look at it again. Taken from the statuses as they are now, at
        each filter: a review's marks need no new sort (a stable split of the shown,
        a few ms at a million)."""
        settled = (self.status_codes == STATUSES.index(VERIFIED)) & ~self.flagged
        if not settled.any():
            return shown
        last = settled[shown]
        return np.concatenate((shown[~last], shown[last]))

    def _sort_key(self, sort: str) -> np.ndarray:
        """What ``sort`` orders by, ascending (a new array: unknown values are +inf)."""
        if sort == "issue":  # most likely mislabeled first
            key = self.issue_scores
        elif sort == "confidence":  # least sure first: where the model needs a person
            key = self.confidence
        elif sort == "outlier":  # most unusual first
            key = -self.outlier_scores
        else:
            raise ValueError(f"unknown sort {sort!r}; use one of {SORT_CHOICES}")
        return np.where(np.isnan(key), np.inf, key)

    def sort_keys(self) -> SortKeys | None:
        """The values of each model sort not ordered yet (copies), to be sorted off the
        GUI thread by :func:`sort_orders` and handed back to :meth:`take_orders`: the
        first sort by a model value then finds its order made (at a million images the
        sort itself held the GUI thread 0.1-0.3 s). None before the model's values, or
        when every order is kept already."""
        if self.insights is None:
            return None
        wanted = [s for s in MODEL_SORTS if s not in self._orders]
        if not wanted:
            return None
        return SortKeys(self._orders_of, {s: self._sort_key(s) for s in wanted})

    def order_pending(self, sort: str) -> bool:
        """Whether showing ``sort`` would sort by a model value here (its order not kept)."""
        return sort in MODEL_SORTS and self.insights is not None and sort not in self._orders

    def take_orders(self, keys: SortKeys, orders: Mapping[str, np.ndarray]) -> bool:
        """Keep ``orders`` (:func:`sort_orders` of ``keys``) unless the values they sort
        changed since ``keys`` were made; whether they were kept."""
        if keys.token is not self._orders_of:
            return False
        for sort, order in orders.items():
            if len(order) == len(self.ids):
                self._orders.setdefault(sort, order)
        return True
