"""Feature views for bench_label_suite.py, computed in process and kept by (set, view).

``flip`` and ``multi`` (test-time flip, multi-scale features; research, cached under
--views) and ``pixels`` (the project's own pixel view, labeldesk.ml.pixel_view, from each
set's project's thumbnails) and ``sNNN`` (the set embedded at NNN px input, as
``labeldesk embed --input-size NNN`` would, cached under --views). A view holds one row
per image of the whole set; a subset of the set finds its rows through ROW_IDS, keyed by
the id of its vectors array.
"""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

import embedded_sets
import numpy as np
from embedded_sets import EmbeddedSet

VIEWS: dict[tuple[str, str], np.ndarray] = {}
ROW_IDS: dict[int, np.ndarray] = {}


def set_rows(s: EmbeddedSet) -> np.ndarray:
    return ROW_IDS[id(s.vectors)]


BLOCK_DIMS = (40, 80, 112, 192, 320)  # channels of efficientnet-lite0's blocks 2-6


def feature_views(name: str, base: EmbeddedSet, cache: Path, out: Path) -> None:
    """``flip``: the mean of an image's vector and its mirror image's; ``multi``: the final
    vector beside the mean-pooled outputs of blocks 2-6 (each block at unit norm, all five
    together as much weight as the final vector); ``multi-flip``: both."""
    target = out / f"{name}-features.npz"
    if not target.exists():
        a = _embed_views(name, base, cache)
        out.mkdir(parents=True, exist_ok=True)
        np.savez(target, final=a["final"], final_flip=a["final_flip"], mid=a["mid"],
                 mid_flip=a["mid_flip"])  # fmt: skip
    with np.load(target) as a:
        final, final_flip, mid, mid_flip = (
            a[k] for k in ("final", "final_flip", "mid", "mid_flip")
        )

    def unit(v: np.ndarray) -> np.ndarray:
        return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)

    def multi(f: np.ndarray, m: np.ndarray) -> np.ndarray:
        blocks = np.split(m, np.cumsum(BLOCK_DIMS)[:-1], axis=1)
        return np.hstack([unit(f), unit(np.hstack([unit(b) for b in blocks]))])

    VIEWS[(name, "flip")] = unit(unit(final) + unit(final_flip)).astype(np.float32)
    VIEWS[(name, "multi")] = unit(multi(final, mid)).astype(np.float32)
    both = multi(final, mid) + multi(final_flip, mid_flip)
    VIEWS[(name, "multi-flip")] = unit(both).astype(np.float32)


PIXELS = "pixels"


def pixel_views(name: str, cache: Path) -> None:
    """The project's pixel view (labeldesk.ml.pixel_view, from its thumbnails) of the set,
    in the set's row order."""
    from labeldesk.core.project import open_project
    from labeldesk.ml.pixel_view import pixel_view
    from labeldesk.ml.store import project_vectors

    base = embedded_sets.load(name, cache)
    with open_project(cache / f"{name}.labeldesk") as project:
        vectors = project_vectors(project)
        view = pixel_view(project, vectors)
    if view is None:
        raise SystemExit(f"{name}: no pixel view (thumbnails missing?)")
    row = {p: i for i, p in enumerate(vectors.paths)}
    VIEWS[(name, PIXELS)] = view[[row[p] for p in base.paths]]


def size_view(name: str, base: EmbeddedSet, cache: Path, out: Path, size: int) -> str:
    """The set embedded with the default backbone at ``size`` px input (each file
    prepared as the product prepares it); the view's name, ``s<size>``."""
    import torch

    from labeldesk.ml.backbones import load_backbone
    from labeldesk.ml.preprocess import prepare, to_tensor

    target = out / f"{name}-s{size}.npy"
    if not target.exists():
        torch.set_num_threads(os.cpu_count() or 1)
        backbone = load_backbone()
        net = backbone.model.eval()
        pre = replace(backbone.identity.preprocess, size=size)
        parts = []
        with torch.inference_mode():
            for start in range(0, len(base.paths), 32):
                paths = base.paths[start : start + 32]
                px = np.stack([prepare(_root(name, cache) / p, pre) for p in paths])
                parts.append(torch.nn.functional.normalize(net(to_tensor(px, pre, "cpu"))))
        out.mkdir(parents=True, exist_ok=True)
        np.save(target, torch.cat(parts).float().numpy())
    VIEWS[(name, f"s{size}")] = np.load(target)
    return f"s{size}"


def _root(name: str, cache: Path) -> Path:
    return embedded_sets.SAMPLE / "fashion" if name == "sample" else cache / f"{name}-images"


def _embed_views(name: str, base: EmbeddedSet, cache: Path) -> dict[str, np.ndarray]:
    import torch

    from labeldesk.ml.backbones import load_backbone
    from labeldesk.ml.preprocess import prepare, to_tensor

    torch.set_num_threads(1)  # the machine is shared
    backbone = load_backbone()
    net, pre = backbone.model.eval(), backbone.identity.preprocess
    pooled: dict[int, object] = {}
    for i in range(2, 7):
        net.blocks[i].register_forward_hook(
            lambda _m, _a, o, i=i: pooled.__setitem__(i, o.mean(dim=(2, 3)))
        )
    root = _root(name, cache)
    parts: dict[str, list[np.ndarray]] = defaultdict(list)
    with torch.inference_mode():
        for start in range(0, len(base.paths), 32):
            px = np.stack([prepare(root / p, pre) for p in base.paths[start : start + 32]])
            for suffix, batch in (("", px), ("_flip", px[:, :, ::-1].copy())):
                parts["final" + suffix].append(net(to_tensor(batch, pre, "cpu")).float().numpy())
                parts["mid" + suffix].append(
                    torch.cat([pooled[i] for i in range(2, 7)], 1).numpy()  # type: ignore[misc]
                )
    return {k: np.concatenate(v) for k, v in parts.items()}
