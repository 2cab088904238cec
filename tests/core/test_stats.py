"""`labeldesk stats` counts with SQL aggregates (fast at 1M images): the figures must be
the ones the per-image table gives, on a project with every kind of row."""

from __future__ import annotations

import re

import pandas as pd
from helpers import make_imagefolder, make_messy_folder, write_image

from labeldesk.core.create import create_and_index
from labeldesk.core.stats import class_totals, index_summary, project_stats
from labeldesk.core.vocab import EXCLUDED, SPLITS, VERIFIED


def reference_stats(project) -> dict:
    """The figures computed from ``project.images()`` with pandas (how stats used to be
    computed), to compare the SQL version with."""
    frame = project.images()
    usable = frame[frame.skip_reason.isna()]
    skipped = frame[frame.skip_reason.notna()]
    labeled = usable[usable.label.notna()]
    in_use = labeled[labeled.status.ne(EXCLUDED)]
    per_class = {}
    for name in project.classes():
        rows = in_use[in_use.label == name]
        per_class[name] = {"total": len(rows), **{s: int((rows.split == s).sum()) for s in SPLITS}}
    category = skipped.skip_reason.map(lambda r: re.split(r" \(|: ", r, maxsplit=1)[0])

    def summary(column: pd.Series) -> dict:
        return {
            "min": int(column.min()),
            "median": float(column.median()),
            "max": int(column.max()),
        }

    return {
        "images": len(usable),
        "labeled": len(labeled),
        EXCLUDED: int(usable.status.eq(EXCLUDED).sum()),
        VERIFIED: int(usable.status.eq(VERIFIED).sum()),
        "classes": per_class,
        "splits": {
            **{s: int((usable.split == s).sum()) for s in SPLITS},
            "none": int(usable.split.isna().sum()),
        },
        "skipped_by_reason": {k: int(v) for k, v in category.value_counts().items()},
        "formats": {k: int(v) for k, v in usable.format.value_counts().items()},
        "image_size": {
            "width": summary(usable.width),
            "height": summary(usable.height),
            "bytes": {**summary(usable["size"]), "total": int(usable["size"].sum())},
        },
    }


def test_stats_match_the_per_image_table(tmp_path):
    root = tmp_path / "images"
    make_imagefolder(root)
    make_messy_folder(root / "train" / "messy")  # odd formats and sizes, skipped files
    for i in range(3):  # an even count of usable images somewhere: medians of two values
        write_image(root / "_unlabeled" / f"wide{i}.png", size=(90 + i, 30), fmt="PNG", seed=50 + i)
    project, _ = create_and_index(tmp_path / "p", root, workers=1)
    with project:
        frame = project.images(include_skipped=False)
        paths = list(frame.path)
        project.set_status(paths[:3], EXCLUDED)
        project.set_status(paths[3:5], VERIFIED)
        project.set_splits({paths[5]: None, paths[6]: "test"})
        project.set_labels({paths[7]: None, paths[-1]: "cat"})  # unlabeled and labeled
        project.add_classes(["unused"])  # a class no image has
        project.set_status([paths[-1]], EXCLUDED)  # a labeled image no class counts
        stats, expected = project_stats(project), reference_stats(project)
        listed = class_totals(project)  # what `labeldesk classes` lists
    # (excluded images and skipped files left out, as the per-image table counts them)
    assert listed == {name: c["total"] for name, c in expected["classes"].items()}
    assert listed["unused"] == 0
    assert stats["skipped"] > 0 and stats[EXCLUDED] == 4 and stats[VERIFIED] == 2
    for key, value in expected.items():
        assert stats[key] == value, key
    assert stats["unlabeled"] == expected["images"] - expected["labeled"]
    totals = [c["total"] for c in expected["classes"].values() if c["total"]]
    assert stats["imbalance_ratio"] == max(totals) / min(totals)
    assert list(stats["skipped_by_reason"].values()) == sorted(
        stats["skipped_by_reason"].values(), reverse=True
    )


def test_stats_of_an_empty_project(tmp_path):
    (tmp_path / "images").mkdir()
    project, _ = create_and_index(tmp_path / "p", tmp_path / "images", classes=["a"], workers=1)
    with project:
        stats = project_stats(project)
        assert class_totals(project) == {"a": 0}
    assert stats["images"] == 0 and stats["image_size"] == {} and stats["imbalance_ratio"] is None
    assert stats["classes"] == {"a": {"total": 0, "train": 0, "val": 0, "test": 0}}
    assert stats["empty_classes"] == ["a"]


def test_scan_summary_counts_classes_as_stats_does(tmp_path):
    """`new`/`scan --json` and `stats` agree: an excluded image is labeled, but no class
    counts it (it is left out of training and export)."""
    root = tmp_path / "images"
    for i, rel in enumerate(["cat/1.png", "cat/2.png", "dog/3.png"]):
        write_image(root / rel, fmt="PNG", seed=i)
    project, _ = create_and_index(tmp_path / "p", root, workers=1)
    with project:
        project.set_status(["cat/1.png"], EXCLUDED)
        summary, stats = index_summary(project), project_stats(project)
    assert summary["classes"] == {"cat": 1, "dog": 1}
    assert summary["classes"] == {name: c["total"] for name, c in stats["classes"].items()}
    assert summary["labeled"] == stats["labeled"] == 3
