"""What a fine-tune will do, said before it starts.

On a CPU a fine-tune takes minutes to hours, and it ends by embedding every image again,
which changes what the project shows: without this, the terminal's first bar counted only
the training steps, and the re-embedding (and what it changes) came as a surprise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from labeldesk.core.display import counted
from labeldesk.core.image_frame import image_frame
from labeldesk.core.vocab import EXCLUDED, known_class_codes

from .metrics import evaluation_split

if TYPE_CHECKING:
    from labeldesk.core.project import Project

    from .finetune import FinetuneParams


@dataclass(frozen=True)
class FinetunePlan:
    epochs: int
    train_images: int  # labeled train images it learns from
    batch_size: int
    evaluate_images: int  # checked after each epoch
    evaluate_name: str  # "val" or "holdout"
    reembed_images: int  # embedded again afterwards (0: --no-reembed)
    device: str  # "cpu", "cuda", … ("auto": not known here)

    @property
    def steps(self) -> int:
        return self.epochs * -(-self.train_images // self.batch_size)

    def text(self) -> str:
        on = "" if self.device == "auto" else f" on the {self.device.upper()}"
        held = "held out of train" if self.evaluate_name == "holdout" else "val"
        parts = [
            f"fine-tuning: {counted(self.epochs, 'epoch')} over "
            f"{counted(self.train_images, 'labeled train image')} ({self.steps:,} steps of "
            f"{self.batch_size}){on}, each epoch checked on "
            f"{counted(self.evaluate_images, 'image')} {held}"
        ]
        if self.reembed_images:
            parts.append(
                f"then all {counted(self.reembed_images, 'image')} are embedded again with "
                "the tuned model; once they all are, the project uses those embeddings "
                "(flags and predictions are computed again, and heads trained before "
                "stop predicting until one is trained on them)"
            )
        if self.device == "cpu":
            parts.append("without a GPU this is slow: the bar gives the time left")
        return "; ".join(parts)


def plan_finetune(
    project: Project, params: FinetuneParams, *, device: str = "auto", reembed: bool = True
) -> FinetunePlan:
    """The images a fine-tune with ``params`` would train on, check on and re-embed, as
    :func:`labeldesk.ml.finetune.finetune` chooses them."""
    frame = image_frame(project, include_skipped=False)
    images = len(frame)
    frame = frame[frame.status.ne(EXCLUDED)]
    labels = known_class_codes(frame.label, frame.attrs["classes"], frame.path.tolist())
    splits = [s if isinstance(s, str) else None for s in frame.split]
    split = evaluation_split(labels, splits, np.ones(len(frame), bool), params.seed)
    return FinetunePlan(
        epochs=params.epochs,
        train_images=len(split.train),
        batch_size=params.batch_size,
        evaluate_images=len(split.evaluate),
        evaluate_name=split.evaluate_name,
        reembed_images=images if reembed else 0,
        device=device,
    )
