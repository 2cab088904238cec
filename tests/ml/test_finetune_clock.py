"""The time a fine-tune has left counts the re-embedding of every image that follows its
training (on a CPU as long again, or longer), not only the training steps the bar counts,
and says it is a rough guess while the embedding speed is one."""

from __future__ import annotations

import json

import pytest

from labeldesk.core.display import duration, time_left_text
from labeldesk.core.progress_bar import postfix
from labeldesk.ml import embed_speed
from labeldesk.ml.embed import embed_project
from labeldesk.ml.embed_speed import EmbedSpeed, record_speed, recorded_speed
from labeldesk.ml.finetune import FinetuneParams, finetune
from labeldesk.ml.finetune_clock import FORWARD_SPEEDUP, FinetuneClock
from labeldesk.ml.store import current_key, embeddings_dir

from .test_finetune_unfinished import embedded  # noqa: F401 (a fixture)
from .test_finetune_unreadable import two_classes  # noqa: F401 (a fixture)


def _clock(reembed: int = 600, speed: EmbedSpeed | None = None) -> FinetuneClock:
    # 3 epochs of 10 steps of 16 images; 40 images checked after each epoch; 20 test
    return FinetuneClock(3, 10, 16, 40, 20, reembed, speed, started=0.0)


SPEED = EmbedSpeed(40.0, 5.0, "cpu", "torch", "test_efficientnet", 32)


def test_before_the_first_step_there_is_no_estimate():
    clock = _clock()
    assert clock.left(0, now=5.0) is None
    assert clock.data(0, now=5.0) == {}


def test_before_a_check_the_forward_speed_is_guessed_from_the_training_steps():
    clock = _clock()
    # 10 steps in 20 s: 2 s a step, 0.125 s an image trained, guessed 0.0625 s forward
    per_image = 2.0 / 16 / FORWARD_SPEEDUP
    training = 20 * 2.0  # 20 steps to go
    forward = (3 * 40 + 40 + 20) * per_image  # checks to come, closing scores
    reembed = 600 * per_image
    assert clock.left(10, now=20.0) == pytest.approx(training + forward + reembed)
    # the re-embedding is in it: without one, that much less
    assert _clock(0).left(10, now=20.0) == pytest.approx(training + forward)
    assert clock.data(10, now=20.0) == {
        "left_s": pytest.approx(training + forward + reembed),
        "left_rough": True,
        "left_with": "re-embedding",
    }


def test_a_check_measures_the_forward_speed_and_its_time_is_not_training():
    clock = _clock()
    clock.checked(40, 4.0)  # epoch 1's check: 0.1 s an image
    # 10 steps took 24 - 4 = 20 s of training
    expected = 20 * 2.0 + (2 * 40 + 40 + 20 + 600) * 0.1
    assert clock.left(10, now=24.0) == pytest.approx(expected)
    assert clock.rough()  # the re-embedding's speed is still a guess
    measured = _clock(0)
    measured.checked(40, 4.0)
    assert not measured.rough()  # nothing guessed
    assert measured.data(10, now=24.0)["left_with"] is None


def test_checks_that_skip_the_frozen_blocks_time_only_the_checks_to_come():
    """After the first check the checks run only the blocks that learn (several times
    faster an image): the test images and the re-embedding still run the whole model."""
    clock = _clock()
    clock.checked(40, 4.0)  # epoch 1's, whole: 0.1 s an image
    clock.checked(40, 1.0, whole=False)  # epoch 2's: 0.025 s an image
    # 20 steps in 45 - 5 = 40 s of training: 2 s a step, 10 to go
    checks = (40 + 40) * 0.025  # epoch 3's check, the closing score on val
    expected = 10 * 2.0 + checks + 20 * 0.1 + 600 * 0.1
    assert clock.left(20, now=45.0) == pytest.approx(expected)


def test_the_last_embedding_runs_speed_times_the_re_embedding():
    """Measured on the sample, the checks ran 13 times slower an image than embedding:
    the speed of the last embedding run (same model, engine, device) is taken instead."""
    clock = _clock(speed=SPEED)
    clock.checked(40, 4.0)
    expected = 20 * 2.0 + (2 * 40 + 40 + 20) * 0.1 + (5.0 + 600 / 40.0)
    assert clock.left(10, now=24.0) == pytest.approx(expected)
    assert not clock.rough()  # every speed in it measured
    assert _clock(speed=SPEED).rough()  # before a check: the checks' speed guessed


