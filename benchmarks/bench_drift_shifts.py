"""Drift report benchmark, second part: the shifts users meet besides a new class. Real
images are changed (darker, brighter, lower contrast, blurred, lower resolution, heavy
JPEG, rotated, mirrored, grey instead of colour), written to a folder and embedded by the
drift report's own code (:func:`labeldesk.ml.drift_embed.embed_folder`, on a scratch copy
of the set's project); other sources (MNIST digits in a digits project, a different
draw of Fashion-MNIST in a Fashion-MNIST project) and class-prior shifts (same classes,
very different proportions) too.

Sets as in bench_drift.py (benchmarks/embedded_sets.py; ``--cache``, default
/tmp/fc/cache). Per set, ``--pool`` images drawn at random are the new images' sources;
the set's other images are the reference (the project's labeled images). Per shift and
strength, each of ``--repeats`` runs draws a folder of ``--size`` changed images from the
pool (the reference: a random 90 % of the rest) and runs
:func:`labeldesk.ml.drift.compare_vectors` (the report's tests, verdict and novelty).
Reported per cell:

- ``whole``: the share of runs with a "shift" verdict when every image of the folder is
  changed, the mean AUC, and the share of those verdicts worded "Shift in part of the
  folder" (the report's words for a change in a part only: wrong for these folders);
- ``part``: a fifth of the folder changed, the rest unchanged pool images: the share of
  "shift" verdicts and the novelty ranking's precision in its top fifth (does the
  report list the changed images first?);
- ``classes``: the share of runs whose verdict names the predicted classes whose share
  moved (the report's sentence "The model's predicted classes differ
  …", :func:`labeldesk.ml.drift_outputs.class_shares_text`, on the report's probe fit on
  the reference labels, without the neighbours' vote), and the first such sentence;
- ``low±``: the share of new images below the confidence at which the probe was 90 %
  right (out of fold on the reference), minus the reference's own share (mean over the
  runs with a "shift" verdict): the report's "model:" line;
- ``wrong``: the share of the changed images the probe gets wrong, against the
  unchanged pool's (what the change costs the model).

Controls: ``clean`` (the unchanged pool vectors) and ``resaved`` (the pool's pixels
re-saved as PNG: other bytes, so embedded again by the report's code), where a "shift"
is a false alarm.

    python benchmarks/bench_drift_shifts.py                       # fmnist,digits,patches
    python benchmarks/bench_drift_shifts.py --sets mnist5k,fmnist10k   # held out
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # a shared 2-core machine: one BLAS thread

import argparse  # noqa: E402
import io  # noqa: E402
import shutil  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from PIL import Image, ImageEnhance, ImageFilter, ImageOps  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))

import embedded_sets  # noqa: E402

from labeldesk.ml.drift import compare_vectors  # noqa: E402
from labeldesk.ml.drift_outputs import class_shares_text, compare_outputs  # noqa: E402
from labeldesk.ml.drift_verdict import ALPHA, summary_text  # noqa: E402
from labeldesk.ml.probe import probe_probabilities  # noqa: E402

PERMUTATIONS = 200  # as bench_drift.py
PART = 0.2  # share of changed images in a "part" folder

Transform = Callable[[Image.Image], Image.Image]


def _corner(img: Image.Image) -> int | tuple[int, ...]:
    value = img.getpixel((0, 0))
    return value if isinstance(value, int | tuple) else 0


def _blur(fraction: float) -> Transform:
    return lambda im: im.filter(ImageFilter.GaussianBlur(radius=max(im.size) * fraction))


def _lowres(factor: int) -> Transform:
    def change(im: Image.Image) -> Image.Image:
        w, h = im.size
        small = im.resize((max(1, w // factor), max(1, h // factor)), Image.Resampling.BILINEAR)
        return small.resize((w, h), Image.Resampling.BILINEAR)

    return change


def _rotate(degrees: float) -> Transform:
    return lambda im: im.rotate(degrees, resample=Image.Resampling.BILINEAR, fillcolor=_corner(im))


# name -> (transform, file suffix); JPEG cells are saved as JPEG by the suffix.
SHIFTS: dict[str, tuple[Transform, str]] = {
    "resaved": (lambda im: im, ".png"),
    "darker x0.7": (lambda im: ImageEnhance.Brightness(im).enhance(0.7), ".png"),
    "darker x0.4": (lambda im: ImageEnhance.Brightness(im).enhance(0.4), ".png"),
    "brighter x1.3": (lambda im: ImageEnhance.Brightness(im).enhance(1.3), ".png"),
    "brighter x1.8": (lambda im: ImageEnhance.Brightness(im).enhance(1.8), ".png"),
    "contrast x0.7": (lambda im: ImageEnhance.Contrast(im).enhance(0.7), ".png"),
    "contrast x0.4": (lambda im: ImageEnhance.Contrast(im).enhance(0.4), ".png"),
    "blur 2%": (_blur(0.02), ".png"),
    "blur 5%": (_blur(0.05), ".png"),
    "lowres 1/2": (_lowres(2), ".png"),
    "lowres 1/4": (_lowres(4), ".png"),
    "jpeg q30": (lambda im: im, ".jpg:30"),
    "jpeg q8": (lambda im: im, ".jpg:8"),
    "rotate 15": (_rotate(15), ".png"),
    "rotate 90": (_rotate(90), ".png"),
    "mirror lr": (ImageOps.mirror, ".png"),
    "flip ud": (ImageOps.flip, ".png"),
    "grey": (lambda im: ImageOps.grayscale(im).convert("RGB"), ".png"),
}
COLOUR_ONLY = {"grey"}


def _other_source(name: str, cache: Path) -> dict[str, tuple[Path, Transform]]:
    """Images of another source for the set ``name``: label -> (folder, transform)."""
    if name == "digits":
        mnist = cache / "mnist5k-images"

        def as_digits(im: Image.Image) -> Image.Image:  # dark ink on white, 32 px
            return ImageOps.invert(im.convert("L")).resize((32, 32), Image.Resampling.BILINEAR)

        return {
            "source mnist": (mnist, lambda im: im),
            "source mnist as digits": (mnist, as_digits),
        }
    if name == "fmnist":
        return {"source fmnist other draw": (cache / "fmnist10k-images", lambda im: im)}
    if name == "mnist5k":
        return {"source digits": (cache / "digits-images", lambda im: im)}
    return {}


def _save(im: Image.Image, path: Path, suffix: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix.startswith(".jpg"):
        quality = int(suffix.split(":")[1])
        im.convert("RGB" if im.mode not in ("L", "RGB") else im.mode).save(
            path.with_suffix(".jpg"), quality=quality
        )
    else:
        buf = io.BytesIO()  # a marker chunk makes "resaved" bytes differ from the source
        im.save(buf, format="PNG", compress_level=9)
        path.with_suffix(".png").write_bytes(buf.getvalue())


def embed(project_dir: Path, folder: Path) -> dict[str, np.ndarray]:
    """Vectors of ``folder``'s images by relative path, from the report's own code."""
    from labeldesk.core.project import open_project
    from labeldesk.ml.drift_embed import embed_folder

    with open_project(project_dir) as project:
        new = embed_folder(project, folder, device="cpu")
    if new.unreadable:
        print(f"  unreadable in {folder}: {new.unreadable[:3]}")
    return {p: new.vectors[i] for i, p in enumerate(new.paths)}


def write_and_embed(
    project_dir: Path, folder: Path, sources: list[Path], rels: list[str], change: Transform,
    suffix: str,
) -> np.ndarray:  # fmt: skip
    if not folder.exists():
        tmp = folder.with_name(folder.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        for src, rel in zip(sources, rels, strict=True):
            with Image.open(src) as im:
                im.load()
                _save(change(im), tmp / rel, suffix)
        tmp.rename(folder)
    by_path = embed(project_dir, folder)
    ext = ".jpg" if suffix.startswith(".jpg") else ".png"
    return np.stack([by_path[str(Path(rel).with_suffix(ext).as_posix())] for rel in rels])


class Probs:
    """The probe's class probabilities: ``reference`` row-aligned with the reference
    vectors (out of fold), ``new`` with the new-side vectors (fit on the reference)."""

    def __init__(
        self, classes: list[str], reference: np.ndarray, new: np.ndarray, truth: np.ndarray
    ):
        self.classes, self.reference, self.new, self.truth = classes, reference, new, truth


def fit_probe(
    classes: list[str], reference: np.ndarray, truth: np.ndarray, others: list[np.ndarray]
) -> list[Probs]:
    """One probe fit on the reference labels; probabilities for each of ``others``."""
    features = np.concatenate([reference, *others])
    labels = np.r_[truth, np.full(len(features) - len(reference), -1)]
    probs = probe_probabilities(features, labels, labels >= 0, len(classes)).probs
    ref, out, start = probs[: len(reference)], [], len(reference)
    for other in others:
        out.append(Probs(classes, ref, probs[start : start + len(other)], truth))
        start += len(other)
    return out


def class_words(
    probs: Probs | None, ref_rows: np.ndarray, new_rows: np.ndarray
) -> tuple[str, float]:
    """The report's class sentence, and the new images' share below the confidence at
    which the probe was 90 % right on the reference (out of fold) minus the reference's."""
    if probs is None:
        return "", 0.0
    ref = probs.reference[ref_rows]
    correct = ref.argmax(1) == probs.truth[ref_rows]
    outputs = compare_outputs(
        probs.classes, ref, probs.new[new_rows], ref.max(1), correct, "out-of-fold train"
    )
    low = (outputs.low_confidence_share or 0.0) - (outputs.reference_low_share or 0.0)
    return class_shares_text(outputs, ALPHA), low


