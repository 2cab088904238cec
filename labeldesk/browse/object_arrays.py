"""A table's columns made NumPy object arrays a slice at a time, off the GUI thread.

Making a million values Python objects (strings, or a Categorical's names) is one call
that holds Python's lock throughout: 0.1-0.2 s a column in the re-read's job at a
million images, the window's thread waiting for the lock meanwhile. Made
:data:`SLICE_ROWS` at a time, each call holds it a few milliseconds, and the arrays are
the same. Qt-free."""

from __future__ import annotations

import numpy as np
import pandas as pd

# rows read, and values made objects, this many at a time (a few milliseconds a slice)
SLICE_ROWS = 20_000


def objects(series: pd.Series, none: bool = True) -> np.ndarray:
    """``series`` as an object array, with None (not NaN) for missing values (``none``:
    there may be some)."""
    out = np.empty(len(series), dtype=object)
    for start in range(0, len(series), SLICE_ROWS):
        part = series.iloc[start : start + SLICE_ROWS].to_numpy(dtype=object, copy=True)
        if none:
            part[pd.isna(part)] = None
        out[start : start + len(part)] = part
    return out
