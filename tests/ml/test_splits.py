"""Split making: duplicate groups stay in one split (exact copies, near copies found by
perceptual hash before any embedding, and the embeddings' groups once they exist), and
every class is spread in the ratios asked."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from labeldesk.core.create import create_and_index
from labeldesk.core.errors import LabelDeskError
from labeldesk.ml.hash_groups import hash_candidates
from labeldesk.ml.splits import assign_splits, duplicate_groups, make_splits, parse_ratios

CLASSES = ("ant", "bee", "cow")


def smooth_image(path: Path, seed: int, size: tuple[int, int] = (64, 64)) -> Image.Image:
    """A smooth random picture: unlike any other seed's, yet a resized or re-encoded copy
    keeps its perceptual hash (noise would not)."""
    rng = np.random.default_rng(seed)
    img = Image.fromarray(rng.integers(0, 255, (8, 8, 3), dtype=np.uint8))
    img = img.resize(size, Image.Resampling.BICUBIC)
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path)
    return img


# Planted groups: exact copies (same bytes) and near copies (resized, re-encoded), some
# across classes (a copy filed under another class must not leak either).
PLANTED = [
    ("ant/ant0.png", "ant/ant0_copy.png", "exact"),
    ("bee/bee0.png", "bee/more/bee0_again.png", "exact"),
    ("cow/cow0.png", "cow/cow0_small.jpg", "resized"),
    ("ant/ant1.png", "ant/ant1_q60.jpg", "jpeg"),
    ("bee/bee1.png", "cow/bee1_as_cow.jpg", "resized"),
]


@pytest.fixture
def planted(tmp_path):
    root = tmp_path / "images"
    for c, name in enumerate(CLASSES):
        for i in range(40):
            smooth_image(root / name / f"{name}{i}.png", seed=c * 100 + i)
    for original, copy, how in PLANTED:
        (root / copy).parent.mkdir(parents=True, exist_ok=True)
        if how == "exact":
            shutil.copy(root / original, root / copy)
            continue
        with Image.open(root / original) as img:
            if how == "resized":
                img = img.resize((48, 48), Image.Resampling.BICUBIC)
            img.convert("RGB").save(root / copy, quality=60 if how == "jpeg" else 85)
    project, _ = create_and_index(tmp_path / "proj", root, workers=1)
    yield project
    project.close()


def _labels(project):
    frame = project.images()
    return dict(zip(frame.index, frame.label.astype(object), strict=True)), dict(
        zip(frame.path, frame.index, strict=True)
    )


def test_planted_copies_are_found_without_embeddings(planted):
    labels, ids = _labels(planted)
    groups, kinds = duplicate_groups(planted, list(labels))
    found = sorted(sorted(g) for g in groups if len(g) > 1)
    assert found == sorted(sorted([ids[a], ids[b]]) for a, b, _ in PLANTED)
    assert kinds == {"exact": 2, "near (hash)": 3}


@pytest.mark.parametrize("seed", [0, 1, 7])
def test_groups_stay_in_one_split_and_classes_keep_the_ratios(planted, seed):
    labels, ids = _labels(planted)
    made = make_splits(planted, labels, (0.8, 0.1, 0.1), seed)
    for a, b, _ in PLANTED:
        assert made.splits[ids[a]] == made.splits[ids[b]], (a, b)
    assert made.groups_kept_together == len(PLANTED) and made.images_in_groups == 10
    for name, row in made.per_class.items():
        total = sum(row.values())
        for split, ratio in zip(("train", "val", "test"), (0.8, 0.1, 0.1), strict=True):
            assert abs(row[split] / total - ratio) <= 0.05, (name, row)
    assert made.max_deviation <= 0.05
    assert sum(made.sizes.values()) == len(labels)
    assert make_splits(planted, labels, (0.8, 0.1, 0.1), seed).splits == made.splits


def test_the_seed_changes_which_images_go_where(planted):
    labels, _ = _labels(planted)
    one = make_splits(planted, labels, (0.8, 0.1, 0.1), 1).splits
    two = make_splits(planted, labels, (0.8, 0.1, 0.1), 2).splits
    assert one != two


def test_assignment_keeps_big_groups_whole_and_balances_singletons():
    labels = {i: "a" if i < 60 else "b" for i in range(100)}
    groups = [list(range(0, 10)), list(range(60, 65))] + [[i] for i in range(10, 60)]
    groups += [[i] for i in range(65, 100)]
    splits = assign_splits(groups, labels, (0.6, 0.2, 0.2), seed=3)
    assert len({splits[i] for i in range(10)}) == 1 and len({splits[i] for i in range(60, 65)}) == 1
    for name, total in (("a", 60), ("b", 40)):
        counts = [sum(1 for i, s in splits.items() if labels[i] == name and s == x) for x in
                  ("train", "val", "test")]  # fmt: skip
        assert [round(c / total, 2) for c in counts] == [0.6, 0.2, 0.2]


def test_a_zero_part_gets_no_images():
    labels = {i: "a" for i in range(20)}
    splits = assign_splits([[i] for i in range(20)], labels, (0.75, 0.25, 0.0))
    assert sorted(set(splits.values())) == ["train", "val"]
    assert sum(1 for s in splits.values() if s == "val") == 5


def test_hash_candidates_find_every_pair_a_few_bits_apart():
    rng = np.random.default_rng(0)
    hashes = rng.integers(-(2**63), 2**63 - 1, size=3000, dtype=np.int64)
    for i in range(0, 400, 2):  # a near copy 0-4 bits away from its original
        flip = rng.choice(64, size=int(rng.integers(0, 5)), replace=False)
        value = int(hashes[i]) & (2**64 - 1)
        for bit in flip:
            value ^= 1 << int(bit)
        hashes[i + 1] = np.uint64(value).astype(np.int64)
    found = {(a, b) for a, b, _ in hash_candidates(hashes).tolist()}
    unsigned = hashes.view(np.uint64)
    truth = {
        (i, j)
        for i in range(0, 402)
        for j in range(i + 1, len(hashes))
        if int(unsigned[i] ^ unsigned[j]).bit_count() <= 4
    }
    assert truth <= found and all(a < b for a, b in found)
    assert len(found) == len(truth)  # random hashes are 32 bits apart: nothing else


@pytest.mark.parametrize(
    "text, expected",
    [("80/10/10", (0.8, 0.1, 0.1)), ("90/10", (0.9, 0.1, 0.0)), ("0.7/0.2/0.1", (0.7, 0.2, 0.1))],
)
def test_ratios_are_read(text, expected):
    assert parse_ratios(text) == pytest.approx(expected)


@pytest.mark.parametrize(
    "text, why", [("80/10", "add up to 90"), ("a/b/c", "percentages"), ("0/50/50", "train")]
)
def test_bad_ratios_are_refused(text, why):
    with pytest.raises(LabelDeskError, match=why):
        parse_ratios(text)


def test_embedding_groups_join_copies_the_hash_search_cannot_see(tmp_path, monkeypatch):
    """With embeddings, the duplicate finder's near groups are used as well (here two
    images the perceptual hash alone would not join)."""
    from labeldesk.ml import duplicates
    from labeldesk.ml.duplicate_group import DuplicateGroup

    root = tmp_path / "images"
    for i in range(12):
        smooth_image(root / CLASSES[i % 3] / f"x{i}.png", seed=500 + i)
    project, _ = create_and_index(tmp_path / "proj", root, workers=1)
    with project:
        labels, ids = _labels(project)
        pair = ["ant/x0.png", "bee/x4.png"]

        def fake_find(project, **kwargs):
            return [DuplicateGroup("near", pair, ["ant", "bee"], [None, None], 0.9)]

        monkeypatch.setattr(duplicates, "find_duplicates", fake_find)
        groups, kinds = duplicate_groups(project, list(labels))
        assert sorted(ids[p] for p in pair) in [sorted(g) for g in groups]
        assert kinds == {"near (embeddings)": 1}
