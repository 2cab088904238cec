"""The new-project form's preview: classes, splits and the unlabeled pool from names."""

from __future__ import annotations

from helpers import make_imagefolder

from labeldesk.core.create import create_and_index
from labeldesk.core.layout_preview import NO_SPLIT, preview_layout


def test_the_preview_counts_what_indexing_then_finds(tmp_path):
    root = tmp_path / "images"
    make_imagefolder(root)
    preview = preview_layout(root)
    project, _ = create_and_index(tmp_path / "p", root, workers=1)
    with project:
        stats = project.stats()
    assert preview.images == stats["images"]
    assert preview.unlabeled == stats["unlabeled"]
    assert preview.classes == {n: c["total"] for n, c in stats["classes"].items()}
    for split in ("train", "val"):
        assert sum(preview.per_split.get(split, {}).values()) == sum(
            c[split] for c in stats["classes"].values()
        )
    lines = preview.summary()
    assert lines[0].startswith(f"Found {preview.images:,} images")
    assert any(line.startswith("Splits: train") for line in lines)


def test_an_empty_folder_says_so_and_no_split_is_counted(tmp_path):
    assert preview_layout(tmp_path).summary() == ["No images found in this folder"]
    (tmp_path / "cat").mkdir()
    (tmp_path / "cat" / "a.png").write_bytes(b"x")
    preview = preview_layout(tmp_path)
    assert preview.splits == {NO_SPLIT: 1} and preview.classes == {"cat": 1}
    assert preview.summary()[0] == "Found 1 image: 1 class, 0 unlabeled"


def test_classes_of_equal_size_are_listed_by_name(tmp_path, monkeypatch):
    """Ten classes of 40 came in the disk's listing order ("shirt, sneaker, trouser,
    dress, …, 2 more"): which classes the form hid behind "… 2 more" was chance."""
    from labeldesk.core import layout_preview
    from labeldesk.core.walk import WalkResult

    listed = WalkResult()
    for name, n in [("shirt", 2), ("bag", 3), ("trouser", 2), ("coat", 2), ("ankle_boot", 2)]:
        for i in range(n):
            listed.files[f"train/{name}/{i}.png"] = (1, 0, 0)
    monkeypatch.setattr(layout_preview, "walk_images", lambda root: listed)
    preview = preview_layout(tmp_path)
    assert list(preview.classes) == ["bag", "ankle_boot", "coat", "shirt", "trouser"]
    assert preview.summary(max_classes=3)[-1] == "Classes: bag 3, ankle_boot 2, coat 2, … 2 more"