class Cell:
    def __init__(self) -> None:
        self.class_words: list[bool] = []
        self.low: list[float] = []
        self.example = ""
        self.hits: list[bool] = []
        self.aucs: list[float] = []
        self.part_words: list[bool] = []
        self.part_hits: list[bool] = []
        self.precision: list[float] = []

    def text(self) -> str:
        n = len(self.hits)
        whole = f"{np.mean(self.hits):.2f} ({np.mean(self.aucs):.2f}"
        found = sum(self.hits)
        whole += f"; part-words {sum(self.part_words)}/{found})" if found else ")"
        named = f"{sum(self.class_words)}/{n}"
        named += f" {np.mean(self.low):+.2f}" if self.low else "      "
        if not self.part_hits:
            return f"{whole:<32} {'-':<18} {named:>7}"
        part = f"{np.mean(self.part_hits):.2f} (prec {np.mean(self.precision):.2f})"
        return f"{whole:<32} {part:<18} {named:>7}"


def run_cell(
    reference: np.ndarray,
    changed: np.ndarray,
    clean: np.ndarray | None,
    args: argparse.Namespace,
    probs: Probs | None = None,
) -> Cell:
    """``changed``: changed pool vectors; ``clean``: the same pool unchanged (row-aligned),
    or None for no "part" runs."""
    cell = Cell()
    for r in range(args.repeats):
        rng = np.random.default_rng(1000 + r)
        ref_rows = rng.choice(len(reference), int(0.9 * len(reference)), replace=False)
        size = min(args.size, len(changed))
        rows = rng.choice(len(changed), size, replace=False)
        found = compare_vectors(
            reference[ref_rows], changed[rows], permutations=PERMUTATIONS, seed=r
        )
        cell.hits.append(bool(found.shift))
        cell.aucs.append(float(found.auc or 0.5))
        if found.shift:
            words = summary_text(found, 0.0, ALPHA)
            cell.part_words.append(words.startswith("Shift in part"))
            named, low = class_words(probs, ref_rows, rows)
            cell.class_words.append(bool(named))
            cell.low.append(low)
            cell.example = cell.example or named
        if clean is None:
            continue
        k = round(PART * size)
        order = rng.permutation(len(changed))
        mixed = np.concatenate([changed[order[:k]], clean[order[k:size]]])
        found = compare_vectors(reference[ref_rows], mixed, permutations=PERMUTATIONS, seed=r)
        cell.part_hits.append(bool(found.shift))
        top = np.argsort(-found.new_novelty, kind="stable")[:k]
        cell.precision.append(float(np.mean(top < k)))
    return cell


