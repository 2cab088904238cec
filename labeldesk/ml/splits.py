"""Train/val/test splits that nothing leaks across: every exact or near-duplicate group
goes whole into one split, and each class is spread over the splits in the ratios asked.

Other tools only find leaks after the fact; here the split is made so there are none.
Groups are joined from three kinds of evidence (union-find): the same content hash
(exact copies), perceptual hashes a few bits apart confirmed by the thumbnails
(:mod:`labeldesk.ml.hash_groups`; works before any embedding exists), and, once the
project is embedded, the duplicate finder's near-duplicate groups
(:func:`labeldesk.ml.duplicates.find_duplicates`).

Assignment is greedy and seeded: groups in a random order (the seed) with the largest
first, each put into the split where it least increases the squared distance between
the per-class counts and their targets. Singletons fill the quotas exactly (within one
image per class and split); large groups are placed while there is room for them. The
balance actually reached is reported per class, so a skewed result is seen, not hidden.
Only the export sees these splits: the project's own are not changed.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from labeldesk.core.errors import LabelDeskError
from labeldesk.core.progress import CancelToken
from labeldesk.core.vocab import SPLITS

if TYPE_CHECKING:
    from labeldesk.core.project import Project

UNLABELED = "(unlabeled)"  # the stratum of images without a label


def parse_ratios(text: str) -> tuple[float, float, float]:
    """``"80/10/10"`` (or ``"80/20"``: no test) as train/val/test fractions summing to 1."""
    parts = [p.strip() for p in str(text).split("/")]
    if not 2 <= len(parts) <= 3 or not all(re.fullmatch(r"\d+(\.\d+)?", p) for p in parts):
        raise LabelDeskError(
            f"--make-splits {text!r}: write train/val/test percentages, e.g. 80/10/10"
        )
    values = [float(p) for p in parts] + [0.0] * (3 - len(parts))
    total = sum(values)
    if abs(total - 100) > 1e-6 and abs(total - 1) > 1e-9:
        raise LabelDeskError(f"--make-splits {text!r}: the parts add up to {total:g}, not 100")
    if values[0] <= 0:
        raise LabelDeskError(f"--make-splits {text!r}: the train part must be above 0")
    return (values[0] / total, values[1] / total, values[2] / total)


@dataclass
class MadeSplits:
    """The splits made for an export and how well they hold the ratios."""

    ratios: tuple[float, float, float]
    seed: int
    splits: dict[int, str]  # image id -> train / val / test
    groups_kept_together: int  # duplicate groups (2+ images) each placed whole
    images_in_groups: int
    group_kinds: dict[str, int] = field(default_factory=dict)  # evidence: exact, near, ...
    sizes: dict[str, int] = field(default_factory=dict)
    per_class: dict[str, dict[str, int]] = field(default_factory=dict)
    max_deviation: float = 0.0  # largest |class share in a split - its ratio|

    def to_json(self) -> dict[str, Any]:
        return {
            "ratios": dict(zip(SPLITS, (round(r, 6) for r in self.ratios), strict=True)),
            "seed": self.seed,
            "sizes": self.sizes,
            "per_class": self.per_class,
            "max_class_deviation": round(self.max_deviation, 4),
            "groups_kept_together": self.groups_kept_together,
            "images_in_groups": self.images_in_groups,
            "group_evidence": self.group_kinds,
        }


class _Groups:
    """Union-find over positions; counts the evidence that joined two sets."""

    def __init__(self, n: int):
        self.parent = list(range(n))
        self.kinds: Counter[str] = Counter()

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def same(self, i: int, j: int) -> bool:
        return self.find(i) == self.find(j)

    def join(self, i: int, j: int, kind: str) -> None:
        a, b = self.find(i), self.find(j)
        if a != b:
            self.parent[max(a, b)] = min(a, b)
            self.kinds[kind] += 1

    def groups(self) -> list[list[int]]:
        members: dict[int, list[int]] = {}
        for i in range(len(self.parent)):
            members.setdefault(self.find(i), []).append(i)
        return list(members.values())


def duplicate_groups(
    project: Project, image_ids: Sequence[int], *, cancel: CancelToken | None = None
) -> tuple[list[list[int]], dict[str, int]]:
    """Every image id of ``image_ids`` in a group (most alone), and how many joins each
    kind of evidence made (``exact``, ``near (hash)``, ``near (embeddings)``)."""
    from labeldesk.core.image_rows import usable_images

    from .duplicates import fill_perceptual_hashes, find_duplicates
    from .hash_groups import confirmed_pairs

    cancel = cancel or CancelToken()
    wanted = {int(i): n for n, i in enumerate(image_ids)}
    fill_perceptual_hashes(project, cancel=cancel)
    rows = [r for r in usable_images(project.db) if r["id"] in wanted]
    uf = _Groups(len(image_ids))
    first: dict[str, int] = {}
    for r in rows:
        if r["hash"] is not None:
            uf.join(first.setdefault(r["hash"], wanted[r["id"]]), wanted[r["id"]], "exact")
    pos = [wanted[r["id"]] for r in rows]
    for a, b in confirmed_pairs(
        project,
        [r["path"] for r in rows],
        [r["phash"] for r in rows],
        already_joined=lambda i, j: uf.same(pos[i], pos[j]),
        cancel=cancel,
    ):
        uf.join(pos[a], pos[b], "near (hash)")
    by_path = {r["path"]: wanted[r["id"]] for r in rows}
    for group in find_duplicates(project, cancel=cancel):  # near groups once embedded
        inside = [by_path[p] for p in group.paths if p in by_path]
        for other in inside[1:]:
            uf.join(inside[0], other, "near (embeddings)" if group.kind == "near" else "exact")
    ids = [int(i) for i in image_ids]
    return [[ids[i] for i in g] for g in uf.groups()], dict(uf.kinds)


def assign_splits(
    groups: Sequence[Sequence[int]],
    labels: dict[int, str | None],
    ratios: tuple[float, float, float],
    seed: int = 0,
) -> dict[int, str]:
    """Each image id's split, whole groups at a time (see the module docstring)."""
    rng = np.random.default_rng(seed)
    strata = sorted({_stratum(labels.get(i)) for g in groups for i in g})
    column = {s: n for n, s in enumerate(strata)}
    counts = np.zeros((len(groups), len(strata)))
    for row, group in enumerate(groups):
        for i in group:
            counts[row, column[_stratum(labels.get(i))]] += 1
    target = np.outer(np.asarray(ratios), counts.sum(axis=0))  # (split, stratum)
    have = np.zeros_like(target)
    open_splits = np.flatnonzero(np.asarray(ratios) > 0)
    shuffled = rng.permutation(len(groups))
    order = sorted(shuffled.tolist(), key=lambda g: -len(groups[g]))  # stable: seed breaks ties
    out: dict[int, str] = {}
    for g in order:
        n = counts[g]
        # growth of sum((have - target)^2) if the group went into each split
        cost = (n * (2 * (have - target) + n)).sum(axis=1)[open_splits]
        best = open_splits[np.flatnonzero(cost == cost.min())]
        split = int(best[0] if len(best) == 1 else rng.choice(best))
        have[split] += n
        for i in groups[g]:
            out[i] = SPLITS[split]
    return out


