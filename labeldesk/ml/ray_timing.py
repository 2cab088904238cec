"""Where the time of an embedding job on a Ray cluster went (:class:`JobTiming`), for the
end-of-job summary: the summary gave the job's time alone ("in 41.2 s, 14.6 img/s"),
which mixes the start (joining the cluster, the workers starting and loading the model:
tens of seconds, whatever the size of the job) with the rate a long job runs at, which
``benchmarks/bench_ray_embed.py`` reported apart ("first batch after 23.0 s, then
38.1 img/s steady")."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from labeldesk.core.display import counted


@dataclass
class JobTiming:
    """Seconds of each stage of a job, measured on this machine (``clock``)."""

    connect_s: float = 0.0  # joining the cluster (``ray.init``)
    checks_s: float = 0.0  # its nodes counted and checked, the model loaded here
    first_batch_s: float | None = None  # from the job's start to its first batch back
    first_images: int = 0  # images in that batch
    worker_load_s: float | None = None  # that batch's worker: its start (imports, model)
    last_batch_s: float | None = None  # from the job's start to its last batch back
    images: int = 0  # images the batches held (embedded, failed, missing)
    clock: Callable[[], float] = field(default=time.perf_counter, repr=False)
    _job_start: float | None = field(default=None, repr=False)

    def job_started(self) -> None:
        self._job_start = self.clock()

    @property
    def started(self) -> bool:
        """Whether the job was sent to the workers (else its timing says little)."""
        return self._job_start is not None

    def batch(self, rows: int, worker_load_s: float | None = None) -> None:
        """A batch of ``rows`` images came back (its worker took ``worker_load_s`` to
        start, when it says)."""
        if self._job_start is None:
            self.job_started()
        assert self._job_start is not None
        since = self.clock() - self._job_start
        if self.first_batch_s is None:
            self.first_batch_s, self.first_images = since, rows
            self.worker_load_s = worker_load_s
        self.last_batch_s = since
        self.images += rows

    @property
    def after_first_s(self) -> float | None:
        """From the first batch back to the last one."""
        if self.first_batch_s is None or self.last_batch_s is None:
            return None
        return self.last_batch_s - self.first_batch_s

    @property
    def after_first_rate(self) -> float | None:
        """Images a second after the first batch: what a long job runs at."""
        seconds, images = self.after_first_s, self.images - self.first_images
        return images / seconds if seconds and images > 0 else None

    def to_json(self) -> dict[str, Any]:
        def rounded(value: float | None) -> float | None:
            return None if value is None else round(value, 3)

        rate = self.after_first_rate
        return {
            "connect_s": rounded(self.connect_s),
            "checks_s": rounded(self.checks_s),
            "first_batch_s": rounded(self.first_batch_s),
            "first_batch_images": self.first_images,
            "worker_start_s": rounded(self.worker_load_s),
            "after_first_batch_s": rounded(self.after_first_s),
            "after_first_batch_images": max(0, self.images - self.first_images),
            "after_first_batch_images_per_s": None if rate is None else round(rate, 2),
        }

    def text(self) -> str:
        """ "where the time went: 1.2 s joining the cluster, 3.4 s checking it and loading
        the model here, 20.3 s until the first batch of 16 images came back (the workers
        starting: 12.0 s to start and load the model on the first), then 36.0 img/s for
        the other 584 images (16.2 s)"."""
        parts = [
            f"{self.connect_s:.1f} s joining the cluster",
            f"{self.checks_s:.1f} s checking it and loading the model here",
        ]
        if self.first_batch_s is None:
            parts.append("no batch came back")
            return "where the time went: " + ", ".join(parts)
        started = (
            ""
            if self.worker_load_s is None
            else f": {self.worker_load_s:.1f} s to start and load the model on the first"
        )
        parts.append(
            f"{self.first_batch_s:.1f} s until the first batch of "
            f"{counted(self.first_images, 'image')} came back (the workers starting{started})"
        )
        rest, rate = self.images - self.first_images, self.after_first_rate
        text = "where the time went: " + ", ".join(parts)
        if rate is not None:
            text += (
                f", then {rate:.1f} img/s for the other {rest:,} images "
                f"({self.after_first_s or 0:.1f} s)"
            )
        elif rest <= 0:
            text += " (all of them)"
        return text
