"""Progress reports as tqdm bars, for the command line and notebooks; as plain lines now
and then where stderr is no terminal (a log file, a CI job, nohup), where tqdm draws
nothing and an 11-minute fine-tune said nothing until its end.

:func:`shown_progress` picks what a call from a notebook or a script shows: a widget in
Jupyter (plain lines there without ipywidgets), a bar in a terminal, plain lines now and
then in a log file or a pipe."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TextIO

from .display import duration, time_left_text
from .errors import BadArgument
from .progress import Progress, ProgressCallback, no_progress

LINE_EVERY_S = 30.0  # with no terminal: a progress line at least this often during a phase
NOTEBOOK_LINE_EVERY_S = 10.0  # in a notebook without widgets, where someone is watching
EPOCH_LINES_UP_TO = 20  # ... and one at every epoch's end for runs of this many epochs or fewer
UNIT_WORDS = {
    "img": "images",
    "step": "steps",
    "epoch": "epochs",
    "pair": "pairs",
    "file": "files",
    "shard": "shards",
}
UNCOUNTED_FORMAT = "{desc} ({elapsed}{postfix})"  # tqdm's bar_format for a step of no count
FINAL_STEP = "done"  # the message of a job's last report (a scan's, a duplicate search's, …)


def stderr_is_terminal() -> bool:
    """Whether stderr is a terminal, where tqdm draws its bars."""
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):  # replaced by an object without it, or closed
        return False


def in_notebook() -> bool:
    """Whether this runs in a Jupyter kernel (a notebook in Jupyter, JupyterLab, VS Code,
    Colab), whose page can show widgets; not IPython in a terminal, qtconsole or Spyder."""
    if "ipykernel" not in sys.modules or any(
        name == "QT_API" or name.startswith("SPYDER") for name in os.environ
    ):
        return False
    get_ipython = getattr(sys.modules.get("IPython"), "get_ipython", None)
    shell = get_ipython() if callable(get_ipython) else None
    return type(shell).__name__ == "ZMQInteractiveShell"


def notebook_widgets() -> bool:
    """Whether tqdm can draw its notebook widget (ipywidgets is installed)."""
    try:
        from tqdm.notebook import IProgress
    except ImportError:
        return False
    return IProgress is not None


@contextmanager
def shown_progress(progress: ProgressCallback | bool | None) -> Iterator[ProgressCallback]:
    """The callback a long call of the Python API reports to: ``progress`` itself where it
    is one, nothing for ``False``, and for ``None`` (or ``True``) what suits where it
    runs: a widget in a Jupyter notebook (plain lines every
    :data:`NOTEBOOK_LINE_EVERY_S` seconds there without ipywidgets), a bar in a
    terminal, and plain lines at least every :data:`LINE_EVERY_S` seconds where stderr
    is a file or a pipe. BadArgument, before any work, for anything else."""
    if progress is False:
        yield no_progress
    elif progress is None or progress is True:
        with TerminalProgress(notebook=True) as shown:
            yield shown
    elif callable(progress):
        yield progress
    else:
        raise BadArgument(
            "progress must be None (a bar, or lines in a log), False (nothing) or a "
            f"function taking each Progress report, not {type(progress).__name__} "
            f"({progress!r})"
        )


class TerminalProgress:
    """Renders core ``Progress`` reports as tqdm bars (rate and ETA) on stderr: one bar
    per phase (``message``), with the report's ``data`` (epoch, loss, …) as its postfix;
    ``data["plan"]``, a sentence (what a fine-tune will do), is printed above them.

    Where stderr is no terminal tqdm draws nothing, so reports become
    :class:`ProgressLines` instead: plain lines now and then. ``notebook``: in a Jupyter
    notebook, tqdm's widget where ipywidgets is installed, else plain lines on stdout
    (Jupyter shows stderr as an error's red block); outside one, as without."""

    def __init__(
        self, *, notebook: bool = False, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._bar: Any = None
        self._message: str | None = None
        self._widget = False
        self._lines: ProgressLines | None = None
        if notebook and in_notebook():
            self._widget = notebook_widgets()
            if not self._widget:
                self._lines = ProgressLines(clock, every_s=NOTEBOOK_LINE_EVERY_S, stdout=True)
        elif not stderr_is_terminal():
            self._lines = ProgressLines(clock)

    def __call__(self, progress: Progress) -> None:
        if self._lines is not None:
            self._lines(progress)
            return
        if self._widget:
            from tqdm.notebook import tqdm
        else:
            from tqdm import tqdm

        data = progress.data or {}
        if isinstance(data.get("plan"), str):  # a sentence for the person, once
            self.close()
            tqdm.write(data["plan"], file=sys.stdout if self._widget else sys.stderr)
        if self._widget and progress.message == FINAL_STEP:
            # the job's last report: a line under the cell's bars, not a bar that stays
            # ("done: 0/54", a scan's step count drawn before its update)
            self.close()
            self._message = None
            print(FINAL_STEP, file=sys.stdout, flush=True)  # no bar is left to write past
            return
        if progress.message != self._message or self._bar is None:
            self.close()
            self._message = progress.message
            self._bar = tqdm(
                total=progress.total or None,
                desc=progress.message,
                unit=str(data.get("unit", "img")),
                file=sys.stderr,
                disable=None,
                # a notebook keeps each counted phase's bar ("embedding 100% 54/54")
                leave=self._widget and bool(progress.total),
                dynamic_ncols=True,
                # a step that counts nothing: "loading model … (00:03)", not "0img [00:03, ?img/s]"
                bar_format=None if progress.total else UNCOUNTED_FORMAT,
            )
        if progress.total and self._bar.total != progress.total:
            self._bar.total = progress.total
            self._bar.bar_format = None  # counting now: tqdm's usual bar
        if data:
            self._bar.set_postfix_str(postfix(data), refresh=False)
        self._bar.update(progress.done - self._bar.n)

    def close(self) -> None:
        if self._lines is not None:
            self._lines.close()
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> TerminalProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class ProgressLines:
    """Progress as plain lines on stderr, for a stderr that is no terminal: one when a
    phase starts, one at each epoch's end (runs of up to :data:`EPOCH_LINES_UP_TO`
    epochs), one at least every ``every_s`` seconds (:data:`LINE_EVERY_S`), and the
    phase's last report when it ends. "fine-tuning: 1,200/3,600 steps (33%), epoch 1/3,
    loss 0.412, holdout acc 0.871, about 6m 10s left in all". ``stdout``: on stdout."""

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        *,
        every_s: float = LINE_EVERY_S,
        stdout: bool = False,
    ) -> None:
        self._clock = clock
        self._every_s = every_s
        self._stdout = stdout
        self._message: str | None = None
        self._started = (0.0, 0)  # when the phase began, and its count then
        self._said_at = 0.0
        self._unsaid: Progress | None = None  # the newest report, if no line said it

    def __call__(self, progress: Progress) -> None:
        data = progress.data or {}
        if isinstance(data.get("plan"), str):  # a sentence for the person, once
            self.close()
            print(data["plan"], file=self._file(), flush=True)
        now = self._clock()
        if progress.message != self._message:
            self.close()  # the phase before ends with its last report
            self._message = progress.message
            self._started = (now, progress.done)
            self._say(progress, now)
        elif _epoch_end(data) or now - self._said_at >= self._every_s:
            self._say(progress, now)
        else:
            self._unsaid = progress

    def _file(self) -> TextIO:
        return sys.stdout if self._stdout else sys.stderr  # as now (a notebook swaps them)

    def _say(self, progress: Progress, now: float) -> None:
        print(self.line(progress, now), file=self._file(), flush=True)
        self._said_at, self._unsaid = now, None

    def line(self, progress: Progress, now: float) -> str:
        data = progress.data or {}
        unit = str(data.get("unit", "img"))
        parts = []
        if unit == "epoch" and progress.total:
            parts.append(f"epoch {progress.done:,}/{progress.total:,}")
        elif progress.total:
            share = f"{progress.done / progress.total:.0%}"
            words = UNIT_WORDS.get(unit, unit)
            parts.append(f"{progress.done:,}/{progress.total:,} {words} ({share})")
        figures = postfix(data)
        if figures:
            parts.append(figures)
        if time_left_text(data) is None and (left := self._time_left(progress, now)):
            parts.append(left)
        return (
            f"{progress.message or 'working'}: {', '.join(parts)}"
            if parts
            else (progress.message or "working")
        )

    def _time_left(self, progress: Progress, now: float) -> str:
        """The phase's time left at its speed so far ("about 1m 20s left"), where the job
        says none of its own."""
        began, first = self._started
        done, spent = progress.done - first, now - began
        if not progress.total or done <= 0 or spent <= 0 or progress.done >= progress.total:
            return ""
        return f"about {duration((progress.total - progress.done) * spent / done)} left"

    def close(self) -> None:
        if self._unsaid is not None:
            self._say(self._unsaid, self._clock())
        self._message = None


def _epoch_end(data: dict[str, Any]) -> bool:
    """Whether a report closes an epoch (a head reports once an epoch; a fine-tune's last
    report of an epoch carries its accuracy), in a run short enough to say each one."""
    epochs = data.get("epochs")
    if not isinstance(epochs, int) or epochs > EPOCH_LINES_UP_TO:
        return False
    return data.get("unit") == "epoch" or "eval_accuracy" in data


POSTFIX_NAMES = {"images_per_s": "img/s"}
# keep the bar itself wide (the cluster's head: said in the summary)
# (a probe's pass: its phase's name says it, "probe, pass 2")
POSTFIX_LEFT_OUT = (
    "epoch",
    "epochs",
    "unit",
    "eval_loss",
    "head",
    "plan",
    "evaluated_on",
    "pass",
    "passes",
)
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
        parts.append(f"{postfix_name(key, data)} {text}")
    return ", ".join(parts)


def postfix_name(key: str, data: dict[str, Any]) -> str:
    """A figure's name on the bar: the accuracy named by what it is measured on
    (``data["evaluated_on"]``: "val acc", or "holdout acc" where the project has no val
    split and part of train is held out; it said "val acc" then too)."""
    if key == "eval_accuracy":
        return f"{data.get('evaluated_on') or 'val'} acc"
    return POSTFIX_NAMES.get(key, key.replace("_", " "))
