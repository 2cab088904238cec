"""Before a fine-tune starts, the user is told what it will do: how many epochs over how
many images, what it is checked on, and that every image is embedded again after."""

from __future__ import annotations

import pytest

from labeldesk.cli import main
from labeldesk.ml.finetune import FinetuneParams, finetune
from labeldesk.ml.finetune_plan import FinetunePlan

from .fake_embeddings import make_clustered_project


def test_the_plan_says_how_much_and_what_follows():
    plan = FinetunePlan(3, 260, 16, 40, "holdout", 600, "cpu")
    assert plan.steps == 51
    assert plan.text() == (
        "fine-tuning: 3 epochs over 260 labeled train images (51 steps of 16) on the CPU, "
        "each epoch checked on 40 images held out of train; then all 600 images are "
        "embedded again with the tuned model; once they all are, the project uses those "
        "embeddings (flags and predictions are computed again, and heads trained before "
        "stop predicting until one is trained on them); without a GPU this is slow: the "
        "time left in all counts the re-embedding"
    )
    alone = FinetunePlan(3, 260, 16, 40, "holdout", 0, "cpu").text()
    assert alone.endswith("; without a GPU this is slow: the bar gives the time left")
    not_again = FinetunePlan(1, 1, 16, 4, "val", 0, "cuda").text()
    assert not_again.startswith("fine-tuning: 1 epoch over 1 labeled train image (")
    assert "(1 step of 16) on the GPU, each epoch checked on 4 images val" in not_again
    assert "embedded again" not in not_again and "slow" not in not_again


def _stop_at_the_note(notes):
    def progress(report):
        if report.data and "plan" in report.data:
            notes.append(report.data["plan"])
            raise KeyboardInterrupt  # before any training: the test stays quick

    return progress


def test_the_fine_tune_says_its_plan_first_from_the_images_it_read(tmp_path):
    project, _ = make_clustered_project(tmp_path)
    try:
        stats = project.stats()
        train = sum(c["train"] for c in stats["classes"].values())
        val = sum(c["val"] for c in stats["classes"].values())
        notes: list[str] = []
        with pytest.raises(KeyboardInterrupt):
            finetune(
                project,
                FinetuneParams(epochs=3, batch_size=16),
                device="cpu",
                progress=_stop_at_the_note(notes),
                then_embed=True,
            )
        [note] = notes
        steps = 3 * -(-train // 16)
        assert note.startswith(
            f"fine-tuning: 3 epochs over {train} labeled train images ({steps} steps of 16) "
            f"on the CPU, each epoch checked on {val} images val; then all "
            f"{stats['images']} images are embedded again with the tuned model"
        )
    finally:
        project.close()


def test_train_prints_the_plan_before_it_starts(tmp_path, capsys, monkeypatch):
    project, _ = make_clustered_project(tmp_path)
    path = project.path
    project.close()

    def stopped(project, cancel):
        raise KeyboardInterrupt  # where the backbone would load: after the plan was said

    monkeypatch.setattr("labeldesk.ml.finetune._starting_backbone", stopped)
    assert main(["train", str(path), "--mode", "finetune", "--device", "cpu"]) == 130
    err = capsys.readouterr().err
    assert "fine-tuning: 3 epochs over" in err and "embedded again with the tuned model" in err
    assert err.index("fine-tuning: 3 epochs over") < err.index("error: interrupted")
