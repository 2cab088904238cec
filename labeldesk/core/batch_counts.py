"""What one labeling batch changed, by kind: how many images got another label, split or
review status. A label file may change only statuses or splits (an export read back),
and "5 label(s) applied" would then say what did not happen. Labels a file removes (a
label cell of only spaces means unlabeled) are counted apart: one stray space in a
spreadsheet would otherwise take a label away unseen."""

from __future__ import annotations

from dataclasses import dataclass, field

from .db import Database
from .display import counted


@dataclass(frozen=True)
class BatchCounts:
    images: int = 0
    labels: int = 0
    splits: int = 0
    statuses: int = 0  # given or cleared (a relabel clearing "verified" is not counted)
    removed: int = 0  # of ``labels``: labeled images left unlabeled (an empty label)
    # the batch counted (what `labeldesk undo` takes back); not compared: what a form said
    # would change equals what the batch then changed
    batch: int | None = field(default=None, compare=False)

    def by_kind(self) -> dict[str, int]:
        """For ``--json``: how many images got another label (``labels_removed`` of them
        none), split or status."""
        return {
            "labels": self.labels,
            "labels_removed": self.removed,
            "splits": self.splits,
            "statuses": self.statuses,
        }

    def describe(self) -> str:
        """``"3 label(s) applied"`` when only labels changed, else what changed on how
        many images: ``"5 image(s) changed: 3 labels, 2 statuses"``; labels removed are
        said apart: ``"2 labels applied, 1 label removed (rows with an empty label)"``."""
        removed = f"{counted(self.removed, 'label')} removed {REMOVED_WHY}" if self.removed else ""
        given = self.labels - self.removed
        if self.images == self.labels and not (self.splits or self.statuses):
            applied = f"{counted(given, 'label')} applied" if given or not removed else ""
            return ", ".join(part for part in (applied, removed) if part)
        kinds = (
            (given, "label", "labels"),
            (self.splits, "split", "splits"),
            (self.statuses, "review status", "review statuses"),
        )
        parts = [f"{n:,} {one if n == 1 else many}" for n, one, many in kinds if n]
        if removed:
            parts.insert(1 if given else 0, removed)
        return f"{counted(self.images, 'image')} changed: {', '.join(parts)}"


REMOVED_WHY = "(rows with an empty label)"


def batch_counts(db: Database, batch_id: int | None) -> BatchCounts:
    """What batch ``batch_id`` changed (nothing for None: no batch is written for a
    write that changes nothing)."""
    if batch_id is None:
        return BatchCounts()
    row = db.query(
        "SELECT COUNT(DISTINCT image_id), "
        "COALESCE(SUM(old_label IS NOT new_label), 0), "
        "COALESCE(SUM(old_split IS NOT new_split), 0), "
        "COALESCE(SUM(old_status IS NOT new_status "
        "AND (new_status IS NOT NULL OR old_label IS new_label)), 0), "
        "COALESCE(SUM(old_label IS NOT NULL AND new_label IS NULL), 0) "
        "FROM label_events WHERE batch_id = ?",
        (batch_id,),
    )[0]
    images, labels, splits, statuses, removed = (int(n) for n in row)
    return BatchCounts(images, labels, splits, statuses, removed, batch=batch_id)
