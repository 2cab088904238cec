"""Dataset statistics for ``labeldesk stats`` and the GUI's statistics view."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from .vocab import EXCLUDED, SPLITS, VERIFIED

if TYPE_CHECKING:
    from .interfaces import ImageTable


def skip_category(reason: str) -> str:
    """Group reasons like 'truncated file (…details…)' under 'truncated file'."""
    return re.split(r" \(|: ", reason, maxsplit=1)[0]


def project_stats(project: ImageTable) -> dict[str, Any]:
    frame = project.images()
    usable = frame[frame.skip_reason.isna()]
    skipped = frame[frame.skip_reason.notna()]
    labeled = usable[usable.label.notna()]
    in_use = labeled[labeled.status.ne(EXCLUDED)]
    classes = project.classes()
    per_class: dict[str, dict[str, int]] = {}
    for name in classes:
        rows = in_use[in_use.label == name]
        per_class[name] = {"total": len(rows), **{s: int((rows.split == s).sum()) for s in SPLITS}}
    counts = [c["total"] for c in per_class.values()]
    nonzero = [c for c in counts if c]
    imbalance = (max(nonzero) / min(nonzero)) if nonzero else None
    return {
        "root": str(project.root),
        "images": len(usable),
        "labeled": len(labeled),
        "unlabeled": len(usable) - len(labeled),
        EXCLUDED: int(usable.status.eq(EXCLUDED).sum()),
        VERIFIED: int(usable.status.eq(VERIFIED).sum()),
        "classes": per_class,
        "empty_classes": [name for name, c in per_class.items() if not c["total"]],
        "splits": {
            **{s: int((usable.split == s).sum()) for s in SPLITS},
            "none": int(usable.split.isna().sum()),
        },
        "imbalance_ratio": imbalance,
        "skipped": len(skipped),
        "skipped_by_reason": {
            k: int(v) for k, v in skipped.skip_reason.map(skip_category).value_counts().items()
        },
        "formats": {k: int(v) for k, v in usable.format.value_counts().items()},
        "image_size": _size_summary(usable),
    }


def _size_summary(usable: Any) -> dict[str, Any]:
    if usable.empty:
        return {}

    def summary(column: Any) -> dict[str, float]:
        return {
            "min": int(column.min()),
            "median": float(column.median()),
            "max": int(column.max()),
        }

    return {
        "width": summary(usable.width),
        "height": summary(usable.height),
        "bytes": {**summary(usable["size"]), "total": int(usable["size"].sum())},
    }


def index_summary(project: ImageTable) -> dict[str, Any]:
    """The state after a scan, in the shape of the ``new``/``scan`` JSON contract."""
    rows = project.db.query(
        "SELECT path, label, skip_reason FROM images WHERE removed_at IS NULL ORDER BY path"
    )
    usable = [r for r in rows if r["skip_reason"] is None]
    classes = dict.fromkeys(project.classes(), 0)
    for r in usable:
        if r["label"] is not None:
            classes[r["label"]] = classes.get(r["label"], 0) + 1
    return {
        "images": len(usable),
        "labeled": sum(classes.values()),
        "classes": classes,
        "skipped": [
            {"path": r["path"], "reason": r["skip_reason"]} for r in rows if r["skip_reason"]
        ],
    }
