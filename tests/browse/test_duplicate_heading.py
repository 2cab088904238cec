"""The heading of a duplicate group says where its copies in use are, for every mix of
splits: all in one split, all in no split, some in a split and some in none, spread over
splits without a leak, or leaking (and then which splits, and any copy in no split)."""

from __future__ import annotations

import shutil

import pytest

from labeldesk.browse.duplicate_groups import Group, Member, build_groups
from labeldesk.ml.duplicates import find_duplicates


def exact(*splits: str | None, status: list[str | None] | None = None) -> Group:
    """An exact group: every member the same file, in the given splits."""
    states = status or [None] * len(splits)
    members = [
        Member(f"m{i}.png", i + 1, "cat", split, states[i], "same")
        for i, split in enumerate(splits)
    ]
    return Group(3, "exact", 1.0, members)


def state(group: Group) -> str:
    return group.describe().split(" · ")[3]


@pytest.mark.parametrize(
    ("splits", "said"),
    [
        (("train", "train"), "all in train"),
        ((None, None, None), "all in no split"),
        (("train", None), "1 in train, 1 in no split, no leak"),
        ((None, "val", "val"), "2 in val, 1 in no split, no leak"),
        (("train", "test"), "leaks: in test and train"),
        (("train", "test", "val"), "leaks: in test and train and val"),
        (("test", None, "train", None), "leaks: in test and train, 2 copies in no split"),
        (("train", "val", None), "leaks: in train and val, 1 copy in no split"),
    ],
)
def test_the_heading_says_where_the_copies_are(splits, said) -> None:
    assert state(exact(*splits)) == said


def test_excluded_copies_are_not_counted() -> None:
    group = exact("train", "test", None, status=[None, "excluded", None])
    assert state(group) == "1 in train, 1 in no split, no leak"
    group = exact("train", "test", None, status=[None, "excluded", "excluded"])
    assert state(group) == "resolved: no two images in use are copies"


def near_pairs(*splits: str | None) -> Group:
    """Two pictures with a copy each (a=a2, b=b2 by content), joined into one near group
    by m, like a2 and b, which is excluded: the members in use are two copy sets. The
    splits are a, a2, b, b2's."""
    names = ["a", "a2", "m", "b", "b2"]
    hashes = ["h1", "h1", "hm", "h2", "h2"]
    where = [splits[0], splits[1], None, splits[2], splits[3]]
    members = [
        Member(f"{n}.png", i + 1, None, where[i], "excluded" if n == "m" else None, hashes[i])
        for i, n in enumerate(names)
    ]
    return Group(4, "near", 0.97, members, [("a2.png", "m.png"), ("m.png", "b.png")])


def test_pictures_each_in_a_split_of_its_own_are_no_leak() -> None:
    """Copies of one picture in test, of another in train: no picture spans two splits."""
    group = near_pairs("test", "test", "train", "train")
    assert len(group.copy_sets()) == 2 and not group.leaks
    assert state(group) == "2 in test, 2 in train, no leak"


def test_a_leak_names_the_splits_of_the_leaking_copies_only() -> None:
    """One picture in train and test, another twice in val: the leak is not in val."""
    group = near_pairs("train", "test", "val", "val")
    assert len(group.copy_sets()) == 2 and group.leaks
    assert state(group) == "leaks: in test and train"


def test_a_copy_of_a_train_image_in_the_unlabeled_pool(project) -> None:
    """The report: a train image copied into _unlabeled/ was said to be "all in no split"."""
    shutil.copy(project.root / "train/cat/cat0.jpg", project.root / "_unlabeled/dupcat.jpg")
    project.scan()
    found = [g for g in find_duplicates(project) if "_unlabeled/dupcat.jpg" in g.paths]
    (group,) = build_groups(project, found)
    assert sorted(m.split or "" for m in group.members) == ["", "train"]
    assert state(group) == "1 in train, 1 in no split, no leak"
