"""How fast the last embedding run of a store went, kept beside its vectors
(``speed.json``), for a fine-tune's estimate of its re-embedding: the tuned model has the
architecture, input size and engine of the model it started from, so it embeds at about
the speed that model's last run did (:mod:`labeldesk.ml.finetune_clock`). Measured on the
sample on 2 CPU cores, the run's own checks on val (PyTorch on the original files) took
4 to 14 times as long an image as embedding (OpenVINO on the thumbnails): 0.036 s against
0.009 s in a quiet run, 0.21 s against 0.015 s with the cores busy.
"""

from __future__ import annotations

import contextlib
import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path

from .cachefiles import write_bytes_atomically

SPEED_NAME = "speed.json"
MIN_IMAGES = 64  # a run of fewer images (a few new ones after a scan) says little


@dataclass(frozen=True)
class EmbedSpeed:
    images_per_s: float  # while embedding (model and decoding), setup left out
    setup_s: float  # loading the model and preparing its engine
    device: str
    runtime: str  # the engine that ran ("openvino", "torch", …)
    architecture: str
    input_size: int

    def matches(self, device: str, runtime: str, architecture: str, input_size: int) -> bool:
        """Whether a run with these would go at about this speed."""
        return (self.device, self.runtime, self.architecture, self.input_size) == (
            device, runtime, architecture, input_size,
        )  # fmt: skip


def record_speed(folder: Path, speed: EmbedSpeed, images: int) -> None:
    """Keep ``speed`` in the store ``folder`` when the run embedded ``images`` enough to
    tell; never an error (an estimate is not worth failing a run for)."""
    if images < MIN_IMAGES or speed.images_per_s <= 0:
        return
    with contextlib.suppress(OSError):
        write_bytes_atomically(folder / SPEED_NAME, json.dumps(asdict(speed)).encode())


def recorded_speed(folder: Path) -> EmbedSpeed | None:
    """The speed kept in the store ``folder``, or None (none kept, or unreadable)."""
    try:
        data = json.loads((folder / SPEED_NAME).read_text(encoding="utf-8"))
        speed = EmbedSpeed(
            images_per_s=float(data["images_per_s"]),
            setup_s=float(data["setup_s"]),
            device=str(data["device"]),
            runtime=str(data["runtime"]),
            architecture=str(data["architecture"]),
            input_size=int(data["input_size"]),
        )
    except (OSError, ValueError, KeyError, TypeError, OverflowError):  # 1e999: endless
        return None
    finite = math.isfinite(speed.images_per_s) and math.isfinite(speed.setup_s)
    return speed if finite and speed.images_per_s > 0 and speed.setup_s >= 0 else None
