"""The words every layer shares about an image: review statuses, splits, class codes.

Defined once so that a filter in the browser, a mask in training and a count in the
statistics cannot drift apart (``"excluded"`` used to be spelled out in 14 files, and the
class-name-to-code mapping was built five times). Light on purpose: the command line's
``--help`` imports core, so numpy and pandas load only when :func:`class_codes` runs.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from .display import counted, quoted_names

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

VERIFIED = "verified"  # a person checked the label: not flagged again until it changes
EXCLUDED = "excluded"  # left out of training, scoring and export (the file stays)
STATUSES = (VERIFIED, EXCLUDED)  # a status is one of these or None (not reviewed)
STATUS_CHOICES = " or ".join([", ".join(map(repr, STATUSES)), "None"])  # for messages

SPLITS = ("train", "val", "test")

CODES_PIECE = 50_000  # labels :func:`class_codes` looks up in one call

# SQL for an image's effective split: a labeled image without one counts as train.
EFFECTIVE_SPLIT = "CASE WHEN split IS NULL AND label IS NOT NULL THEN 'train' ELSE split END"


def class_codes(
    labels: Iterable[object], classes: Sequence[str], *, unknown: int = -1
) -> np.ndarray:
    """Each label's index in ``classes`` as int64: -1 for no label (None or NaN), and
    ``unknown`` (-1 unless asked) for a label that is not one of ``classes``.

    One vectorised hash lookup (a pandas Index), so 100k labels cost a few milliseconds.
    A categorical Series whose categories are ``classes`` (see
    :func:`labeldesk.core.image_frame.image_frame`) already holds these codes."""
    import numpy as np
    import pandas as pd

    values = labels if isinstance(labels, pd.Series | np.ndarray) else list(labels)
    if isinstance(values, pd.Series) and isinstance(values.dtype, pd.CategoricalDtype):
        k = len(classes)
        if list(values.cat.categories[:k]) == list(classes):  # the frame's own codes
            codes = values.cat.codes.to_numpy(dtype=np.int64, copy=True)
            codes[codes >= k] = unknown
            return codes
        values = values.astype(object)  # other categories: look the names up
    if isinstance(values, pd.Series):
        values = values.to_numpy(dtype=object)
    index = pd.Index(list(classes), dtype=object)
    codes = np.empty(len(values), dtype=np.int64)
    # a piece at a time: a million labels looked up in one call held the GIL for most
    # of a second, and the window froze while a background job (Ctrl+I's list) did it
    for start in range(0, len(values), CODES_PIECE):
        piece = values[start : start + CODES_PIECE]
        found = np.asarray(index.get_indexer(piece), dtype=np.int64)
        if unknown != -1:
            found[(found == -1) & ~np.asarray(pd.isna(piece), dtype=bool)] = unknown
        codes[start : start + len(found)] = found
    return codes


def known_class_codes(
    labels: Sequence[str | None] | pd.Series, classes: Sequence[str], paths: Sequence[str]
) -> np.ndarray:
    """:func:`class_codes` for a model's training labels (``paths`` in the same order),
    refusing a label that is not a class: training on it as "unlabeled" would hide it.
    The error names the labels and one image, and says how to fix it."""
    import numpy as np

    from .errors import UnknownClassError

    codes = class_codes(labels, classes, unknown=-2)
    rows = np.flatnonzero(codes == -2)
    if len(rows):
        unknown = sorted({str(x) for x in np.asarray(labels, dtype=object)[rows]})
        example = np.asarray(paths, dtype=object)[rows[0]]
        # the command that adds them (a comma in a name escaped, as --add reads it); the
        # CLI puts the project as typed for PROJECT, the app its menu for the command
        names = shlex.quote(", ".join(name.replace(",", "\\,") for name in unknown))
        raise UnknownClassError(
            f"{counted(len(rows), 'image')} {'carries' if len(rows) == 1 else 'carry'} a label "
            f"that is not a class ({quoted_names(unknown, 5)}; e.g. {example}); add the "
            f"class (`labeldesk classes PROJECT --add {names}`) or relabel them"
        )
    return codes
