"""The small values the catalog hands to the views: what the sidebar selects, what the
model says about one image, what the detail panel shows. Qt-free, like the catalog."""

from __future__ import annotations

from dataclasses import dataclass

from labeldesk.core.vocab import EXCLUDED, VERIFIED

# What the "Show" control offers; "skipped" lists the files the scan could not use.
SHOW_CHOICES = ("all", "labeled", "unlabeled", "flagged", VERIFIED, EXCLUDED, "skipped")
# Grid orders: by path, or by a model's view of the image (most interesting first).
SORT_CHOICES = ("path", "issue", "confidence", "outlier")


@dataclass(frozen=True)
class ImageFilter:
    """What the sidebar selects. ``label=None`` means every class."""

    label: str | None = None
    unlabeled: bool = False  # only images without a label (``label`` is then ignored)
    split: str | None = None  # None: every split
    search: str = ""  # case-insensitive substring of the relative path
    paths: frozenset[str] | None = None  # only these images (a map selection, a confusion)
    show: str = "all"  # one of SHOW_CHOICES
    sort: str = "path"  # one of SORT_CHOICES
    ranking: tuple[int, ...] | None = None  # only these image ids, in this order
    # What ``paths`` / ``ranking`` are, for the sidebar ("selected on the map"); "" if none.
    selection: str = ""
    # What a review's header calls them ("images like coat/12.png"); "": ``selection``.
    selection_name: str = ""


@dataclass(frozen=True)
class Insight:
    """What the model says about one image (see :class:`labeldesk.ml.insights.ImageInsights`)."""

    predicted: str | None
    confidence: float  # NaN without a model
    issue_score: float  # NaN when not scored
    flagged: bool
    suggested: str | None
    outlier_score: float  # NaN when not embedded
    neighbour_ids: tuple[int, ...]
    neighbour_sims: tuple[float, ...]
    guess: str | None = None  # what the model thinks the image is (see ml.insights)
    guess_confidence: float = float("nan")


@dataclass(frozen=True)
class ImageInfo:
    """Everything the detail panel shows about one image."""

    image_id: int
    path: str
    label: str | None
    split: str | None
    status: str | None
    width: int
    height: int
    size: int
    format: str
    skip_reason: str | None = None
