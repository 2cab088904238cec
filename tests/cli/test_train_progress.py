"""`labeldesk train` shows one progress bar per phase that fills up, with the epoch's
figures beside it (they used to be in the bar's label, which made a new, empty bar at
every epoch)."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
from ml.fake_embeddings import make_clustered_project

from labeldesk.cli import main
from labeldesk.cli._base import TerminalProgress, postfix
from labeldesk.core.progress import Progress


class FakeBar:
    """Stands in for tqdm.tqdm and remembers every bar made."""

    made: ClassVar[list[FakeBar]] = []

    def __init__(self, total: Any = None, desc: str = "", unit: str = "it", **_: Any):
        self.total, self.desc, self.unit = total, desc, unit
        self.n, self.postfix, self.n_at_close = 0, "", None
        FakeBar.made.append(self)

    def update(self, k: int) -> None:
        self.n += k

    def set_postfix_str(self, text: str, refresh: bool = True) -> None:
        self.postfix = text

    def close(self) -> None:
        self.n_at_close = self.n


@pytest.fixture
def bars(monkeypatch) -> list[FakeBar]:
    FakeBar.made = []
    monkeypatch.setattr("tqdm.tqdm", FakeBar)
    # bars are for a terminal (pytest's stderr is none: see test_progress_lines.py)
    monkeypatch.setattr("labeldesk.core.progress_bar.stderr_is_terminal", lambda: True)
    return FakeBar.made


def test_train_head_bar_fills_up(tmp_path, bars, capsys):
    pytest.importorskip("torch")
    project, _ = make_clustered_project(tmp_path)
    project.close()
    assert main(["train", str(project.path), "--mode", "head", "--epochs", "7"]) == 0
    [bar] = [b for b in bars if b.desc == "training head"]
    assert (bar.n_at_close, bar.total, bar.unit) == (7, 7, "epoch")
    assert bar.postfix.startswith("loss ") and "val acc " in bar.postfix


def test_one_bar_per_phase_with_the_data_as_postfix(bars):
    with TerminalProgress() as progress:
        progress(Progress(0, 0, "loading backbone"))
        for step in range(1, 7):
            data = {"unit": "step", "epoch": (step + 2) // 3, "epochs": 2, "loss": 1 / step}
            progress(Progress(step, 6, "fine-tuning", data))
        progress(
            Progress(
                6, 6, "fine-tuning", {"epoch": 2, "epochs": 2, "loss": 0.1, "eval_accuracy": 0.9}
            )
        )
    assert [(b.desc, b.unit, b.n_at_close, b.total) for b in bars] == [
        ("loading backbone", "img", 0, None),
        ("fine-tuning", "step", 6, 6),
    ]
    assert bars[1].postfix == "epoch 2/2, loss 0.100, val acc 0.900"


def test_postfix_formats_numbers_and_skips_what_does_not_fit_a_line():
    data = {"epoch": 3, "loss": 0.51234, "images_per_s": 1234.5, "per_class": [1, 2], "note": "x"}
    assert postfix(data) == "epoch 3, loss 0.512, img/s 1,234, note x"
    per_epoch = {"unit": "epoch", "epoch": 3, "epochs": 9, "loss": 0.5, "eval_loss": 0.6}
    assert postfix(per_epoch) == "loss 0.500"  # the bar already counts epochs


def test_the_cluster_head_a_job_reports_stays_off_the_bar():
    """`embed --ray` reports the head it reached with its progress (the app names it in
    its progress line); the command's bar leaves it out: its summary names the head."""
    assert postfix({"head": "10.0.0.5:6379"}) == ""


def test_the_accuracy_is_named_by_what_it_is_measured_on():
    """With no val split a run is measured on part of train held out: the bar said
    "val acc" all the same (the end-of-run text said "holdout accuracy")."""
    data = {"epoch": 2, "loss": 0.1, "eval_accuracy": 0.9, "evaluated_on": "holdout"}
    assert postfix(data) == "epoch 2, loss 0.100, holdout acc 0.900"
    assert postfix(data | {"evaluated_on": "val"}) == "epoch 2, loss 0.100, val acc 0.900"


def test_train_head_on_a_project_without_val_says_holdout_acc(tmp_path, bars):
    pytest.importorskip("torch")
    project, _ = make_clustered_project(tmp_path)
    val = [row.path for row in project.images().itertuples() if row.split == "val"]
    project.set_splits(dict.fromkeys(val, "train"))
    project.close()
    assert main(["train", str(project.path), "--epochs", "3"]) == 0
    [bar] = [b for b in bars if b.desc == "training head"]
    assert "holdout acc " in bar.postfix and "val acc" not in bar.postfix
