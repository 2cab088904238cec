"""What the read-back tests compare of a project: each image's label and split (None
where it has none), by path or, after an export that copies, by content hash."""

from __future__ import annotations

Labels = dict[str, tuple[str | None, str | None]]


def _pairs(keys, labels, splits) -> Labels:
    return {
        k: (lab if isinstance(lab, str) else None, s if isinstance(s, str) else None)
        for k, lab, s in zip(keys, labels, splits, strict=True)
    }


def labels_of(project, paths: list[str]) -> Labels:
    """(label, split) of each image of ``paths``."""
    frame = project.images()
    found = _pairs(frame.path, frame.label, frame.split)
    return {p: found[p] for p in paths}


def by_content(project) -> Labels:
    """(label, split) of every usable image, keyed by content hash (an export copies)."""
    frame = project.images(include_skipped=False)
    return _pairs(frame.hash, frame.label, frame.split)
