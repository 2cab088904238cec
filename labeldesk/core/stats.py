"""Dataset statistics for ``labeldesk stats`` and the GUI's statistics view."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from .classes import class_names
from .vocab import EFFECTIVE_SPLIT, EXCLUDED, SPLITS, VERIFIED

if TYPE_CHECKING:
    from .interfaces import ImageTable


def skip_category(reason: str) -> str:
    """Group reasons like 'truncated file (…details…)' under 'truncated file'."""
    return re.split(r" \(|: ", reason, maxsplit=1)[0]


def project_stats(project: ImageTable) -> dict[str, Any]:
    """Counts per class, split, status, skip reason and format, and the image sizes.

    Computed with SQL aggregates in one read transaction rather than from the whole
    per-image table: `labeldesk stats` on 1M images then reads a few hundred grouped
    rows instead of a million (~0.6 s instead of ~8 s)."""
    with project.db.reading() as conn:
        classes = class_names(conn)
        groups = conn.execute(
            f"SELECT label, {EFFECTIVE_SPLIT} AS split, status, COUNT(*) FROM images "
            f"WHERE {_USABLE} GROUP BY 1, 2, 3"
        ).fetchall()
        reasons = conn.execute(
            "SELECT skip_reason, COUNT(*) FROM images "
            "WHERE removed_at IS NULL AND skip_reason IS NOT NULL GROUP BY 1"
        ).fetchall()
        formats = conn.execute(
            f"SELECT format, COUNT(*) FROM images WHERE {_USABLE} AND format IS NOT NULL "
            "GROUP BY 1 ORDER BY 2 DESC, 1"
        ).fetchall()
        sizes = {
            column: conn.execute(
                f"SELECT {column}, COUNT(*) FROM images WHERE {_USABLE} GROUP BY 1"
            ).fetchall()
            for column in ("width", "height", "size")
        }
    per_class: dict[str, dict[str, int]] = {
        name: {"total": 0, **dict.fromkeys(SPLITS, 0)} for name in classes
    }
    usable = labeled = excluded = verified = 0
    splits = {**dict.fromkeys(SPLITS, 0), "none": 0}
    for label, split, status, count in groups:
        usable += count
        excluded += count if status == EXCLUDED else 0
        verified += count if status == VERIFIED else 0
        if split in SPLITS or split is None:
            splits[split or "none"] += count
        if label is None:
            continue
        labeled += count
        if status != EXCLUDED and label in per_class:
            per_class[label]["total"] += count
            if split in SPLITS:
                per_class[label][split] += count
    nonzero = [c["total"] for c in per_class.values() if c["total"]]
    by_reason: dict[str, int] = {}
    for reason, count in reasons:
        category = skip_category(reason)
        by_reason[category] = by_reason.get(category, 0) + count
    return {
        "root": str(project.root),
        "images": usable,
        "labeled": labeled,
        "unlabeled": usable - labeled,
        EXCLUDED: excluded,
        VERIFIED: verified,
        "classes": per_class,
        "empty_classes": [name for name, c in per_class.items() if not c["total"]],
        "splits": splits,
        "imbalance_ratio": (max(nonzero) / min(nonzero)) if nonzero else None,
        "skipped": sum(by_reason.values()),
        "skipped_by_reason": dict(sorted(by_reason.items(), key=lambda kv: -kv[1])),
        "formats": {name: int(count) for name, count in formats},
        "image_size": _size_summary(usable, sizes),
    }


_USABLE = "removed_at IS NULL AND skip_reason IS NULL"


def _size_summary(usable: int, sizes: dict[str, list[Any]]) -> dict[str, Any]:
    """min, median and max of each column from its (value, count) groups."""
    if not usable:
        return {}

    def summary(groups: list[Any]) -> dict[str, float]:
        known = sorted((v, c) for v, c in groups if v is not None)
        if not known:
            nan = float("nan")
            return {"min": nan, "median": nan, "max": nan}
        return {"min": int(known[0][0]), "median": _median(known), "max": int(known[-1][0])}

    out = {"width": summary(sizes["width"]), "height": summary(sizes["height"])}
    total = sum(int(v) * c for v, c in sizes["size"] if v is not None)
    return {**out, "bytes": {**summary(sizes["size"]), "total": total}}


def _median(known: list[tuple[int, int]]) -> float:
    """The median of sorted (value, count) groups, as pandas computes it."""
    n = sum(c for _, c in known)
    wanted = [(n - 1) // 2, n // 2]  # the middle one, or the two middle ones
    found: list[float] = []
    seen = 0
    for value, count in known:
        while wanted and wanted[0] < seen + count:
            found.append(float(value))
            wanted.pop(0)
        seen += count
    return sum(found) / len(found)


def index_summary(project: ImageTable) -> dict[str, Any]:
    """The state after a scan, in the shape of the ``new``/``scan`` JSON contract.

    Counted in SQL: only the skipped files are listed row by row (an unchanged re-scan of
    1M images would otherwise read every row again just to count them)."""
    with project.db.reading() as conn:
        classes = dict.fromkeys(class_names(conn), 0)
        counts = conn.execute(
            f"SELECT label, COUNT(*) FROM images WHERE {_USABLE} GROUP BY label ORDER BY label"
        ).fetchall()
        skipped = conn.execute(
            "SELECT path, skip_reason FROM images "
            "WHERE removed_at IS NULL AND skip_reason IS NOT NULL ORDER BY path"
        ).fetchall()
    images = 0
    for label, count in counts:
        images += count
        if label is not None:
            classes[label] = classes.get(label, 0) + count
    return {
        "images": images,
        "labeled": sum(classes.values()),
        "classes": classes,
        "skipped": [{"path": path, "reason": reason} for path, reason in skipped],
    }
