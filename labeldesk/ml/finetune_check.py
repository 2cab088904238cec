"""A fine-tune's check on val after each epoch, without running the frozen blocks again.

Only the last ``train_blocks`` blocks of the backbone (and the layers after them) learn;
the stem and the blocks before them are frozen, and a check runs them in eval mode on
the same images, not augmented, every epoch: they give the same values each time. On
the CPU they are most of the forward pass (efficientnet_lite0 at 224 px: about three
quarters of it comes before ``blocks[5]``, the first of the two that learn by default),
and every check decoded every val image again. The first check runs the whole model, as
before, and keeps what enters the first block that learns; the later checks, and the
closing score on val, run only the rest of the model on it. The cross-fit's benchmark
caches block inputs the same way (``benchmarks/bench_adapted_features.py``).

What is kept is capped (:data:`CACHE_BYTES`); the images beyond it run whole each time.
The cut is checked once on the first batch: the rest of the model on what was kept must
give what the whole model gave, or nothing is kept (a model whose layers before its
blocks are not a plain chain, such as a ViT's position embedding).
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from .backbones import Preprocess
from .finetune_images import TrainingImages

# What the checks keep of the val images (float32 block inputs, on the CPU): about 3,000
# images at 224 px for efficientnet_lite0's blocks[5] (86 KB an image)
CACHE_BYTES = 256 * 2**20
BATCH = 32


def predict(
    model: Any,
    images: TrainingImages,
    rows: np.ndarray,
    pre: Preprocess,
    device: str,
    batch: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(predicted class, row) for each of ``rows`` that could be read, by the whole model."""
    scores, kept = logits(model, images, rows, pre, device, batch)
    return scores.argmax(1), kept


