"""What a fine-tune will do, said before it starts.

On a CPU a fine-tune takes minutes to hours, and it ends by embedding every image again,
which changes what the project shows: without this, the terminal's first bar counted only
the training steps, and the re-embedding (and what it changes) came as a surprise.
"""

from __future__ import annotations

from dataclasses import dataclass

from labeldesk.core.display import counted


@dataclass(frozen=True)
class FinetunePlan:
    """Made by :func:`labeldesk.ml.finetune.finetune` from the images it has just read,
    and reported as the ``"plan"`` of its first progress report (the terminal prints it
    above the bars; the app's Training page shows it under the run)."""

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
        where = {"cpu": "the CPU", "cuda": "the GPU", "mps": "the GPU (MPS)"}
        on = f" on {where[self.device]}" if self.device in where else ""
        held = "held out of train" if self.evaluate_name == "holdout" else "val"
        steps = f"{counted(self.steps, 'step')} of {self.batch_size}"
        parts = [
            f"fine-tuning: {counted(self.epochs, 'epoch')} over "
            f"{counted(self.train_images, 'labeled train image')} ({steps}){on}, "
            f"each epoch checked on {counted(self.evaluate_images, 'image')} {held}"
        ]
        if self.reembed_images:
            parts.append(
                f"then all {counted(self.reembed_images, 'image')} are embedded again with "
                "the tuned model; once they all are, the project uses those embeddings "
                "(flags and predictions are computed again, and heads trained before "
                "stop predicting until one is trained on them)"
            )
        if self.device == "cpu" and self.reembed_images:
            parts.append("without a GPU this is slow: the time left in all counts the re-embedding")
        elif self.device == "cpu":
            parts.append("without a GPU this is slow: the bar gives the time left")
        return "; ".join(parts)
