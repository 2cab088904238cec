"""A fine-tune's check on val after each epoch runs the frozen blocks once: the later
checks (and the closing score on val) run only the blocks that learn, on what the first
check kept, and give the same logits, loss and accuracy as the whole model."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from labeldesk.core.image_frame import image_frame
from labeldesk.ml import finetune_check
from labeldesk.ml.backbones import Preprocess
from labeldesk.ml.finetune import FinetuneParams, finetune
from labeldesk.ml.finetune_check import CheckCache, logits
from labeldesk.ml.finetune_images import TrainingImages
from labeldesk.ml.finetune_net import classifier, freeze, keep_frozen_batchnorm_still

from .test_training import shapes_project  # noqa: F401 (a fixture)


def _tuned_model(backbone, n_classes: int, train_blocks: int = 2):
    """The classifier a fine-tune trains, its frozen layers frozen."""
    import torch

    features = copy.deepcopy(backbone.model)
    model = classifier(features, backbone.dim, n_classes).to(memory_format=torch.channels_last)
    freeze(features, train_blocks)
    return model


def _step(model, images, rows, labels, pre) -> None:
    """One training step: the blocks that learn (and the head) change."""
    import torch

    learn = [p for p in model.parameters() if p.requires_grad]
    optim = torch.optim.SGD(learn, lr=0.5)
    model.train()
    keep_frozen_batchnorm_still(model.features)  # as the fine-tune trains
    x, read = images.batch(rows, pre, "cpu")
    loss = torch.nn.functional.cross_entropy(model(x), torch.from_numpy(labels[read]))
    optim.zero_grad()
    loss.backward()
    optim.step()


def _loss(scores: np.ndarray, labels: np.ndarray) -> float:
    shifted = scores - scores.max(1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(1, keepdims=True))
    return float(-log_p[np.arange(len(labels)), labels].mean())


def test_the_checks_give_the_whole_models_logits_loss_and_accuracy(
    shapes_project,  # noqa: F811
    backbone,
    monkeypatch,
):
    monkeypatch.setattr(finetune_check, "BATCH", 4)  # 5 batches of the 20 images
    frame = image_frame(shapes_project)
    labels = (frame.label.astype(str) == "discs").to_numpy().astype(np.int64)
    images = TrainingImages([shapes_project.image_path(p) for p in frame.path], list(frame.path))
    pre = Preprocess(64, backbone.identity.preprocess.mean, backbone.identity.preprocess.std)
    model = _tuned_model(backbone, 2)
    rows = np.arange(len(frame))
    # what two batches take: blocks[5]'s input at 64 px, 112 x 4 x 4 float32 an image
    cache = CheckCache(model, rows, budget=2 * 4 * 112 * 4 * 4 * 4)
    assert cache.first == 5  # the last 2 of 7 blocks learn
    frozen_runs: list[int] = []
    model.features.blocks[0].register_forward_hook(lambda _m, x, _o: frozen_runs.append(len(x[0])))
    for epoch in range(3):
        frozen_runs.clear()
        got, got_rows = cache.logits(model, images, pre, "cpu")
        ran = sum(frozen_runs)  # images the frozen blocks ran on
        want, want_rows = logits(model, images, rows, pre, "cpu")
        order, want_order = np.argsort(got_rows), np.argsort(want_rows)
        got, want = got[order], want[want_order]
        assert list(got_rows[order]) == list(want_rows[want_order]) == list(rows)
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
        assert _loss(got, labels) == pytest.approx(_loss(want, labels), rel=1e-6)
        assert np.array_equal(got.argmax(1), want.argmax(1))  # the same accuracy
        # the frozen blocks ran on every image the first time, then on the 12 not kept
        assert ran == (20 if epoch == 0 else 12)
        assert cache.ran_whole == (epoch == 0)
        _step(model, images, rows[epoch * 6 : epoch * 6 + 6], labels, pre)
    assert len(cache.kept) == 2 and len(cache.rest) == 12


def test_a_cut_that_does_not_give_the_same_result_is_not_used():
    """A model whose layers before the blocks are not a plain chain (here a doubling in
    its forward, as a ViT adds its position embedding): the check runs it whole."""
    import torch

    class Odd(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.stem = torch.nn.Conv2d(3, 4, 3, padding=1)
            self.blocks = torch.nn.Sequential(
                torch.nn.Conv2d(4, 4, 3, padding=1), torch.nn.Conv2d(4, 4, 3, padding=1)
            )

        def forward(self, x):
            return self.blocks(self.stem(x) * 2).mean((2, 3))

    torch.manual_seed(0)
    model = classifier(Odd(), 4, 3)
    freeze(model.features, 1)

    class Images:  # TrainingImages' batches, of fixed random pixels
        def batches(self, pieces, pre, device, rng=None):
            for rows in pieces:
                yield (
                    torch.from_numpy(
                        np.stack([np.full((3, 8, 8), r / 10.0) for r in rows])
                    ).float(),
                    rows,
                )

    rows = np.arange(6)
    cache = CheckCache(model, rows)
    first = cache.logits(model, Images(), None, "cpu")
    again = cache.logits(model, Images(), None, "cpu")
    assert cache.tail is None and cache.kept == [] and cache.ran_whole
    np.testing.assert_array_equal(first[0], again[0])
    np.testing.assert_array_equal(again[0], logits(model, Images(), rows, None, "cpu")[0])


def test_a_fine_tune_reports_the_same_checks_with_and_without_the_cut(
    shapes_project,  # noqa: F811
    backbone,
    monkeypatch,
):
    params = FinetuneParams(epochs=2, batch_size=4, image_size=64)
    cut = finetune(shapes_project, params, base=backbone)
    monkeypatch.setattr(finetune_check, "CACHE_BYTES", 0)  # every check runs it whole
    whole = finetune(shapes_project, params, base=backbone)
    for a, b in zip(cut.metrics["history"], whole.metrics["history"], strict=True):
        assert a["loss"] == pytest.approx(b["loss"], rel=1e-6)
        assert a["eval_accuracy"] == b["eval_accuracy"]
    assert cut.metrics["eval"] == whole.metrics["eval"]
    assert cut.metrics.get("test") == whole.metrics.get("test")
