"""How long a whole fine-tune has left: its training steps, the checks that run the
model forward only (val after each epoch, val and test once at the end), and the
embedding of every image again that follows.

The bar of the training steps gives their own time left; on a CPU the re-embedding after
them can take as long again, or longer, and nothing counted it. Its time comes from the
speed of the last embedding run of the embeddings the fine-tune starts from, kept beside
them (:mod:`labeldesk.ml.embed_speed`: the same architecture, input size, device and
engine embed at about the same speed). Without one (embedded by an older LabelDesk, on
another device, too few images), it is guessed from what the run measures: the seconds
an image takes in its checks on val (the same model run forward, but with PyTorch on the
original files: on a CPU many times slower than embedding), before the first check from
the training's pace; then the estimate is a rough guess, on the long side, and said so.
The checks and closing scores to come are timed by the checks so far (guessed from the
training's pace before the first one): the test images and the re-embedding by the checks
that ran the whole model (the first), the checks on val to come by the last one (after the
first they skip the frozen blocks: :mod:`labeldesk.ml.finetune_check`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from .embed_speed import EmbedSpeed

# A training step's time per image over a forward pass's, before a check has measured
# one. Most blocks are frozen (the last 2 learn by default), so the backward pass is
# short: 1.25 to 1.5 on the sample with 2 CPU cores (0.053 s an image trained, 0.036 s
# in the checks).
FORWARD_SPEEDUP = 1.25
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
    embed_speed: EmbedSpeed | None = None  # the last embedding run's, where it applies
    started: float = field(default_factory=time.perf_counter)
    checking_s: float = 0.0  # seconds of the checks so far (forward only)
    checked_images: int = 0
    checks: int = 0
    whole_s: float = 0.0  # of those, the checks that ran every image through the whole model
    whole_images: int = 0
    check_per_image: float | None = None  # the last check's seconds an image

    def checked(self, images: int, seconds: float, whole: bool = True) -> None:
        """An epoch's check ran ``images`` forward in ``seconds``; ``whole``: through the
        whole model (the first check; the later ones run only the blocks that learn on
        what it kept: :mod:`labeldesk.ml.finetune_check`, several times faster)."""
        self.checking_s += seconds
        self.checked_images += images
        self.checks += 1
        if images:
            self.check_per_image = seconds / images
        if whole:
            self.whole_s += seconds
            self.whole_images += images

    def left(self, steps_done: int, now: float | None = None) -> float | None:
        """Seconds the whole run has left once ``steps_done`` training steps are done
        (None before the first: no pace yet)."""
        now = time.perf_counter() if now is None else now
        training_s = now - self.started - self.checking_s
        if steps_done <= 0 or training_s <= 0:
            return None
        per_step = training_s / steps_done
        if self.whole_images:  # an image through the whole model (test, re-embedding)
            per_image = self.whole_s / self.whole_images
        else:
            per_image = per_step / self.batch_size / FORWARD_SPEEDUP
        # an image of a check on val: at the last check's pace
        per_check = per_image if self.check_per_image is None else self.check_per_image
        steps_left = max(0, self.epochs * self.steps_per_epoch - steps_done)
        checks = (
            max(0, self.epochs - self.checks) * self.evaluate_images  # the checks to come
            + self.evaluate_images  # the closing score on val
        )
        forward = checks * per_check + self.test_images * per_image
        return steps_left * per_step + forward + self.reembedding_s(per_image)

    def reembedding_s(self, per_image: float) -> float:
        """The re-embedding's seconds: at the recorded speed, else ``per_image``."""
        if not self.reembed_images:
            return 0.0
        if self.embed_speed is None:
            return self.reembed_images * per_image
        return self.embed_speed.setup_s + self.reembed_images / self.embed_speed.images_per_s

    def rough(self) -> bool:
        """Whether :meth:`left` rests on a guessed speed: the re-embedding's without a
        recorded one, the checks' until one is measured."""
        guessed = self.reembed_images > 0 and self.embed_speed is None
        return guessed or not self.checked_images

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