def prior_cells(data: embedded_sets.EmbeddedSet, args: argparse.Namespace) -> None:
    """Same classes, other proportions: half the folder from one class; or the folder
    from a third of the classes only. Reference: a random half; folder: the other half.
    The probe's probabilities: out of fold over the whole set (5 folds)."""
    classes = np.unique(data.truth)
    oof = probe_probabilities(data.vectors, data.truth, data.truth >= 0, len(data.classes)).probs
    for label in ("prior none", "prior half one class", "prior a third of classes"):
        cell = Cell()
        for r in range(args.repeats):
            rng = np.random.default_rng(2000 + r)
            rows = rng.permutation(len(data.vectors))
            ref_rows, pool = rows[: len(rows) // 2], rows[len(rows) // 2 :]
            picked = rng.permutation(classes)
            size = args.size
            if label == "prior none":
                chosen = rng.choice(pool, size, replace=False)
            elif label == "prior half one class":
                one = pool[data.truth[pool] == picked[0]]
                rest = pool[data.truth[pool] != picked[0]]
                half = min(size // 2, len(one))
                chosen = np.r_[
                    rng.choice(one, half, replace=False),
                    rng.choice(rest, size - half, replace=False),
                ]
            else:
                few = pool[np.isin(data.truth[pool], picked[: max(2, len(classes) // 3)])]
                chosen = rng.choice(few, min(size, len(few)), replace=False)
            found = compare_vectors(
                data.vectors[ref_rows], data.vectors[chosen], permutations=PERMUTATIONS, seed=r
            )
            cell.hits.append(bool(found.shift))
            cell.aucs.append(float(found.auc or 0.5))
            if found.shift:
                cell.part_words.append(summary_text(found, 0.0, ALPHA).startswith("Shift in part"))
                named, low = class_words(
                    Probs(data.classes, oof, oof, data.truth), ref_rows, chosen
                )
                cell.class_words.append(bool(named))
                cell.low.append(low)
                cell.example = cell.example or named
        print(f"  {label:<26} {cell.text()}", flush=True)
        if cell.example:
            print(f"      e.g. {cell.example}")


def run_set(name: str, args: argparse.Namespace) -> None:
    data = embedded_sets.load(name, args.cache)
    images = args.cache / f"{name}-images"
    work = args.work / name
    project_dir = work / f"{name}.labeldesk"
    if not project_dir.exists():  # a scratch copy: the report's embedding writes to it
        work.mkdir(parents=True, exist_ok=True)
        shutil.copytree(args.cache / f"{name}.labeldesk", project_dir)
    rng = np.random.default_rng(7)
    pool = rng.choice(len(data.vectors), min(args.pool, len(data.vectors) // 3), replace=False)
    rest = np.setdiff1d(np.arange(len(data.vectors)), pool)
    reference, clean = data.vectors[rest], data.vectors[pool]
    rels = [data.paths[i] for i in pool]
    sources = [images / rel for rel in rels]
    colour = Image.open(sources[0]).mode == "RGB"
    truth_pool = data.truth[pool]
    print(f"\n{name}: reference {len(rest)} images (a random 90 % a run), pool {len(pool)}; "
          f"folders of {min(args.size, len(pool))}, {args.repeats} repeats")  # fmt: skip
    wanted = [s for s in args.shifts.split(",") if s] if args.shifts else list(SHIFTS)
    changed_by: dict[str, np.ndarray] = {"clean": clean}
    for shift in wanted:
        change, suffix = SHIFTS[shift]
        if shift in COLOUR_ONLY and not colour:
            continue
        folder = work / shift.replace(" ", "_").replace("/", "-").replace("%", "pc")
        changed_by[shift] = write_and_embed(project_dir, folder, sources, rels, change, suffix)
    probs = dict(
        zip(
            changed_by,
            fit_probe(data.classes, reference, data.truth[rest], list(changed_by.values())),
            strict=True,
        )
    )
    print(f"  {'shift':<26} {'whole: shift (AUC; part-words)':<32} "
          f"{'part 20%: shift (prec)':<18} classes low±   wrong")  # fmt: skip
    for shift, changed in changed_by.items():
        cell = run_cell(reference, changed, None if shift == "clean" else clean, args, probs[shift])
        wrong = np.mean(probs[shift].new.argmax(1) != truth_pool)
        print(f"  {shift:<26} {cell.text()} {wrong:5.2f}", flush=True)
        if cell.example:
            print(f"      e.g. {cell.example}")
    for label, (folder_in, change) in _other_source(name, args.cache).items():
        srcs = sorted(p for p in folder_in.rglob("*.png"))
        if name == "fmnist":  # another draw: only images the project does not hold
            held = set(data.paths)
            srcs = [p for p in srcs if p.relative_to(folder_in).as_posix() not in held]
        srcs = [srcs[i] for i in np.random.default_rng(8).choice(len(srcs), len(pool), False)]
        srels = [p.relative_to(folder_in).as_posix() for p in srcs]
        folder = work / label.replace(" ", "_")
        changed = write_and_embed(project_dir, folder, srcs, srels, change, ".png")
        (probs,) = fit_probe(data.classes, reference, data.truth[rest], [changed])
        cell = run_cell(reference, changed, clean, args, probs)
        truth = np.array([data.classes.index(r.split("/")[0]) for r in srels])
        wrong = np.mean(probs.new.argmax(1) != truth)
        print(f"  {label:<26} {cell.text()} {wrong:5.2f}", flush=True)
        if cell.example:
            print(f"      e.g. {cell.example}")
    prior_cells(data, args)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cache", type=Path, default=Path("/tmp/fc/cache"))
    parser.add_argument("--work", type=Path, default=Path("/tmp/ld-drift-shifts"))
    parser.add_argument("--sets", default="fmnist,digits,patches")
    parser.add_argument("--shifts", default="", help="comma-separated; default all")
    parser.add_argument("--pool", type=int, default=300)
    parser.add_argument("--size", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=8)
    args = parser.parse_args()
    started = time.perf_counter()
    for name in args.sets.split(","):
        run_set(name, args)
    print(f"\n(total {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
