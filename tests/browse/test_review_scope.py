"""The scope a review of likely mislabels takes from the browser (Qt-free): the images
its class, split, search or selection keeps (not what it shows, nor its order), named
for the review's header; none where the browser is not narrowed."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from labeldesk.browse.catalog import ImageCatalog, StateColumns
from labeldesk.browse.image_records import ImageFilter
from labeldesk.browse.review_scope import browser_scope
from labeldesk.browse.review_session import ReviewItem


def paths_of(catalog: ImageCatalog, wanted: ImageFilter) -> frozenset[str]:
    return frozenset(str(p) for p in catalog.paths[catalog.matches(wanted)])


def test_the_scope_is_what_the_browser_is_narrowed_to(project):
    catalog = ImageCatalog.load(project)
    assert browser_scope(catalog, ImageFilter()) is None
    assert browser_scope(catalog, ImageFilter(show="flagged", sort="issue")) is None
    assert browser_scope(catalog, ImageFilter(unlabeled=True)) is None  # nothing to review

    cats = browser_scope(catalog, ImageFilter(label="cat", show="flagged"))
    assert cats is not None and cats.name == "cat"
    assert cats.paths == paths_of(catalog, ImageFilter(label="cat"))  # flagged or not

    val_dogs = browser_scope(catalog, ImageFilter(label="dog", split="val", search="DOG1"))
    assert val_dogs is not None
    assert val_dogs.name == "dog, val split, paths with “DOG1”"
    assert val_dogs.paths == paths_of(catalog, ImageFilter(label="dog", split="val", search="dog1"))

    chosen = frozenset(sorted(cats.paths)[:2])
    on_map = browser_scope(catalog, ImageFilter(paths=chosen, selection="selected on the map"))
    # (the banner's words follow "Showing 2 images"; the header read "selected on the map")
    assert on_map is not None and on_map.name == "images selected on the map"
    assert on_map.paths == chosen

    ranked = ImageFilter(ranking=(1, 2), selection="like the selected image: it first, …")
    liked = browser_scope(catalog, replace(ranked, selection_name="images like cat/c0.png"))
    assert liked is not None and liked.name == "images like cat/c0.png"  # More like this


def test_a_scope_keeps_its_items_in_their_order(project):
    catalog = ImageCatalog.load(project)
    cats = browser_scope(catalog, ImageFilter(label="cat"))
    assert cats is not None
    cat_paths = sorted(cats.paths)
    items = [
        ReviewItem(path=path, label=label, suggested=None, score=0.5)
        for path, label in [
            (cat_paths[1], "cat"),
            ("train/dog/dog0.jpg", "dog"),
            (cat_paths[0], "cat"),
        ]
    ]
    assert [item.path for item in cats.narrow(items)] == [cat_paths[1], cat_paths[0]]


def test_the_scope_is_what_the_browser_was_narrowed_to_when_asked(project):
    """The scope is taken when Ctrl+I is pressed (its set of paths is made later, in the
    review's load job): a label changed meanwhile does not move an image in or out."""
    catalog = ImageCatalog.load(project)
    cats = browser_scope(catalog, ImageFilter(label="cat"))
    assert cats is not None
    asked = paths_of(catalog, ImageFilter(label="cat"))
    moved = sorted(asked)[0]
    at = int(np.flatnonzero(catalog.paths == moved)[0])
    catalog.apply_columns(
        StateColumns(
            catalog.ids[[at]],
            np.array(["dog"], dtype=object),
            catalog.splits[[at]],
            catalog.statuses[[at]],
        )
    )
    assert paths_of(catalog, ImageFilter(label="cat")) == asked - {moved}  # the browser's now
    assert cats.paths == asked
