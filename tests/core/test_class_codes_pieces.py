"""core.vocab.class_codes looks labels up a piece at a time (a million in one call held
the GIL, and froze the window while Ctrl+I's list was found): the codes must be those of
one lookup, whatever the piece size, for a list, an array and a Series alike."""

from __future__ import annotations

import numpy as np
import pandas as pd

from labeldesk.core import vocab


def test_codes_are_the_same_in_pieces(monkeypatch):
    classes = ["ant", "bee", "cow"]
    labels = ["bee", None, "ant", "yak", float("nan"), "cow", "cow", "Ant", None, "bee", "ant"]
    want = [1, -1, 0, -2, -1, 2, 2, -2, -1, 1, 0]
    for piece in (1, 2, 3, 4, 10, 11, 12, 50_000):
        monkeypatch.setattr(vocab, "CODES_PIECE", piece)
        for given in (
            labels,
            np.array(labels, dtype=object),
            pd.Series(labels, index=range(5, 16)),
        ):
            codes = vocab.class_codes(given, classes, unknown=-2)
            assert codes.dtype == np.int64 and codes.tolist() == want
            plain = vocab.class_codes(given, classes)
            assert plain.tolist() == [-1 if c == -2 else c for c in want]
    assert vocab.class_codes([], classes).tolist() == []
