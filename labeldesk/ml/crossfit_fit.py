"""The cross-fit itself (see :mod:`labeldesk.ml.crossfit`): images split into stratified
parts, one copy of the backbone fine-tuned per part on the other parts' labels, each part
embedded by the copy that never saw it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from labeldesk.core.display import counted
from labeldesk.core.errors import Cancelled, LabelDeskError
from labeldesk.core.progress import CancelToken, Progress, ProgressCallback, no_progress

from .backbones import Backbone
from .device import resolve_device
from .finetune_images import TrainingImages
from .finetune_net import classifier, freeze

CROSS_FITTING = "cross-fitting"  # the progress message; fold, epoch and loss go in data


@dataclass(frozen=True)
class CrossFitParams:
    folds: int = 2
    epochs: int = 3
    lr: float = 3e-4  # the network; the classifier learns 10x faster
    weight_decay: float = 0.01
    smoothing: float = 0.1
    batch_size: int = 32
    seed: int = 0


@dataclass
class CrossFit:
    """Vectors for every row of ``vectors`` (stitched out of fold), and how they came."""

    vectors: np.ndarray  # (N, dim) float32, L2-normalised
    folds: np.ndarray  # the part each row was embedded by (a model that never saw it)
    fitted_now: bool  # False: read from the cache
    failed: list[dict[str, str]]  # images that could not be read when the fit ran
    fitted: np.ndarray  # bool (N,): embedded by its part's model; False: unreadable then,
    # its frozen vector kept in ``vectors`` but neither scored nor judged


def assign_folds(
    hashes: list[str], labels: np.ndarray, trainable: np.ndarray, folds: int, seed: int
) -> np.ndarray:
    """The part of each row: stratified by label over the trainable rows, shuffled;
    exact copies (one content hash) always in one part; other rows spread evenly."""
    rng = np.random.default_rng(seed)
    first: dict[str, int] = {}  # content hash -> its first trainable row
    for row in np.flatnonzero(trainable):
        first.setdefault(hashes[row], int(row))
    part: dict[str, int] = {}
    leaders = np.array(sorted(first.values()), dtype=np.int64)
    for label in np.unique(labels[leaders]) if len(leaders) else []:
        members = rng.permutation(leaders[labels[leaders] == label])
        offset = int(rng.integers(folds))  # small classes do not all start in part 0
        for i, row in enumerate(members):
            part[hashes[row]] = (i + offset) % folds
    rest = [h for h in dict.fromkeys(hashes) if h not in part]
    for i, h in enumerate(rng.permutation(len(rest))):
        part[rest[h]] = i % folds
    return np.array([part[h] for h in hashes], dtype=np.int64)


def fit_plan(params: CrossFitParams, labeled: int, images: int, device: str) -> str:
    """What the fit will do and where, said before the backbone loads (the terminal
    prints it above the bar, as a fine-tune's plan): without a GPU it runs for minutes,
    and the first line said only "loading backbone"."""
    where = {"cpu": "the CPU", "cuda": "the GPU", "mps": "the GPU (MPS)"}.get(device, device)
    text = (
        f"cross-fitting on {where}: {counted(params.folds, 'copy', 'copies')} of the "
        f"network, each fine-tuned for {counted(params.epochs, 'epoch')} on the labeled "
        f"train images of the other {'part' if params.folds == 2 else 'parts'} "
        f"({labeled:,} in all), then embedding its own part ({images:,} images in all)"
    )
    if device == "cpu":
        text += (
            "; without a GPU this is slow (about 7 minutes per thousand images on 2 cores): "
            "the bar gives the time left, and a stop saves nothing"
        )
    return text


def fit_parts(
    images: TrainingImages,
    hashes: list[str],
    labels: np.ndarray,
    trainable: np.ndarray,
    frozen: np.ndarray,
    base: Backbone,
    params: CrossFitParams = CrossFitParams(),
    *,
    device: str = "auto",
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> CrossFit:
    """The fit itself, on any images (``benchmarks/bench_adapted_features.py --product``
    runs it on the suite): rows line up with ``images``, ``labels`` and ``frozen`` (the
    vectors kept for an image that cannot be read)."""
    import torch

    cancel = cancel or CancelToken()
    device = resolve_device(device)
    n_classes = int(labels.max()) + 1 if len(labels) else 0
    parts = assign_folds(hashes, labels, trainable, params.folds, params.seed)
    for f in range(params.folds):
        if len(np.unique(labels[trainable & (parts != f)])) < 2:
            raise LabelDeskError(
                "cross-fitting needs labeled train images of at least two classes in "
                f"each of its {params.folds} parts; label more images first"
            )
    pre = base.identity.preprocess
    out = np.array(frozen, dtype=np.float32)  # one copy; an unreadable image keeps its own
    fitted = np.zeros(len(out), dtype=bool)
    steps = _Steps(
        params,
        [int((trainable & (parts != f)).sum()) for f in range(params.folds)],
        [int((parts == f).sum()) for f in range(params.folds)],
    )
    for f in range(params.folds):
        torch.manual_seed(params.seed + f)
        model = classifier(_copy(base.model), base.dim, n_classes).to(device)
        model = model.to(memory_format=torch.channels_last)
        train_rows = np.flatnonzero(trainable & (parts != f))
        _train(model, images, train_rows, labels, params, pre, device, f, steps, progress, cancel)
        held = np.flatnonzero(parts == f)
        pieces = [held[i : i + params.batch_size] for i in range(0, len(held), params.batch_size)]
        for piece, (x, read) in zip(pieces, images.batches(pieces, pre, device), strict=True):
            if cancel.cancelled:
                raise Cancelled("cross-fitting cancelled; nothing was saved")
            if len(read):
                out[read], fitted[read] = _embed(model, x, device), True
            steps.embedded(len(piece), f, progress)
        del model
    return CrossFit(out, parts, fitted_now=True, failed=images.report(), fitted=fitted)


class _Steps:
    """Progress over the whole fit: each part's training steps, then its batches of
    images to embed (one step each)."""

    def __init__(self, params: CrossFitParams, train_sizes: list[int], held: list[int]) -> None:
        self.params = params
        batches = [-(-n // params.batch_size) for n in (*train_sizes, *held)]
        self.total = params.epochs * sum(batches[: len(train_sizes)]) + sum(batches[len(held) :])
        self.done = 0

    def step(self, fold: int, epoch: int, loss: float, progress: ProgressCallback) -> None:
        self._report(progress, fold, epoch=epoch, epochs=self.params.epochs, loss=loss)

    def embedded(self, n: int, fold: int, progress: ProgressCallback) -> None:
        self._report(progress, fold, embedding=n)

    def _report(self, progress: ProgressCallback, fold: int, **data: Any) -> None:
        """Shown as e.g. "part 1/2, epoch 2/3, loss 0.412" after the bar."""
        self.done = min(self.done + 1, self.total)
        extra = {"unit": "step", "part": f"{fold + 1}/{self.params.folds}", **data}
        progress(Progress(self.done, self.total, CROSS_FITTING, extra))


def _copy(model: Any) -> Any:
    import copy

    return copy.deepcopy(model)  # the caller's backbone stays as it was


def _train(
    model: Any,
    images: TrainingImages,
    rows: np.ndarray,
    labels: np.ndarray,
    params: CrossFitParams,
    pre: Any,
    device: str,
    fold: int,
    steps: _Steps,
    progress: ProgressCallback,
    cancel: CancelToken,
) -> None:
    """Fine-tune every block after the stem, and the classifier, on ``rows``."""
    import torch

    blocks = getattr(model.features, "blocks", None)
    learn = freeze(model.features, len(blocks) if blocks is not None else -1)
    head = list(model.head.parameters())
    optim = torch.optim.AdamW(
        [{"params": learn, "lr": params.lr}, {"params": head, "lr": params.lr * 10}],
        weight_decay=params.weight_decay,
    )
    per_epoch = -(-len(rows) // params.batch_size)
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optim,
        max_lr=[params.lr, params.lr * 10],
        total_steps=max(1, params.epochs * per_epoch),
        pct_start=0.15,
    )
    loss_fn = torch.nn.CrossEntropyLoss(label_smoothing=params.smoothing)
    use_amp = device == "cuda"
    scaler = torch.amp.GradScaler("cuda", enabled=use_amp)
    rng = np.random.default_rng(params.seed + fold)
    for epoch in range(1, params.epochs + 1):
        model.train()
        _batchnorm_still(model)  # few images per batch: ImageNet statistics stay
        order = rng.permutation(rows)
        size = params.batch_size
        pieces = (np.sort(order[i : i + size]) for i in range(0, len(order), size))
        for x, read in images.batches(pieces, pre, device):
            if cancel.cancelled:
                raise Cancelled("cross-fitting cancelled; nothing was saved")
            loss = 0.0
            if len(read):
                y = torch.from_numpy(labels[read]).to(device)
                with torch.autocast("cuda", dtype=torch.float16, enabled=use_amp):
                    objective = loss_fn(model(x), y)
                optim.zero_grad(set_to_none=True)
                scaler.scale(objective).backward()
                scaler.step(optim)
                scaler.update()
                loss = float(objective.detach())
            schedule.step()
            steps.step(fold, epoch, loss, progress)


def _batchnorm_still(model: Any) -> None:
    import torch

    for module in model.modules():
        if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
            module.eval()


def _embed(model: Any, x: Any, device: str) -> np.ndarray:
    import torch

    model.eval()
    with torch.inference_mode(), torch.autocast("cuda", enabled=device == "cuda"):
        v = model.features(x).float()
    return torch.nn.functional.normalize(v, dim=1).cpu().numpy()
