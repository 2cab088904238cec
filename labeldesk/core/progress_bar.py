"""Progress reports as tqdm bars, for the command line and notebooks."""

from __future__ import annotations

import sys
from typing import Any

from .display import time_left_text
from .progress import Progress


class TerminalProgress:
    """Renders core ``Progress`` reports as tqdm bars (rate and ETA) on stderr: one bar
    per phase (``message``), with the report's ``data`` (epoch, loss, …) as its postfix;
    ``data["plan"]``, a sentence (what a fine-tune will do), is printed above them.
    ``notebook``: a widget in Jupyter where it can (tqdm.auto), a text bar elsewhere."""

    def __init__(self, *, notebook: bool = False) -> None:
        self._bar: Any = None
        self._message: str | None = None
        self._notebook = notebook

    def __call__(self, progress: Progress) -> None:
        if self._notebook:
            from tqdm.auto import tqdm
        else:
            from tqdm import tqdm

        data = progress.data or {}
        if isinstance(data.get("plan"), str):  # a sentence for the person, once
            self.close()
            tqdm.write(data["plan"], file=sys.stderr)
        if progress.message != self._message or self._bar is None:
            self.close()
            self._message = progress.message
            self._bar = tqdm(
                total=progress.total or None,
                desc=progress.message,
                unit=str(data.get("unit", "img")),
                file=sys.stderr,
                disable=None,
                leave=False,
                dynamic_ncols=True,
            )
        if progress.total and self._bar.total != progress.total:
            self._bar.total = progress.total
        if data:
            self._bar.set_postfix_str(postfix(data), refresh=False)
        self._bar.update(progress.done - self._bar.n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> TerminalProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


POSTFIX_NAMES = {"eval_accuracy": "val acc", "images_per_s": "img/s"}
# keep the bar itself wide (the cluster's head: said in the summary)
POSTFIX_LEFT_OUT = ("epoch", "epochs", "unit", "eval_loss", "head", "plan")
# the job's own estimate of all it has left (display.time_left_text): said first, in words
TIME_LEFT_KEYS = ("left_s", "left_rough", "left_with")


def postfix(data: dict[str, Any]) -> str:
    """``{"epoch": 3, "epochs": 100, "loss": 0.5123}`` as "epoch 3/100, loss 0.512" (the
    epoch only when the bar counts something else, e.g. steps), after the time the whole
    job has left when it says (a fine-tune: its re-embedding included), which the bar's
    own time left does not count."""
    left = time_left_text(data)
    parts = [left] if left else []
    if "epoch" in data and data.get("unit") != "epoch":
        parts.append(f"epoch {data['epoch']}" + (f"/{data['epochs']}" if "epochs" in data else ""))
    for key, value in data.items():
        if key in (*POSTFIX_LEFT_OUT, *TIME_LEFT_KEYS) or value is None or isinstance(value, bool):
            continue
        if isinstance(value, float):
            text = f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3f}"
        elif isinstance(value, int | str):
            text = str(value)
        else:
            continue  # lists, dicts: results for views, not for one line
        parts.append(f"{POSTFIX_NAMES.get(key, key.replace('_', ' '))} {text}")
    return ", ".join(parts)
