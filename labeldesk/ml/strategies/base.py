"""The contract every query strategy follows, and the registry that names them.

A strategy is one function ``(QueryContext, n) -> QueryResult``: arrays in, indices out,
no Qt, no database. Registering it with :func:`register_strategy` puts it in
:data:`STRATEGIES` (a :class:`~labeldesk.core.registry.Registry`, like the backbones and
exporters), which makes it available to the CLI (``labeldesk queue --strategy NAME``) and
the GUI without touching either.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from labeldesk.core.errors import LabelDeskError
from labeldesk.core.progress import CancelToken
from labeldesk.core.registry import Registry


class UnknownStrategyError(LabelDeskError):
    """A query strategy name that is not registered."""


@dataclass(frozen=True)
class QueryContext:
    """Everything a strategy may look at; rows are the project's images, all N of them.

    Attributes:
        embeddings: (N, d), L2-normalised; every image, labeled or not, so that
            density and diversity see the whole collection. float32, or float16 rows as
            the store keeps them (the queue's: read from the store only when indexed,
            :class:`~labeldesk.ml.store_rows.StoreRows`): a strategy takes the rows it
            needs and converts them to float32 (exactly the float32 values).
        labeled_mask: bool (N,), images that have a label.
        candidate_mask: bool (N,), images that may be proposed (unlabeled, not excluded,
            not skipped). Labeled rows are never candidates, whatever this says.
        labels: int (N,), class index or -1 when unlabeled.
        n_classes: number of classes defined in the project (some may have no label yet).
        pred_probs: float (N, n_classes) from a probe (:func:`labeldesk.ml.active.fit_probe`),
            or None when fewer than two classes have labels.
        seed: makes every random choice (sampling, k-means) repeatable.
        rare_share: at most this share of a batch from an uncertainty strategy goes to
            hunting under-labeled classes (0 disables it); see ``uncertainty.rare_class_picks``.
        cancel: the job's token (None: not cancellable); a strategy calls
            :meth:`stop_if_cancelled` between its steps, which raises Cancelled once set.
    """

    embeddings: np.ndarray
    labeled_mask: np.ndarray
    candidate_mask: np.ndarray
    labels: np.ndarray
    n_classes: int
    pred_probs: np.ndarray | None = None
    seed: int = 0
    rare_share: float = 0.25
    cancel: CancelToken | None = None

    def __post_init__(self) -> None:
        # masks as bool and labels as int, whatever the caller had: ``~`` on an int mask
        # would silently select everything
        object.__setattr__(self, "labeled_mask", np.asarray(self.labeled_mask, bool))
        object.__setattr__(self, "candidate_mask", np.asarray(self.candidate_mask, bool))
        object.__setattr__(self, "labels", np.asarray(self.labels, np.int64))
        n = self.embeddings.shape[0]
        if self.embeddings.ndim != 2:
            raise ValueError(f"embeddings must be (N, d), got {self.embeddings.shape}")
        for name in ("labeled_mask", "candidate_mask", "labels"):
            if getattr(self, name).shape != (n,):
                raise ValueError(f"{name} must have shape ({n},), got {getattr(self, name).shape}")
        if self.pred_probs is not None and self.pred_probs.shape != (n, self.n_classes):
            raise ValueError(
                f"pred_probs must be ({n}, {self.n_classes}), got {self.pred_probs.shape}"
            )

    def stop_if_cancelled(self) -> None:
        """Raise :class:`~labeldesk.core.errors.Cancelled` when the job was cancelled."""
        if self.cancel is not None:
            self.cancel.raise_if_cancelled()

    @property
    def candidates(self) -> np.ndarray:
        """Indices that may be proposed, ascending."""
        return np.flatnonzero(self.candidate_mask & ~self.labeled_mask)

    @property
    def n_labeled(self) -> int:
        return int(self.labeled_mask.sum())

    def class_counts(self) -> np.ndarray:
        """Labels per class, (n_classes,)."""
        labels = self.labels[self.labeled_mask & (self.labels >= 0)]
        return np.bincount(labels, minlength=self.n_classes)[: self.n_classes]


@dataclass(frozen=True)
class QueryResult:
    """Images to label next, most useful first.

    ``scores`` say how useful each pick is by the strategy's own measure (higher = more
    useful, in [0, 1]; uncertainty for uncertainty strategies, typicality relative to the
    batch's most typical pick for typiclust): comparable within one result, not across
    strategies. ``strategy`` is the strategy that actually chose (``auto`` and fallbacks
    name the one they delegated to).
    """

    indices: np.ndarray
    scores: np.ndarray
    strategy: str

    @classmethod
    def empty(cls, strategy: str) -> QueryResult:
        return cls(np.zeros(0, np.int64), np.zeros(0, np.float64), strategy)


Strategy = Callable[[QueryContext, int], QueryResult]
STRATEGIES: Registry[Strategy] = Registry("query strategy", error=UnknownStrategyError)


def register_strategy(name: str) -> Callable[[Strategy], Strategy]:
    """Decorator: make a strategy available under ``name``."""
    return STRATEGIES.register(name)


def top_n(scores: np.ndarray, n: int) -> np.ndarray:
    """Positions of the ``n`` highest scores, best first; ties keep the lower position, so
    results do not depend on the sort algorithm."""
    order = np.argsort(-scores, kind="stable")
    return order[:n]
