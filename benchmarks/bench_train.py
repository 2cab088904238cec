"""Training benchmark: a head on embeddings against fine-tuning the backbone.

Fashion-MNIST (Debian's dataset-fashion-mnist) as an ImageFolder with train/val/test
splits; both modes train on the same train split and are scored on the same test split,
in the same run. Reports test accuracy, seconds per epoch and images per second, on the
CPU (and on CUDA with --device cuda when a GPU is present).

    python benchmarks/bench_train.py [--per-class 100] [--finetune-epochs 3] [--device auto]
                                     [--decode-baseline] [--check-baseline]

--decode-baseline fine-tunes twice in the same run: first with the images decoded in the
training thread (what the CPU does), then as shipped (on a GPU, worker processes decode
the next batches while the model trains).

--check-baseline fine-tunes twice in the same run: first with every check on val running
the whole model (as before the checks kept the frozen blocks' output), then as shipped.

Each fine-tune says where an epoch's time went: its training steps, and its check on val
(the first check runs the whole model; the later ones, as shipped, only the blocks that
learn), timed from the progress reports.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sample_data"))

from make_sample import CLASS_NAMES, load_fashion_mnist

from labeldesk.core.create import create_and_index
from labeldesk.core.project import open_project
from labeldesk.ml.backbones import load_backbone
from labeldesk.ml.embed import embed_project
from labeldesk.ml.finetune import FINE_TUNING, FinetuneParams, finetune
from labeldesk.ml.store import current_store, model_spec
from labeldesk.ml.train import HeadParams, train_head

DATA = Path(tempfile.gettempdir()) / "labeldesk-bench"


def make_folder(per_class: int) -> Path:
    folder = DATA / f"fmnist-splits-{per_class}"
    if (folder / ".complete").exists():
        return folder
    train_x, train_y = load_fashion_mnist("train")
    test_x, test_y = load_fashion_mnist("test")
    rng = np.random.default_rng(7)
    for split, xs, ys, count in (
        ("train", train_x, train_y, per_class),
        ("val", train_x, train_y, per_class // 4),
        ("test", test_x, test_y, per_class // 2),
    ):
        for c, name in enumerate(CLASS_NAMES):
            pool = np.flatnonzero(ys == c)
            # val must not reuse train images: take them from the far end of the pool
            picks = pool[-count:] if split == "val" else rng.choice(pool[:-per_class], count, False)
            for i in picks:
                path = folder / split / name / f"{split}-{i:05d}.png"
                path.parent.mkdir(parents=True, exist_ok=True)
                Image.fromarray(xs[i]).save(path)
    (folder / ".complete").touch()
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--per-class", type=int, default=100, help="train images per class")
    parser.add_argument("--head-epochs", type=int, default=HeadParams.epochs)
    parser.add_argument("--finetune-epochs", type=int, default=3)
    parser.add_argument("--device", default="auto")
    parser.add_argument(
        "--decode-baseline",
        action="store_true",
        help="fine-tune first with decoding in the training thread, then as shipped",
    )
    parser.add_argument(
        "--check-baseline",
        action="store_true",
        help="fine-tune first with every check on val run whole, then as shipped",
    )
    args = parser.parse_args()
    folder = make_folder(args.per_class)
    with tempfile.TemporaryDirectory(dir=DATA) as tmp:
        project, _ = create_and_index(Path(tmp) / "proj", folder)
        project.close()
        project = open_project(Path(tmp) / "proj")
        report = embed_project(project, device=args.device)
        print(
            f"{len(project.images())} images ({args.per_class}/class train); embedded at "
            f"{report.images_per_s:.1f} img/s on {report.device}"
        )
        t = time.perf_counter()
        head = train_head(project, HeadParams(epochs=args.head_epochs), device=args.device)
        head_s = time.perf_counter() - t
        n_train = head.metrics["train_images"]
        print(
            f"head:      test accuracy {head.metrics['test']['accuracy']:.3f}   "
            f"{head_s / args.head_epochs * 1000:.1f} ms/epoch ({args.head_epochs} epochs, "
            f"{head_s:.1f} s total)"
        )
        modes: tuple[str, ...] = ("shipped",)
        if args.decode_baseline:
            modes = ("training thread", "shipped")
        elif args.check_baseline:
            modes = ("checks whole", "shipped")
        # Both runs of the pair start from the same backbone (a fine-tune starts from the
        # last one); a single run loads it as `labeldesk train` does.
        base = load_backbone(model_spec(current_store(project))) if len(modes) > 1 else None
        for mode in modes:
            finetune_run(project, base, args, n_train, mode)
        project.close()


def finetune_run(project, base, args, n_train: int, mode: str) -> None:
    """One fine-tune, timed; ``mode`` "training thread" decodes there even on a GPU;
    "checks whole" runs every check on val through the whole model."""
    from unittest import mock

    from labeldesk.ml import finetune_check, finetune_images

    patch: contextlib.AbstractContextManager[object] = contextlib.nullcontext()
    if mode == "training thread":
        patch = mock.patch.object(finetune_images, "decode_threads", lambda device: 1)
    elif mode == "checks whole":
        patch = mock.patch.object(finetune_check, "CACHE_BYTES", 0)
    times = EpochTimes()
    with patch:
        t = time.perf_counter()
        params = FinetuneParams(epochs=args.finetune_epochs)
        tuned = finetune(project, params, device=args.device, base=base, progress=times)
        tune_s = time.perf_counter() - t
    per_epoch = tune_s / args.finetune_epochs
    print(
        f"finetune:  test accuracy {tuned.metrics['test']['accuracy']:.3f}   "
        f"{per_epoch:.1f} s/epoch ({n_train / per_epoch:.1f} train img/s incl. eval; "
        f"{args.finetune_epochs} epochs on {tuned.params['device']}, "
        f"last {FinetuneParams.train_blocks} blocks; {mode})"
    )
    history = ", ".join(f"{h['loss']:.3f}" for h in tuned.metrics["history"])
    accuracy = ", ".join(
        f"{h.get('eval_accuracy', float('nan')):.4f}" for h in tuned.metrics["history"]
    )
    print(f"           loss per epoch: {history}; val accuracy per epoch: {accuracy}")
    for epoch, (train_s, check_s) in enumerate(times.split(), 1):
        print(
            f"           epoch {epoch}: {train_s + check_s:.1f} s = training {train_s:.1f} s "
            f"+ check on val {check_s:.1f} s"
        )
    closing = tune_s - times.last_check_end
    print(f"           closing scores (val, test) and saving: {closing:.1f} s")


class EpochTimes:
    """A progress callback that notes when each epoch's training steps and check end."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.trained: dict[int, float] = {}  # epoch -> its last step's report
        self.checked: dict[int, float] = {}  # epoch -> its check's report
        self.last_check_end = 0.0

    def __call__(self, p) -> None:
        data = p.data or {}
        if p.message != FINE_TUNING or "epoch" not in data:
            return
        now = time.perf_counter()
        if "images_per_s" in data:  # a training step's report
            self.trained[data["epoch"]] = now
        else:  # the epoch's closing report, sent once its check is done
            self.checked[data["epoch"]] = now
            self.last_check_end = now - self.started

    def split(self) -> list[tuple[float, float]]:
        out, before = [], self.started
        for epoch in sorted(self.checked):
            trained = self.trained[epoch]
            out.append((trained - before, self.checked[epoch] - trained))
            before = self.checked[epoch]
        return out


if __name__ == "__main__":
    main()
