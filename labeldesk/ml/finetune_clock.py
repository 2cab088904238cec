"""How long a whole fine-tune has left: its training steps, the checks that run the
model forward only (val after each epoch, val and test once at the end), and the
embedding of every image again that follows.

The bar of the training steps gives their own time left; on a CPU the re-embedding after
them takes about as long again, or longer, and nothing counted it. No embedding speed is
recorded anywhere, so it is estimated from what the run measures: the seconds an image
takes in the run's checks on val (the same model, forward only, as embedding runs it),
and before the first check, from the training's own pace: a training step runs the model
forward and back and updates it, about ``FORWARD_SPEEDUP`` times the time of running it
forward. Either way it is a rough guess (embedding reads the small thumbnails and on a
CPU runs OpenVINO, usually faster than the checks), and reported as one until the
re-embedding starts and its own bar gives its time left.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

# A training step's time per image over a forward pass's, before a check has measured
# one: the backward pass of the blocks that learn and the update cost about as much again
# as the forward pass (less with frozen blocks, more when all of them learn).
FORWARD_SPEEDUP = 2.0
REEMBEDDING = "re-embedding"  # what the estimate covers beyond the training bar


@dataclass
class FinetuneClock:
    """Started as the training starts; :meth:`left` after each step."""

    epochs: int
    steps_per_epoch: int
    batch_size: int
    evaluate_images: int  # checked after each epoch, and scored again at the end
    test_images: int  # scored at the end
    reembed_images: int  # embedded again afterwards (0: --no-reembed)
    started: float = field(default_factory=time.perf_counter)
    checking_s: float = 0.0  # seconds of the checks so far (forward only)
    checked_images: int = 0
    checks: int = 0

    def checked(self, images: int, seconds: float) -> None:
        """An epoch's check ran ``images`` forward in ``seconds``."""
        self.checking_s += seconds
        self.checked_images += images
        self.checks += 1

    def left(self, steps_done: int, now: float | None = None) -> float | None:
        """Seconds the whole run has left once ``steps_done`` training steps are done
        (None before the first: no pace yet)."""
        now = time.perf_counter() if now is None else now
        training_s = now - self.started - self.checking_s
        if steps_done <= 0 or training_s <= 0:
            return None
        per_step = training_s / steps_done
        if self.checked_images:
            per_image = self.checking_s / self.checked_images
        else:
            per_image = per_step / self.batch_size / FORWARD_SPEEDUP
        steps_left = max(0, self.epochs * self.steps_per_epoch - steps_done)
        forward = (
            max(0, self.epochs - self.checks) * self.evaluate_images  # the checks to come
            + self.evaluate_images  # the closing scores
            + self.test_images
            + self.reembed_images
        )
        return steps_left * per_step + forward * per_image

    def rough(self) -> bool:
        """Whether :meth:`left` rests on a guessed speed: the re-embedding's always (no
        run has measured it yet), the checks' until one is measured."""
        return bool(self.reembed_images) or not self.checked_images

    def data(self, steps_done: int, now: float | None = None) -> dict[str, Any]:
        """The estimate as a progress report's data (:func:`labeldesk.core.display.
        time_left_text` words it); empty before there is a pace."""
        seconds = self.left(steps_done, now)
        if seconds is None:
            return {}
        return {
            "left_s": seconds,
            "left_rough": self.rough(),
            "left_with": REEMBEDDING if self.reembed_images else None,
        }
