"""What the detail panel says in words: the Model and Label fit lines, the notes on a
file changed or gone since the last scan, a file's size and a line of label history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from labeldesk.browse.image_records import Insight
from labeldesk.core.display import format_score, model_opinion
from labeldesk.core.labels import LabelEvent
from labeldesk.gui.app_words import NO_LABEL

CHANGED_ON_DISK = (
    "⚠ This file changed on disk since the last scan (edited, replaced, moved or deleted): "
    "what you see here may not be what a label goes to. Rescan (File → Rescan folder, F5) "
    "before labeling it."
)
# A scan (this window's, or one in a terminal not read yet) found the image's file gone:
# a key on it writes nothing, and its old path may hold another file by now.
NO_LONGER_IN_PROJECT = "This image is no longer in the project"
GONE_NOTE = (
    "⚠ This image is no longer in the project: a scan found its file gone (deleted, or "
    "moved out of the image folder). Keys do nothing to it; it leaves the list once the "
    "scan is read."
)


def describe_insight(
    insight: Insight | None,
    label: str | None,
    opinion: str = "",
    skipped: bool = False,
    scoring: bool = False,
    read_only: bool = False,
    embedding: bool = False,
    stopped: bool = False,
) -> tuple[str, str]:
    """The "Model" line (``opinion``, see :meth:`ImageCatalog.opinion`) and the "Label
    fit" line for one image (``skipped``: a file that is not a usable image; ``scoring``:
    new scores are on their way, as for an image just added, whose embedding the drift
    check or the app's embedding after a rescan stored, or for the images a Compute
    embeddings run just embedded; ``stopped``: that run stopped part-way (cancelled, or
    failed), so this image may not be among them; ``embedding``: Compute embeddings
    runs, as after a new project's indexing)."""
    if skipped:
        return "none: the file is not a usable image", "–"
    if insight is None and scoring and stopped:
        return (
            "being scored if the run embedded it before it stopped: the model's view "
            "shows here in a moment",
            "–",
        )
    if insight is None and scoring:
        return "being scored: the model's view of it shows here in a moment", "–"
    if insight is None and embedding:  # not "run Compute embeddings": it runs
        return "not computed yet: the images are being embedded (the bar below)", "–"
    if insight is None and read_only:  # Compute embeddings is greyed out there
        return "not computed: the project is read-only, so its images cannot be embedded here", "–"
    if insight is None:
        return (
            "not computed yet: the model scores images once they are embedded "
            "(Tools → Compute embeddings, Ctrl+E)",
            "–",
        )
    if insight.guess is None and insight.predicted is None:
        return "no prediction yet: label a few images of each class", "–"
    model = opinion.removeprefix("Model: ") or "–"
    if label is None or insight.issue_score != insight.issue_score:  # NaN: not scored
        return model, "–"
    fit = format_score(insight.issue_score)
    return model, (f"{fit} · flagged as likely mislabeled" if insight.flagged else fit)


def model_room(classes: Sequence[str]) -> list[str]:
    """The longest verdicts the Model line may say with these classes (the two longest
    names, each way round), as :func:`~labeldesk.core.display.model_opinion` words them.

    >>> model_room(["ant", "bee"])[0]
    'almost surely ant (>99%) — label bee looks wrong'
    """
    longest = sorted(classes, key=len, reverse=True)[:2]
    if len(longest) < 2:
        return []
    first, second = longest
    return [
        model_opinion(guess, 0.999, label, **verdict).removeprefix("Model: ")
        for guess, label in ((first, second), (second, first))
        for verdict in ({"flagged": True}, {"verified": True}, {})
    ]


def format_bytes(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"


def describe_event(event: LabelEvent) -> str:
    """One history line: when, what changed, who/what did it."""
    when = dt.datetime.fromtimestamp(event.created_at).strftime("%Y-%m-%d %H:%M")
    parts = []
    if event.old_label != event.new_label:
        parts.append(f"{event.old_label or NO_LABEL} → {event.new_label or NO_LABEL}")
    if event.old_status != event.new_status:
        parts.append(f"{event.old_status or 'unreviewed'} → {event.new_status or 'unreviewed'}")
    source = event.shown_source  # "redo" for a redo's batch, as `labeldesk history` says
    who = f"{event.author}, {source}" if event.author else source
    return f"{when}  {'; '.join(parts) or 'no change'}  ({who})"
