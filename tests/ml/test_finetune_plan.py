"""Before a fine-tune starts, the user is told what it will do: how many epochs over how
many images, what it is checked on, and that every image is embedded again after."""

from __future__ import annotations

from labeldesk.cli import main
from labeldesk.ml.finetune import FinetuneParams
from labeldesk.ml.finetune_plan import plan_finetune

from .fake_embeddings import make_clustered_project


def test_the_plan_counts_what_the_fine_tune_reads(tmp_path):
    project, _ = make_clustered_project(tmp_path)
    try:
        stats = project.stats()
        plan = plan_finetune(project, FinetuneParams(epochs=3, batch_size=16), device="cpu")
        train = sum(c["train"] for c in stats["classes"].values())
        val = sum(c["val"] for c in stats["classes"].values())
        assert (plan.train_images, plan.evaluate_images, plan.evaluate_name) == (train, val, "val")
        assert plan.reembed_images == stats["images"]
        assert plan.steps == 3 * -(-train // 16)
        text = plan.text()
        assert text.startswith(f"fine-tuning: 3 epochs over {train} labeled train images")
        assert f"then all {stats['images']} images are embedded again" in text
        assert "on the CPU" in text and "without a GPU this is slow" in text
        assert (
            "embedded again"
            not in plan_finetune(project, FinetuneParams(), device="cpu", reembed=False).text()
        )
    finally:
        project.close()


def test_train_says_the_plan_before_it_starts(tmp_path, capsys, monkeypatch):
    project, _ = make_clustered_project(tmp_path)
    path = project.path
    project.close()
    seen = []

    def fake_finetune(project, params, **_):
        seen.append(capsys.readouterr().err)  # what was said before the run began
        raise KeyboardInterrupt

    monkeypatch.setattr("labeldesk.ml.finetune.finetune_and_reembed", fake_finetune)
    assert main(["train", str(path), "--mode", "finetune", "--device", "cpu"]) == 130
    assert seen and "fine-tuning: 3 epochs over" in seen[0]
    assert "embedded again with the tuned model" in seen[0]
