from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from PIL import Image, ImageDraw

from labeldesk.core.create import create_and_index
from labeldesk.core.progress import CancelToken
from labeldesk.ml.backbones import load_backbone
from labeldesk.ml.finetune import FinetuneParams, finetune
from labeldesk.ml.models import list_versions
from labeldesk.ml.store import project_vectors
from labeldesk.ml.train import HeadParams, head_probabilities, train_head

from .fake_embeddings import make_clustered_project


def test_head_training_lowers_the_loss_and_beats_chance(clustered_clean):
    version = train_head(clustered_clean, HeadParams(epochs=30))
    history = version.metrics["history"]
    assert history[-1]["loss"] < history[0]["loss"] / 2
    report = version.metrics["eval"]
    assert version.metrics["evaluated_on"] == "val" and report["n"] == 15
    assert report["accuracy"] > 0.9  # chance is 1/3
    assert np.array(report["confusion"]).shape == (3, 3)
    assert set(report["per_class"]) == {"ant", "bee", "cow"}
    assert version.status == "complete" and version.kind == "head"
    assert version.label_event_id == clustered_clean.history(limit=1)[0].id


def test_head_checkpoint_round_trip(clustered_clean):
    version = train_head(clustered_clean, HeadParams(epochs=20))
    path = clustered_clean.path / version.checkpoint
    assert path.suffix == ".safetensors" and json.loads(path.with_suffix(".json").read_text())
    vectors = project_vectors(clustered_clean)
    probs = head_probabilities(clustered_clean, version, vectors.vectors)
    val = [i for i, s in enumerate(vectors.splits) if s == "val"]
    names = clustered_clean.classes()
    accuracy = np.mean([names[probs[i].argmax()] == vectors.labels[i] for i in val])
    assert accuracy == pytest.approx(version.metrics["eval"]["accuracy"])
    assert list_versions(clustered_clean)[0].id == version.id


def test_head_cancel_keeps_the_last_finished_epoch(clustered_clean):
    token = CancelToken()

    def progress(p):
        if p.done >= 3:
            token.cancel()

    version = train_head(clustered_clean, HeadParams(epochs=50), progress=progress, cancel=token)
    assert version.status == "cancelled" and len(version.metrics["history"]) == 3
    assert (clustered_clean.path / version.checkpoint).exists()


def test_without_val_a_part_of_train_is_held_out(tmp_path):
    project, _ = make_clustered_project(tmp_path, flipped=0)
    with project:
        val = [p for p in project.images().path if p.startswith("val/")]
        project.set_splits(dict.fromkeys(val, "train"))
        version = train_head(project, HeadParams(epochs=5))
        assert version.metrics["evaluated_on"] == "holdout"
        assert version.metrics["train_images"] + version.metrics["eval"]["n"] == 105


@pytest.fixture
def shapes_project(tmp_path):
    """Two visually distinct classes (stripes, discs), 8 train + 2 val images each."""
    root = tmp_path / "shapes"
    rng = np.random.default_rng(0)
    for split, count in (("train", 8), ("val", 2)):
        for i in range(count):
            for name in ("stripes", "discs"):
                img = Image.new("RGB", (64, 64), tuple(int(v) for v in rng.integers(0, 80, 3)))
                draw = ImageDraw.Draw(img)
                for k in range(4):
                    if name == "stripes":
                        draw.rectangle((0, k * 16, 64, k * 16 + 6), fill=(240, 240, 240))
                    else:
                        x, y = rng.integers(8, 56, 2)
                        draw.ellipse((x - 7, y - 7, x + 7, y + 7), fill=(240, 200, 40))
                path = root / split / name / f"{i}.png"
                path.parent.mkdir(parents=True, exist_ok=True)
                img.save(path)
    project, _ = create_and_index(tmp_path / "proj", root, workers=1)
    yield project
    project.close()


def test_finetune_saves_a_loadable_backbone_and_resumes_from_it(shapes_project, backbone):
    params = FinetuneParams(epochs=2, batch_size=4, image_size=64)
    first = finetune(shapes_project, params, base=backbone)
    assert first.status == "complete" and len(first.metrics["history"]) == 2
    assert first.metrics["eval"]["n"] == 4
    path = shapes_project.path / first.checkpoint
    tuned = load_backbone(str(path))
    assert tuned.identity.key == first.embedding_key != backbone.identity.key
    assert tuned.identity.preprocess.size == 64 and tuned.classifier is not None
    x = torch.randn(2, 3, 64, 64)
    with torch.inference_mode():
        assert tuned.classifier(tuned.model(x)).shape == (2, 2)
    second = finetune(shapes_project, FinetuneParams(epochs=1, batch_size=4, image_size=64))
    assert "-ft-" in second.params["base"]  # started from the first run's weights


def test_finetune_cancel_keeps_the_last_finished_epoch(shapes_project, backbone):
    token = CancelToken()
    messages: set[str] = set()

    def progress(p):
        messages.add(p.message)
        if p.data and p.data.get("epoch") == 2:
            token.cancel()

    version = finetune(
        shapes_project,
        FinetuneParams(epochs=3, batch_size=4, image_size=64),
        progress=progress,
        cancel=token,
        base=backbone,
    )
    assert version.status == "cancelled" and len(version.metrics["history"]) == 1
    # one bar per phase (the last: its result written); figures in data
    assert messages == {"loading backbone", "fine-tuning", "saving the fine-tuned model"}
    meta = json.loads((shapes_project.path / version.checkpoint).with_suffix(".json").read_text())
    assert meta["epoch"] == 1