def test_an_embedding_run_keeps_its_speed_for_the_next_fine_tune(tmp_path, monkeypatch):
    folder = tmp_path / "store"
    folder.mkdir()
    record_speed(folder, SPEED, images=10)  # too few images to tell
    assert recorded_speed(folder) is None
    record_speed(folder, SPEED, images=embed_speed.MIN_IMAGES)
    assert recorded_speed(folder) == SPEED
    (folder / embed_speed.SPEED_NAME).write_text("{not json")
    assert recorded_speed(folder) is None
    assert SPEED.matches("cpu", "torch", "test_efficientnet", 32)
    assert not SPEED.matches("cuda", "torch", "test_efficientnet", 32)
    assert not SPEED.matches("cpu", "openvino", "test_efficientnet", 32)
    assert not SPEED.matches("cpu", "torch", "test_efficientnet", 64)


def test_embedding_records_its_speed_beside_the_vectors(embedded, tmp_path, monkeypatch):  # noqa: F811
    project, _ = embedded
    monkeypatch.setattr(embed_speed, "MIN_IMAGES", 1)  # the 16 images are enough here
    embed_project(project, f"{tmp_path / 'tiny.safetensors'}:48", device="cpu")
    speed = recorded_speed(embeddings_dir(project) / str(current_key(project)))
    assert speed is not None and speed.images_per_s > 0 and speed.setup_s >= 0
    assert (speed.device, speed.runtime, speed.input_size) == ("cpu", "torch", 48)
    assert speed.architecture == "test_efficientnet"


def test_the_words_say_what_is_counted_and_that_it_is_rough():
    data = {"left_s": 370.4, "left_rough": True, "left_with": "re-embedding"}
    assert time_left_text(data) == "about 6m 10s left in all, re-embedding included (rough guess)"
    assert time_left_text(data, short=True) == "about 6m 10s left in all (rough)"
    assert time_left_text({"left_s": 3725.0}) == "about 1h 02m left in all"
    assert time_left_text({"loss": 0.5}) is None and time_left_text(None) is None
    assert duration(45) == "45s"
    # the terminal: first in the bar's postfix, whose own time left is the training's
    shown = postfix({"unit": "step", "epoch": 2, "epochs": 3, "loss": 0.5, **data})
    assert shown == (
        "about 6m 10s left in all, re-embedding included (rough guess), epoch 2/3, loss 0.500"
    )


@pytest.mark.parametrize("device", ["cpu", "cuda"])
def test_a_fine_tune_reports_the_time_left_with_its_re_embedding(embedded, device):  # noqa: F811
    """The recorded speed of the embeddings it starts from times the re-embedding when it
    was measured on the same device (else a guess): a setup of 10,000 s shows which."""
    project, _ = embedded
    slow = EmbedSpeed(1.0, 10_000.0, device, "torch", "test_efficientnet", 32)
    record_speed(embeddings_dir(project) / str(current_key(project)), slow, images=100)
    said = []

    def progress(report):
        if report.message == "fine-tuning":
            said.append(report.data)
            raise KeyboardInterrupt  # after its first step: enough to see

    params = FinetuneParams(epochs=1, batch_size=4, image_size=32)
    with pytest.raises(KeyboardInterrupt):
        finetune(project, params, device="cpu", progress=progress, then_embed=True)
    [data] = said
    assert (data["left_s"] > 10_000) == (device == "cpu")
    assert data["left_rough"] is True  # no check measured yet
    assert data["left_with"] == "re-embedding"


@pytest.mark.parametrize(
    ("field", "value"),
    [("setup_s", "1e999"), ("images_per_s", "Infinity"), ("input_size", "1e999")],
)
def test_a_speed_file_with_an_endless_number_is_ignored(tmp_path, field, value):
    """speed.json is read back as any JSON: a number too big for a float (1e999, or
    Python's Infinity) read as infinite, an endless setup made an endless time left,
    which the words could not say (OverflowError: every report of the fine-tune failed),
    and an endless input size failed the read. Such a file is no speed."""
    folder = tmp_path / "store"
    folder.mkdir()
    record_speed(folder, SPEED, images=embed_speed.MIN_IMAGES)
    path = folder / embed_speed.SPEED_NAME
    text = path.read_text()
    old = json.dumps(getattr(SPEED, field))
    path.write_text(text.replace(f'"{field}": {old}', f'"{field}": {value}'))
    assert path.read_text() != text
    speed = recorded_speed(folder)
    assert speed is None
    clock = _clock(speed=speed)  # what a fine-tune reports with it
    clock.checked(40, 4.0)
    assert time_left_text(clock.data(10, now=24.0)) is not None
