"""What one labeling batch changed, by kind: how many images got another label, split or
review status. A label file may change only statuses or splits (an export read back),
and "5 label(s) applied" would then say what did not happen."""

from __future__ import annotations

from dataclasses import dataclass

from .db import Database
from .display import counted


@dataclass(frozen=True)
class BatchCounts:
    images: int = 0
    labels: int = 0
    splits: int = 0
    statuses: int = 0  # given or cleared (a relabel clearing "verified" is not counted)

    def by_kind(self) -> dict[str, int]:
        """For ``--json``: how many images got another label, split or status."""
        return {"labels": self.labels, "splits": self.splits, "statuses": self.statuses}

    def describe(self) -> str:
        """``"3 label(s) applied"`` when only labels changed, else what changed on how
        many images: ``"5 image(s) changed: 3 labels, 2 statuses"``."""
        if self.images == self.labels and not (self.splits or self.statuses):
            return f"{counted(self.labels, 'label')} applied"
        kinds = (
            (self.labels, "label", "labels"),
            (self.splits, "split", "splits"),
            (self.statuses, "review status", "review statuses"),
        )
        parts = [f"{n:,} {one if n == 1 else many}" for n, one, many in kinds if n]
        return f"{counted(self.images, 'image')} changed: {', '.join(parts)}"


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
        "AND (new_status IS NOT NULL OR old_label IS new_label)), 0) "
        "FROM label_events WHERE batch_id = ?",
        (batch_id,),
    )[0]
    return BatchCounts(int(row[0]), int(row[1]), int(row[2]), int(row[3]))
