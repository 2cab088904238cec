"""Re-read image states land in the catalog's arrays (done with array operations, so a
select-all label key on 100k images costs milliseconds, not a Python loop)."""

from __future__ import annotations

import numpy as np

from labeldesk.browse.catalog import ImageCatalog, StateColumns
from labeldesk.browse.image_records import ImageFilter
from labeldesk.core.project import ImageState
from labeldesk.core.vocab import EXCLUDED, SPLITS, STATUSES, VERIFIED


def test_states_set_values_codes_and_flags_of_the_named_images_only(project):
    catalog = ImageCatalog.load(project)
    ids = project.ids_for(["train/cat/cat0.jpg", "train/cat/cat1.jpg", "val/dog/dog0.jpg"])
    cat0, cat1, dog0 = (int(catalog.positions_of([ids[p]])[0]) for p in ids)
    catalog.flagged[[cat0, cat1, dog0]] = True  # flagged by the model before the edit
    before = catalog.labels.copy()
    states = [
        ImageState(ids["train/cat/cat0.jpg"], "dog", "test", VERIFIED),  # relabeled
        ImageState(ids["train/cat/cat1.jpg"], "cat", "train", None),  # as it was
        ImageState(ids["val/dog/dog0.jpg"], "dog", "val", EXCLUDED),  # status only
        ImageState(999_999, "cat", "train", None),  # not in the catalog: left out
    ]
    changed = catalog.apply_columns(StateColumns.of(states))

    assert sorted(changed.tolist()) == sorted([cat0, cat1, dog0])
    assert catalog.labels[cat0] == "dog" and catalog.class_index(cat0) == 1
    assert catalog.split_codes[cat0] == SPLITS.index("test")
    assert catalog.status_codes[cat0] == STATUSES.index(VERIFIED)
    assert catalog.status_codes[dog0] == STATUSES.index(EXCLUDED)
    assert catalog.status_codes[cat1] == -1 and catalog.split_codes[cat1] == 0
    # A person looked at cat0 and dog0 (stale flags go); cat1's state did not change.
    assert catalog.flagged[[cat0, cat1, dog0]].tolist() == [False, True, False]
    others = np.setdiff1d(np.arange(len(catalog)), [cat0, dog0])
    assert list(catalog.labels[others]) == list(before[others])
    assert len(catalog.filter(ImageFilter(show=VERIFIED))) == 1
    assert len(catalog.filter(ImageFilter(split="test", label="dog"))) == 3


def test_no_states_change_nothing(project):
    catalog = ImageCatalog.load(project)
    assert len(catalog.apply_columns(StateColumns.of([]))) == 0
    assert catalog.label_counts() == {"cat": 8, "dog": 8, None: 3}


def test_codes_made_at_the_read_are_used_only_for_the_classes_they_were_made_with(project):
    catalog = ImageCatalog.load(project)
    ids = project.ids_for(["train/cat/cat0.jpg", "val/dog/dog0.jpg"])
    cat0, dog0 = (int(catalog.positions_of([ids[p]])[0]) for p in ids)
    states = [
        ImageState(ids["train/cat/cat0.jpg"], "dog", "val", VERIFIED),
        ImageState(ids["val/dog/dog0.jpg"], "bird", "test", None),
    ]
    read = StateColumns.of(states, catalog.classes)
    assert read.codes is not None and read.codes.labels.tolist() == [1, -2]
    catalog.apply_columns(read)
    assert catalog.label_codes[[cat0, dog0]].tolist() == [1, -2]
    assert catalog.split_codes[[cat0, dog0]].tolist() == [1, 2]
    assert catalog.status_codes[[cat0, dog0]].tolist() == [0, -1]

    # read while the class list was another: coded again against today's
    stale = StateColumns.of(states, ["dog", "bird", "cat"])
    catalog.apply_columns(stale)
    assert catalog.label_codes[[cat0, dog0]].tolist() == [1, -2]
    catalog.set_classes(["dog", "bird", "cat"])
    catalog.apply_columns(StateColumns.of(states, ["cat", "dog"]))
    assert catalog.label_codes[[cat0, dog0]].tolist() == [0, 1]


def test_a_tally_counts_the_labels_at_the_positions_given(project):
    catalog = ImageCatalog.load(project)
    ids = project.ids_for(["train/cat/cat0.jpg", "val/dog/dog0.jpg"])
    cat0, dog0 = (int(catalog.positions_of([ids[p]])[0]) for p in ids)
    catalog.apply_columns(
        StateColumns.of([ImageState(ids["val/dog/dog0.jpg"], "bird", "val", None)])
    )
    unlabeled = int(np.flatnonzero(catalog.label_codes == -1)[0])
    tally = catalog.label_tally(np.array([cat0, dog0, unlabeled, cat0]))
    assert tally == {"cat": 2, "dog": 0, None: 1, "bird": 1}
    assert catalog.label_tally(catalog.usable) == catalog.label_counts()