def logits(
    model: Any,
    images: TrainingImages,
    rows: np.ndarray,
    pre: Preprocess,
    device: str,
    batch: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(the model's logits, row) for each of ``rows`` that could be read."""
    import torch

    model.eval()
    out, kept = [], [np.zeros(0, dtype=np.int64)]
    with torch.inference_mode():
        for x, read in images.batches(_pieces(rows, batch or BATCH), pre, device):
            if len(read):
                out.append(model(x).float().cpu().numpy())
                kept.append(read)
    return _stack(out, model), np.concatenate(kept)


class CheckCache:
    """:func:`predict` on the same ``rows`` again and again (the val images after each
    epoch) while only the blocks from the first that learns onward change. ``model`` is
    the fine-tune's classifier (``features`` then ``head``), its frozen layers already
    frozen (``requires_grad`` off)."""

    def __init__(self, model: Any, rows: np.ndarray, budget: int | None = None) -> None:
        self.rows = rows
        self.budget = CACHE_BYTES if budget is None else budget
        self.first = _first_trained(model.features)  # None: nothing frozen to skip
        self.kept: list[tuple[Any, np.ndarray]] = []  # (block input, its rows)
        self.rest: np.ndarray | None = None  # rows run whole each time (None: not yet)
        self.tail: Any = None  # the model from the first trained block on
        self.ran_whole = True  # whether the last check ran every image whole
        self.frozen: list[Any] = []  # what the kept inputs were made with

    def predict(
        self, model: Any, images: TrainingImages, pre: Preprocess, device: str
    ) -> tuple[np.ndarray, np.ndarray]:
        """As :func:`predict` on ``rows``, the same result."""
        scores, kept = self.logits(model, images, pre, device)
        return scores.argmax(1), kept

    def logits(
        self, model: Any, images: TrainingImages, pre: Preprocess, device: str
    ) -> tuple[np.ndarray, np.ndarray]:
        """As :func:`logits` on ``rows`` (to float precision)."""
        if self.kept and not self._unchanged(model.features):
            self.rest = None  # (never in a fine-tune: see _frozen_state)
        if self.rest is None:
            return self._first(model, images, pre, device)
        import torch

        model.eval()
        out, kept = [], [np.zeros(0, dtype=np.int64)]
        with torch.inference_mode():
            if self.kept:
                self.tail.eval()
            for inputs, read in self.kept:
                out.append(model.head(self.tail(inputs.to(device))).float().cpu().numpy())
                kept.append(read)
        whole, whole_rows = logits(model, images, self.rest, pre, device)
        self.ran_whole = not self.kept
        return np.concatenate([_stack(out, model), whole]), np.concatenate([*kept, whole_rows])

    def _first(
        self, model: Any, images: TrainingImages, pre: Preprocess, device: str
    ) -> tuple[np.ndarray, np.ndarray]:
        """The whole model on every row, keeping the first trained block's input."""
        import torch

        self.ran_whole, self.kept = True, []  # (a check cut short kept only some)
        if self.first is None or self.budget <= 0:
            self.rest = self.rows
            return logits(model, images, self.rows, pre, device)
        model.eval()
        self.frozen = _frozen_state(model.features, self.first)
        self.tail = _tail(model.features, self.first)
        self.tail.eval()
        grabbed: list[Any] = []
        hook = _grab(model.features, self.first, grabbed)
        out, kept = [], [np.zeros(0, dtype=np.int64)]
        pieces = _pieces(self.rows, BATCH)
        used, rest, cut_checked = 0, [], False
        try:
            with torch.inference_mode():
                batches = images.batches(pieces, pre, device)
                for piece, (x, read) in zip(pieces, batches, strict=True):
                    if not len(read):
                        continue
                    grabbed.clear()
                    scores = model(x)
                    out.append(scores.float().cpu().numpy())
                    kept.append(read)
                    inputs = grabbed[0]
                    if not cut_checked:
                        cut_checked = True
                        hook.remove()  # the tail runs the same blocks
                        if not _same(model.head(self.tail(inputs)), scores):
                            self.kept, self.tail, self.budget = [], None, 0
                        hook = _grab(model.features, self.first, grabbed)
                    size = inputs.element_size() * inputs.nelement()
                    if self.tail is not None and used + size <= self.budget:
                        self.kept.append((inputs.to("cpu", copy=True), read))
                        used += size
                    else:
                        rest.append(piece)
        finally:
            hook.remove()
        self.rest = np.concatenate([np.zeros(0, dtype=np.int64), *rest])
        return _stack(out, model), np.concatenate(kept)

    def _unchanged(self, features: Any) -> bool:
        now = _frozen_state(features, self.first)
        return len(now) == len(self.frozen) and all(
            a.equal(b) for a, b in zip(now, self.frozen, strict=True)
        )


def _frozen_state(features: Any, first: int | None) -> list[Any]:
    """A copy of every weight and statistic the kept block inputs depend on: the check
    goes back to the whole model if one changed (a frozen BatchNorm left in training
    mode would move its running statistics; the fine-tune keeps them still)."""
    if first is None:
        return []
    parts = []
    for name, child in features.named_children():
        if name == "blocks":
            break
        parts.append(child)
    parts += list(features.blocks)[:first]
    tensors = [t for part in parts for t in (*part.parameters(), *part.buffers())]
    tensors += [*features.parameters(recurse=False), *features.buffers(recurse=False)]
    return [t.detach().clone() for t in tensors]


def _stack(scores: list[np.ndarray], model: Any) -> np.ndarray:
    if scores:
        return np.concatenate(scores)
    return np.zeros((0, model.head.out_features), dtype=np.float32)


def _pieces(rows: np.ndarray, batch: int) -> list[np.ndarray]:
    return [rows[start : start + batch] for start in range(0, len(rows), batch)]


def _first_trained(features: Any) -> int | None:
    """The index of the first block that learns, when every layer before it is frozen
    (None: a model without ``blocks``, or one that trains before them)."""
    import torch

    blocks = getattr(features, "blocks", None)
    if not isinstance(blocks, torch.nn.Sequential):
        return None
    if any(p.requires_grad for p in features.parameters(recurse=False)):
        return None  # its own parameters (a ViT's position embedding) learn
    for name, child in features.named_children():
        if name == "blocks":
            break
        if any(p.requires_grad for p in child.parameters()):
            return None
    for index, block in enumerate(blocks):
        if any(p.requires_grad for p in block.parameters()):
            return index if index > 0 else None  # the stem alone: not worth its memory
    return len(blocks)


def _tail(features: Any, first: int) -> Any:
    """``features`` from ``blocks[first]`` on: the same modules (they go on learning), the
    layers before them replaced by ``Identity``."""
    import torch

    tail = copy.copy(features)  # shares every layer; its own list of them
    tail._modules = dict(features._modules)
    for name in list(tail._modules):
        if name == "blocks":
            break
        tail._modules[name] = torch.nn.Identity()
    tail._modules["blocks"] = torch.nn.Sequential(*list(features.blocks)[first:])
    return tail


def _grab(features: Any, first: int, into: list[Any]) -> Any:
    """A hook that appends the input of ``blocks[first]`` (the output of the blocks, when
    none of them learns) to ``into``."""
    blocks = features.blocks
    if first < len(blocks):
        return blocks[first].register_forward_pre_hook(lambda _m, args: into.append(args[0]))
    return blocks.register_forward_hook(lambda _m, _args, out: into.append(out))


def _same(a: Any, b: Any) -> bool:
    import torch

    return bool(
        torch.allclose(a, b, rtol=1e-4, atol=1e-5) and torch.equal(a.argmax(1), b.argmax(1))
    )
