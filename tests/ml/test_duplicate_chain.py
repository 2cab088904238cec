"""A near-duplicate group is joined transitively (A like B, B like C), so its ends can be
different pictures: frames of a slow pan. "Keep only this" excluded every other image of
the group, the far frames too, though the duplicate rule itself says they are no copies;
and excluding the middle frame left the ends counted as a leak."""

from __future__ import annotations

import numpy as np
from helpers import write_image
from PIL import Image

from labeldesk.browse.duplicate_groups import build_groups, keep_only, summary
from labeldesk.core.create import create_and_index
from labeldesk.ml.duplicate_group import DuplicateGroup
from labeldesk.ml.duplicates import find_duplicates
from ml.fake_embeddings import store_near_copies

DIM = 16
# A blob moving right a little per frame: neighbouring frames pass every check of the
# duplicate rule (hash bits, pixels), frames further apart do not.
FRAMES = {
    "train/ant/f0.png": 0.0,
    "val/ant/f1.png": 0.012,
    "test/ant/f2.png": 0.034,
    "train/ant/f3.png": 0.052,
}


def _frame(shift: float) -> Image.Image:
    x = np.linspace(0, 1, 128)
    xx, yy = np.meshgrid(x, x)
    blob = np.exp(-((xx - 0.3 - shift) ** 2 + (yy - 0.5) ** 2) / 0.02)
    return Image.fromarray((40 + 180 * blob).astype(np.uint8)).convert("RGB")


def _pan_project(tmp_path):
    root = tmp_path / "images"
    for rel, shift in FRAMES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        _frame(shift).save(root / rel)
    for i in range(12):
        write_image(root / f"train/bee/o{i}.png", size=(32, 32), fmt="PNG", seed=100 + i)
    project, _ = create_and_index(tmp_path / "proj", root, workers=1)
    store_near_copies(project, lambda p: p in FRAMES, 0.05, "c", DIM)
    return project


def test_keeping_one_frame_of_a_pan_excludes_its_copies_only(tmp_path):
    project = _pan_project(tmp_path)
    with project:
        found = find_duplicates(project)
        assert [sorted(g.paths) for g in found] == [sorted(FRAMES)]  # joined transitively
        group = build_groups(project, found)[0]
        first = next(m for m in group.members if m.path == "train/ant/f0.png")
        assert keep_only(group, first) == ["val/ant/f1.png"]  # f2, f3: other pictures
        project.set_status(keep_only(group, first), "excluded")
        found = find_duplicates(project)
        assert found[0].leaks  # f2 (test) and f3 (train) are copies still in use
        group = build_groups(project, found)[0]
        assert summary([group]) == {"exact": 0, "near": 1, "leaking": 1, "images": 2}
        third = next(m for m in group.members if m.path == "test/ant/f2.png")
        assert keep_only(group, third) == ["train/ant/f3.png"]
        project.set_status(keep_only(group, third), "excluded")
        # f0 (train) and f2 (test) are both in use, but they are no copies of each other
        (after,) = find_duplicates(project)
        assert after.resolved and not after.leaks
        assert not build_groups(project, [after])[0].is_open


def test_a_group_without_links_is_one_picture():
    """Groups made without hashes (older callers) keep the rule of one picture."""
    group = DuplicateGroup(
        "near", ["a", "b", "c"], ["x", "y", None], ["train", "test", None], 0.9,
        statuses=[None, None, "excluded"],
    )  # fmt: skip
    assert group.leaks and group.conflicting_labels and not group.resolved
    group.statuses = [None, "excluded", "excluded"]
    assert group.resolved and not group.leaks
