"""A small review pass over the tests' image folder, for the review-session tests."""

from __future__ import annotations

from labeldesk.browse.review_session import ReviewItem, ReviewSession

CAT0, CAT1, CAT2 = (f"train/cat/cat{i}.jpg" for i in range(3))


def issues(project, *paths: str) -> ReviewSession:
    """An issues pass over ``paths`` (each labeled cat, dog suggested)."""
    items = [ReviewItem(p, "cat", "dog", 0.1 * n) for n, p in enumerate(paths)]
    return ReviewSession(project, "issues", items)


def label_of(project, path: str) -> str | None:
    value = project.images().set_index("path").label[path]
    return value if isinstance(value, str) else None
