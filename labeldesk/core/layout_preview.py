"""What a folder holds, before anything is indexed: classes with counts, splits, and the
unlabeled pool, read from the folder names alone (no image is opened).

The new-project form shows it so a person sees at once whether the folder is the one
they meant ("10 classes, train 2,400 · val 600, 50 unlabeled") instead of finding out
after indexing. It lists file names only, like the scan's first phase, so even a large
tree is counted in a few seconds; it runs off the GUI thread and can be cancelled.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .display import counted
from .errors import Cancelled
from .layout import placement
from .progress import CancelToken
from .walk import walk_images

NO_SPLIT = ""  # images outside train/ val/ test/ folders


@dataclass(frozen=True)
class LayoutPreview:
    images: int
    classes: dict[str, int]  # class -> images, largest first, equal counts by name
    splits: dict[str, int]  # "train"/"val"/"test"/NO_SPLIT -> images
    unlabeled: int
    unusable: int = 0  # names the scan would skip (links outside, bad names)
    per_split: dict[str, dict[str, int]] = field(default_factory=dict)  # split -> class -> n

    def summary(self, max_classes: int = 8) -> list[str]:
        """Lines for the form: totals, splits, then the largest classes."""
        if not self.images:
            return ["No images found in this folder"]
        lines = [
            f"Found {self.images:,} {'image' if self.images == 1 else 'images'}: "
            f"{len(self.classes):,} "
            f"{'class' if len(self.classes) == 1 else 'classes'}, "
            f"{self.unlabeled:,} unlabeled"
        ]
        named = {s: n for s, n in self.splits.items() if s != NO_SPLIT}
        if named:
            parts = [f"{s} {n:,}" for s, n in sorted(named.items(), key=_split_order)]
            if self.splits.get(NO_SPLIT):
                parts.append(f"no split {self.splits[NO_SPLIT]:,}")
            lines.append("Splits: " + " · ".join(parts))
        if self.classes:
            shown = list(self.classes.items())[:max_classes]
            text = ", ".join(f"{name} {n:,}" for name, n in shown)
            more = len(self.classes) - len(shown)
            lines.append(f"Classes: {text}" + (f", … {more} more" if more else ""))
        if self.unusable:
            lines.append(f"{counted(self.unusable, 'file')} will be skipped (see Statistics after)")
        return lines


def _split_order(item: tuple[str, int]) -> int:
    order = ("train", "val", "test")
    return order.index(item[0]) if item[0] in order else len(order)


def preview_layout(root: Path | str, *, cancel: CancelToken | None = None) -> LayoutPreview:
    """Count ``root``'s candidate images by class and split, from their paths."""
    root = Path(root)
    listing = walk_images(root)
    if cancel is not None and cancel.cancelled:
        raise Cancelled("preview cancelled")
    classes: Counter[str] = Counter()
    splits: Counter[str] = Counter()
    per_split: dict[str, Counter[str]] = {}
    unlabeled = 0
    for rel in listing.files:
        place = placement(rel)
        split = place.split or NO_SPLIT
        splits[split] += 1
        if place.label is None:
            unlabeled += 1
            continue
        classes[place.label] += 1
        per_split.setdefault(split, Counter())[place.label] += 1
    return LayoutPreview(
        images=len(listing.files),
        # largest first, then by name: ties (ten classes of 40) came in the order the
        # disk listed the folders, and which ones hid behind "… 2 more" was chance
        classes=dict(sorted(classes.items(), key=lambda item: (-item[1], item[0]))),
        splits=dict(splits),
        unlabeled=unlabeled,
        unusable=len(listing.problems),
        per_split={s: dict(c) for s, c in per_split.items()},
    )