def _stratum(label: str | None) -> str:
    return label if isinstance(label, str) else UNLABELED


def make_splits(
    project: Project,
    labels: dict[int, str | None],
    ratios: tuple[float, float, float],
    seed: int = 0,
    *,
    cancel: CancelToken | None = None,
) -> MadeSplits:
    """Stratified splits of the images ``labels`` names (image id -> label), duplicate
    groups kept whole, with the balance reached."""
    ids = list(labels)
    groups, kinds = duplicate_groups(project, ids, cancel=cancel)
    splits = assign_splits(groups, labels, ratios, seed)
    made = MadeSplits(
        ratios=ratios,
        seed=seed,
        splits=splits,
        groups_kept_together=sum(1 for g in groups if len(g) > 1),
        images_in_groups=sum(len(g) for g in groups if len(g) > 1),
        group_kinds=kinds,
    )
    made.sizes = {s: sum(1 for v in splits.values() if v == s) for s in SPLITS}
    per_class: dict[str, dict[str, int]] = {}
    for image_id, split in splits.items():
        row = per_class.setdefault(_stratum(labels[image_id]), dict.fromkeys(SPLITS, 0))
        row[split] += 1
    made.per_class = dict(sorted(per_class.items()))
    made.max_deviation = max(
        (
            abs(row[s] / sum(row.values()) - r)
            for row in per_class.values()
            for s, r in zip(SPLITS, ratios, strict=True)
        ),
        default=0.0,
    )
    return made
