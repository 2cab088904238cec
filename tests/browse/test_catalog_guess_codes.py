"""What the model thinks, as class codes, is looked up once per set of guesses and
classes: Statistics asked for it five times per redraw (~0.15 s each at 1M images, on
the GUI thread; benchmarks/bench_gui_stalls.py)."""

from __future__ import annotations

import numpy as np

from labeldesk.browse import catalog as catalog_module
from labeldesk.browse.catalog import ImageCatalog
from labeldesk.browse.confusion import available_scopes, confusion


def test_guess_codes_are_looked_up_once_until_the_guesses_or_classes_change(project, monkeypatch):
    catalog = ImageCatalog.load(project)
    n = len(catalog)
    catalog.guess = np.array([("cat", "dog", None)[i % 3] for i in range(n)], dtype=object)
    lookups: list[int] = []
    real = catalog_module.class_codes

    def counted(labels, classes, **kwargs):
        lookups.append(len(labels))
        return real(labels, classes, **kwargs)

    monkeypatch.setattr(catalog_module, "class_codes", counted)
    expected = [(0, 1, -1)[i % 3] for i in range(n)]
    assert catalog.guess_codes().tolist() == expected
    available_scopes(catalog)
    matrix = confusion(catalog, None).matrix
    assert lookups == [n]  # once for all of them
    labeled = (catalog.label_codes >= 0) & np.array([i % 3 < 2 for i in range(n)])
    assert int(matrix.sum()) == int((labeled & catalog.usable).sum())

    catalog.set_classes(["dog", "cat"])  # the classes changed: looked up again
    assert catalog.guess_codes().tolist() == [(1, 0, -1)[i % 3] for i in range(n)]
    catalog.guess = np.full(n, "dog", dtype=object)  # new guesses (new insights)
    assert catalog.guess_codes().tolist() == [0] * n
    assert not catalog.guess_codes().flags.writeable


def test_guesses_forgotten_for_an_edited_image_are_not_counted_from_the_cache(project):
    """forget_insights clears guesses in place (the array stays the same object)."""
    catalog = ImageCatalog.load(project)
    n = len(catalog)
    catalog.guess = np.full(n, "cat", dtype=object)
    assert catalog.guess_codes().tolist() == [0] * n
    catalog.forget_insights([int(catalog.ids[0])])
    assert catalog.guess_codes().tolist() == [-1] + [0] * (n - 1)
