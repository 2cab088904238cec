"""How many labels are flagged as likely wrong before and after a fine-tune re-embeds
the project: the flags are computed again from the new embeddings, and their number can
move either way (features that tell the classes apart better find other mislabels, or
fewer close calls), which nothing said.

The count before comes only from the predictions' cache (what `issues` and the app showed
last, if nothing changed since: a read of one small file). Without one, nothing is said:
computing the old embeddings' predictions just for this would take as long as `issues`
does. The count after computes the new embeddings' predictions, which `issues`, `queue`
and the app would compute next anyway (they then read them from the cache).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from labeldesk.core.progress import Progress, ProgressCallback

from .issues import score_labels
from .predictions import cached_predictions, project_predictions

if TYPE_CHECKING:
    from labeldesk.core.project import Project

    from .models import ModelVersion

log = logging.getLogger(__name__)

COUNTING = "counting the likely mislabels again"  # the progress message


# Fewer flags is not fewer wrong labels: the backbone was tuned on the labels as they are,
# so its embeddings may place some wrong ones among the images of the class they claim.
FEWER = "fewer flags can also mean it learned some wrong labels: review them as before"


@dataclass(frozen=True)
class FlagChange:
    """Labels flagged for review (verified ones are never flagged), before and after."""

    before: int
    after: int

    def to_json(self) -> dict[str, int]:
        return {"before": self.before, "after": self.after}

    def text(self) -> str:
        """ "likely mislabels flagged: 12 before the fine-tune, 9 with its embeddings"."""
        if self.before == self.after:
            return f"likely mislabels flagged: {self.after:,} with the new embeddings, as before"
        text = (
            f"likely mislabels flagged: {self.before:,} before the fine-tune, "
            f"{self.after:,} with its embeddings"
        )
        if self.after < self.before:  # tuned on the labels, wrong ones included
            text += f" ({FEWER})"
        return text


def cached_flag_count(project: Project) -> int | None:
    """The number `issues` flags now when its predictions are cached, else None."""
    preds = cached_predictions(project)
    return None if preds is None else int(score_labels(preds).flagged.sum())


def flag_count(project: Project) -> int:
    """The number `issues` flags now (computing the predictions when not cached)."""
    return int(score_labels(project_predictions(project)).flagged.sum())


def count_again(
    project: Project, version: ModelVersion, before: int, progress: ProgressCallback
) -> FlagChange | None:
    """Once the project uses the embeddings of fine-tune ``version``, count the flags
    again and report them beside ``before`` as the ``"flags"`` of a progress report (the
    terminal and the app say it at the end); None when the project did not switch, or
    the count failed (warned: the run itself is whole, and does not fail for it)."""
    from .store import current_key

    if current_key(project) != version.embedding_key:
        return None  # not switched (images it could not read): the flags are as they were
    progress(Progress(0, 0, COUNTING))
    whole = f"fine-tuned model version {version.id} is saved and the project uses its embeddings"
    try:
        change = FlagChange(before, flag_count(project))
    except KeyboardInterrupt as exc:  # the run itself is whole: say so
        note = f"{whole}; only counting the likely mislabels again was interrupted"
        exc.__notes__ = [*getattr(exc, "__notes__", []), note]
        raise
    except Exception as exc:  # a disk the re-embedding filled, where the count is cached
        log.warning("%s; counting the likely mislabels again failed: %s", whole, exc)
        return None
    progress(Progress(0, 0, COUNTING, {"flags": change.to_json()}))
    return change
