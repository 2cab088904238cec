"""Where stderr is no terminal (a log file, a CI job, nohup) tqdm draws nothing: an
11-minute `train --mode finetune` printed nothing until its end. Long commands now print
plain progress lines there: when a phase starts, at each epoch's end, at least every
30 s, and the phase's last state when it ends."""

from __future__ import annotations

import pytest
from ml.fake_embeddings import make_clustered_project

from labeldesk.cli import main
from labeldesk.core import progress_bar
from labeldesk.core.progress import Progress
from labeldesk.core.progress_bar import LINE_EVERY_S, TerminalProgress


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def no_terminal(monkeypatch):
    monkeypatch.setattr(progress_bar, "stderr_is_terminal", lambda: False)


def test_a_fine_tune_without_a_terminal_says_each_epoch_and_the_time_left(no_terminal, capsys):
    clock = Clock()
    steps = 3  # per epoch
    with TerminalProgress(clock=clock) as progress:
        progress(Progress(0, 0, "loading backbone", {"plan": "fine-tuning: 2 epochs"}))
        for epoch in (1, 2):
            for step in range(1, steps + 1):
                clock.now += 20  # two steps make more than 30 s: one line between
                done = (epoch - 1) * steps + step
                data = {"unit": "step", "epoch": epoch, "epochs": 2, "loss": 1 / done,
                        "evaluated_on": "holdout", "left_s": 20.0 * (6 - done)}  # fmt: skip
                progress(Progress(done, 2 * steps, "fine-tuning", data))
            closing = {"unit": "step", "epoch": epoch, "epochs": 2, "loss": 0.5,
                       "eval_accuracy": 0.8 + epoch / 100, "evaluated_on": "holdout",
                       "left_s": 60.0 * (2 - epoch)}  # fmt: skip
            progress(Progress(epoch * steps, 2 * steps, "fine-tuning", closing))
        progress(Progress(0, 600, "embedding"))
        clock.now += 10
        progress(Progress(300, 600, "embedding"))
        clock.now += 10
        progress(Progress(600, 600, "embedding"))
    assert capsys.readouterr().err.splitlines() == [
        "fine-tuning: 2 epochs",
        "loading backbone",
        "fine-tuning: 1/6 steps (17%), about 1m 40s left in all, epoch 1/2, loss 1.000",
        "fine-tuning: 3/6 steps (50%), about 1m 00s left in all, epoch 1/2, loss 0.333",
        "fine-tuning: 3/6 steps (50%), about 1m 00s left in all, epoch 1/2, loss 0.500, "
        "holdout acc 0.810",
        "fine-tuning: 5/6 steps (83%), about 20s left in all, epoch 2/2, loss 0.200",
        "fine-tuning: 6/6 steps (100%), about 0s left in all, epoch 2/2, loss 0.500, "
        "holdout acc 0.820",
        "embedding: 0/600 images (0%)",
        "embedding: 600/600 images (100%)",
    ]


def test_a_phase_without_its_own_estimate_says_the_time_left_at_its_speed(no_terminal, capsys):
    clock = Clock()
    with TerminalProgress(clock=clock) as progress:
        progress(Progress(0, 1000, "embedding"))
        clock.now += LINE_EVERY_S
        progress(Progress(250, 1000, "embedding"))  # 250 in 30 s: 750 more in 90 s
        clock.now += 1
        progress(Progress(260, 1000, "embedding"))  # (said at the end, once)
        progress(Progress(270, 1000, "embedding"))
    assert capsys.readouterr().err.splitlines() == [
        "embedding: 0/1,000 images (0%)",
        "embedding: 250/1,000 images (25%), about 1m 30s left",
        "embedding: 270/1,000 images (27%), about 1m 24s left",
    ]


def test_a_long_head_run_says_epochs_only_every_30_s(no_terminal, capsys):
    """100 epochs in seconds: no hundred lines, the start and the end."""
    with TerminalProgress(clock=Clock()) as progress:
        for epoch in range(1, 101):
            data = {"unit": "epoch", "epoch": epoch, "epochs": 100, "loss": 0.5}
            progress(Progress(epoch, 100, "training head", data))
    assert capsys.readouterr().err.splitlines() == [
        "training head: epoch 1/100, loss 0.500",
        "training head: epoch 100/100, loss 0.500",
    ]


def test_train_with_stderr_to_a_file_prints_progress_lines(tmp_path, no_terminal, capsys):
    pytest.importorskip("torch")
    project, _ = make_clustered_project(tmp_path)
    project.close()
    assert main(["train", str(project.path), "--mode", "head", "--epochs", "5"]) == 0
    lines = capsys.readouterr().err.splitlines()
    said = [line for line in lines if line.startswith("training head: epoch ")]
    assert [line.split(",")[0] for line in said] == [
        f"training head: epoch {n}/5" for n in range(1, 6)
    ]
    assert all("val acc " in line for line in said)


def test_the_help_says_where_progress_goes(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    said = " ".join(capsys.readouterr().out.split())
    assert "where stderr is a file or a pipe" in said
    assert f"at least every {LINE_EVERY_S:.0f} s" in said
