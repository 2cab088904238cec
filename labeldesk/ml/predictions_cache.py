"""The project predictions' cache file (:mod:`labeldesk.ml.predictions`): reading it
without trusting it, writing it so no reader sees half of one, and deciding whether what
it holds will do or the predictions must be computed again.

Each file records whether the predictions were made without the pixel view for want of
thumbnails (``thumbs_seen``: how the thumbnail folders looked then, else
``NOT_MISSING``); such a file is looked at again once a thumbnail folder changes, since
the app makes missing thumbnails as it shows them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .cachefiles import read_arrays, replace_versions, rows_of
from .pixel_view import pixel_view, thumbnails_stamp

if TYPE_CHECKING:
    from labeldesk.core.project import Project

    from .store import ProjectVectors

NOT_MISSING = -1  # ``thumbs_seen`` of predictions that did not go without thumbnails

# (probabilities, out-of-fold mask, pixel share, thumbnails stamp when made without the
# pixel view for want of thumbnails, else None)
Computed = tuple[np.ndarray, np.ndarray, float, int | None]
# computes them; given the pixel view when the cache's look at the thumbnails read it
Compute = Callable[[np.ndarray | None], Computed]


def made(
    project: Project,
    vectors: ProjectVectors,
    cache: Path,
    prefix: str,
    n_classes: int,
    compute: Compute,
) -> tuple[np.ndarray, np.ndarray, float]:
    """The predictions' (probabilities, out-of-fold mask, pixel share): from ``cache``
    when it holds them (another process may have just made them), else ``compute``\\ d
    and cached. A ``compute`` that raises (cancelled) writes nothing."""
    cached = read_cache(cache, len(vectors.paths), n_classes)
    view: np.ndarray | None = None
    looked = int(cached["thumbs_seen"].reshape(1)[0]) if cached is not None else NOT_MISSING
    if cached is not None and looked != NOT_MISSING:
        # Made while too few thumbnails could be read: made again once they can (the app
        # makes missing thumbnails as it shows them). Looked at only when a thumbnail
        # folder changed since: the view costs a read of every thumbnail still missing.
        seen = thumbnails_stamp(project)
        if seen != looked:
            view = pixel_view(project, vectors)
            if view is not None:
                cached = None
            else:
                share = float(cached["pixel_share"].reshape(1)[0])
                save(cache, prefix, cached["probs"], cached["oof"], share, seen)
    if cached is not None:
        return cached["probs"], cached["oof"], float(cached["pixel_share"].reshape(1)[0])
    probs, oof, share, missing = compute(view)
    save(cache, prefix, probs, oof, share, missing)
    return probs, oof, share


def read_cache(cache: Path, n: int, c: int) -> dict[str, np.ndarray] | None:
    """The arrays of the cache file ``cache`` when it holds predictions for ``n`` images
    and ``c`` classes, else None (no file, or a stale one: warned)."""
    return read_arrays(
        cache,
        ("probs", "oof", "pixel_share", "thumbs_seen"),
        lambda a: (
            rows_of(a["probs"], n, c, "f")
            or rows_of(a["oof"], n, None, "b")
            or rows_of(a["pixel_share"].reshape(1), 1, None, "f")
            or rows_of(a["thumbs_seen"].reshape(1), 1, None, "i")
        ),
    )


def save(
    cache: Path, prefix: str, probs: np.ndarray, oof: np.ndarray, share: float, seen: int | None
) -> None:
    """Write the predictions' cache file (the other versions of ``prefix`` go);
    ``seen``: made without the pixel view for want of thumbnails, when the thumbnail
    folders looked as :func:`~labeldesk.ml.pixel_view.thumbnails_stamp` says."""
    seen_as = np.int64(NOT_MISSING if seen is None else seen)

    def write(tmp: Path) -> None:
        with open(tmp, "wb") as f:
            np.savez(f, probs=probs, oof=oof, pixel_share=np.float64(share), thumbs_seen=seen_as)

    replace_versions(cache, f"{prefix}*.npz", write)
