"""Training benchmark: a head on embeddings against fine-tuning the backbone.

Fashion-MNIST (Debian's dataset-fashion-mnist) as an ImageFolder with train/val/test
splits; both modes train on the same train split and are scored on the same test split,
in the same run. Reports test accuracy, seconds per epoch and images per second, on the
CPU (and on CUDA with --device cuda when a GPU is present).

    python benchmarks/bench_train.py [--per-class 100] [--finetune-epochs 3] [--device auto]
"""

from __future__ import annotations

import argparse
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
from labeldesk.ml.embed import embed_project
from labeldesk.ml.finetune import FinetuneParams, finetune
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
        t = time.perf_counter()
        tuned = finetune(project, FinetuneParams(epochs=args.finetune_epochs), device=args.device)
        tune_s = time.perf_counter() - t
        per_epoch = tune_s / args.finetune_epochs
        print(
            f"finetune:  test accuracy {tuned.metrics['test']['accuracy']:.3f}   "
            f"{per_epoch:.1f} s/epoch ({n_train / per_epoch:.1f} train img/s incl. eval; "
            f"{args.finetune_epochs} epochs on {tuned.params['device']}, "
            f"last {FinetuneParams.train_blocks} blocks)"
        )
        history = ", ".join(f"{h['loss']:.3f}" for h in tuned.metrics["history"])
        print(f"           loss per epoch: {history}")
        project.close()


if __name__ == "__main__":
    main()
