"""Filtering and counting over the project's images (array logic, no Qt)."""

from __future__ import annotations

import numpy as np

from labeldesk.gui.catalog import ImageCatalog, ImageFilter


def paths(catalog: ImageCatalog, wanted: ImageFilter) -> list[str]:
    return [str(p) for p in catalog.paths[catalog.filter(wanted)]]


def test_catalog_holds_every_usable_image_in_path_order(project):
    catalog = ImageCatalog.load(project)
    frame = project.images()
    assert len(catalog) == len(frame) == 19
    assert list(catalog.paths) == sorted(frame.path)
    assert catalog.classes == project.classes() == ["cat", "dog"]


def test_filters_by_class_split_unlabeled_and_search(project):
    catalog = ImageCatalog.load(project)
    assert len(catalog.filter(ImageFilter())) == 19
    assert len(catalog.filter(ImageFilter(label="cat"))) == 8
    assert len(catalog.filter(ImageFilter(unlabeled=True))) == 3
    assert len(catalog.filter(ImageFilter(split="val"))) == 4
    assert len(catalog.filter(ImageFilter(label="dog", split="test"))) == 2
    assert paths(catalog, ImageFilter(search="U1")) == ["_unlabeled/u1.png"]  # any case
    assert len(catalog.filter(ImageFilter(search="cat", split="train"))) == 4
    assert len(catalog.filter(ImageFilter(label="bird"))) == 0


def test_label_counts_follow_the_split(project):
    catalog = ImageCatalog.load(project)
    assert catalog.label_counts() == {"cat": 8, "dog": 8, None: 3}
    assert catalog.label_counts("val") == {"cat": 2, "dog": 2, None: 0}


def test_apply_states_updates_only_the_given_images(project):
    catalog = ImageCatalog.load(project)
    project.set_labels({"_unlabeled/u0.png": "dog", "train/cat/cat0.jpg": None})
    ids = project.ids_for(["_unlabeled/u0.png", "train/cat/cat0.jpg"])
    changed = catalog.apply_states(project.image_states(ids.values()))
    assert sorted(catalog.paths[changed]) == ["_unlabeled/u0.png", "train/cat/cat0.jpg"]
    assert catalog.label_counts() == {"cat": 7, "dog": 9, None: 3}
    position = int(catalog.positions_of([ids["_unlabeled/u0.png"]])[0])
    # Effective split, as Project.images() reports it: a labeled image without one is train.
    assert catalog.info(position).split == "train"
    assert catalog.class_index(position) == 1
    assert np.array_equal(catalog.positions_of([-5]), [-1])
