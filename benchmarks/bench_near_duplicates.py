"""Near duplicates: planted copies found, different images kept apart, old rule vs new.

Each set of benchmarks/dup_sets.py (distinct images, many alike, plus one copy for a fifth
of them: JPEG quality 95-30, resized, cropped, brightened, contrast, WebP, BMP) is indexed
and embedded once with the real CLI (cached under --cache), then `find_duplicates` runs
with the old rule (cosine >= 0.85 and perceptual hashes <= 4 bits apart) and the new one
(the same plus thumbnails that nowhere differ by more than 12 % of the gray range,
see pixel_difference), and a few other pixel-match bars.

Per set: recall of planted copies (the copy lands in its original's group), pairs of
different images joined into one group (false pairs) and groups holding any (false
groups); then recall per kind of copy over all sets. The bar was chosen by the worst case
over fmnist, digits, sample and photos; ``synthetic`` was kept out and is reported last.

    python benchmarks/bench_near_duplicates.py            # ~15 min on 2 cores, first run
    python benchmarks/bench_near_duplicates.py --cache DIR --sets fmnist,sample

Scale (``--n``): the pass's vector part (the kNN graph and its candidate pairs at cosine
>= 0.85) on synthetic 1280-d clustered vectors with 1 % planted near copies, generated in
chunks into a float16 memory map under the temp folder (benchmarks/synthetic_vectors.py),
the sizes side by side: seconds, planted copies found as first neighbour, candidate
pairs, peak memory. Target (issue 15): < 10 min at 1M on 2 cores.

    python benchmarks/bench_near_duplicates.py --n 100000,300000,1000000
"""

from __future__ import annotations

import argparse
import itertools
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import dup_sets
from embedded_sets import cli

from labeldesk.core.project import open_project
from labeldesk.ml.duplicate_group import DuplicateGroup
from labeldesk.ml.duplicates import find_duplicates
from labeldesk.ml.pixel_match import DEFAULT_PIXEL_DIFFERENCE

CHOICE_SETS = ("fmnist", "digits", "sample", "photos")
HELD_OUT = "synthetic"
RULES: dict[str, float | None] = {
    "old: cosine + hash": None,
    f"new: + pixel diff <= {DEFAULT_PIXEL_DIFFERENCE:g}": DEFAULT_PIXEL_DIFFERENCE,
    **{f"  pixel diff <= {bar:g}": bar for bar in (0.08, 0.1, 0.11, 0.13, 0.15, 0.2)},
}


def project_for(name: str, cache: Path) -> tuple[Path, dict[str, str]]:
    images = cache / f"{name}-images"
    copies = dup_sets.build(name, images)
    project = cache / f"{name}.labeldesk"
    if not project.exists():
        cli("new", str(project), "--images", str(images))
    cli("embed", str(project))
    return project, copies


@dataclass
class Result:
    found: dict[str, bool]  # planted copy -> landed in its original's group
    false_pairs: int
    false_groups: int
    examples: list[tuple[str, str]]
    seconds: float = 0.0

    @property
    def recall(self) -> float:
        return sum(self.found.values()) / max(len(self.found), 1)


def score(groups: list[DuplicateGroup], copies: dict[str, str]) -> Result:
    source = {p: copies.get(p, p) for g in groups for p in g.paths}
    group_of = {p: i for i, g in enumerate(groups) for p in g.paths}
    found = {c: group_of.get(c) is not None and group_of.get(c) == group_of.get(o)
             for c, o in copies.items()}  # fmt: skip
    false_pairs, false_groups, examples = 0, 0, []
    for g in groups:
        bad = [(a, b) for a, b in itertools.combinations(g.paths, 2) if source[a] != source[b]]
        false_pairs += len(bad)
        false_groups += bool(bad)
        examples.extend(bad[:1])
    return Result(found, false_pairs, false_groups, examples)


def run_set(name: str, cache: Path) -> dict[str, Result]:
    project_path, copies = project_for(name, cache)
    out = {}
    with open_project(project_path) as project:
        for rule, bar in RULES.items():
            started = time.perf_counter()
            result = score(find_duplicates(project, max_pixel_difference=bar), copies)
            result.seconds = time.perf_counter() - started
            out[rule] = result
    return out


def print_set(name: str, results: dict[str, Result]) -> None:
    print(f"\n{name}: {len(next(iter(results.values())).found)} planted copies")
    print(f"  {'rule':<30}{'recall':>8}{'false pairs':>13}{'false groups':>14}{'seconds':>9}")
    for rule, r in results.items():
        print(
            f"  {rule:<30}{r.recall:>8.3f}{r.false_pairs:>13}{r.false_groups:>14}{r.seconds:>9.2f}"
        )
    for rule in list(RULES)[:2]:
        for a, b in results[rule].examples[:4]:
            print(f"    {rule.split(':')[0]} false pair: {a}  ~  {b}")


def print_kinds(all_results: dict[str, dict[str, Result]]) -> None:
    print("\nRecall by kind of copy (choice sets together):")
    kinds: dict[str, dict[str, list[bool]]] = defaultdict(lambda: defaultdict(list))
    for results in all_results.values():
        for rule in list(RULES)[:2]:
            for copy, hit in results[rule].found.items():
                kinds[copy.rsplit("__", 1)[1].split(".")[0]][rule].append(hit)
    rules = list(RULES)[:2]
    print(f"  {'kind':<14}" + "".join(f"{r.split(':')[0]:>8}" for r in rules) + f"{'n':>6}")
    for kind, by_rule in sorted(kinds.items()):
        cells = "".join(f"{sum(v) / len(v):>8.2f}" for v in by_rule.values())
        print(f"  {kind:<14}{cells}{len(by_rule[rules[0]]):>6}")


def bench_scale(sizes: list[int]) -> None:
    """The vector part of the pass at each size (see the module docstring)."""
    from synthetic_vectors import FOLDER, peak_mb, with_planted_copies

    from labeldesk.ml.near_defaults import DEFAULT_THRESHOLD
    from labeldesk.ml.neighbors import GRAPH_K
    from labeldesk.ml.search import knn_graph

    rows = []
    for n in sizes:
        x, pairs = with_planted_copies(n)
        started, cpu = time.perf_counter(), time.process_time()
        sims, nbrs = knn_graph(x, GRAPH_K)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        found = float(np.mean(nbrs[pairs[:, 0], 0] == pairs[:, 1]))
        candidates = int((sims >= DEFAULT_THRESHOLD).sum())
        rows.append((n, seconds, cpu, found, candidates))
        print(
            f"n={n:>9,}: near-duplicate pass (kNN graph k={GRAPH_K}) {seconds:.1f} s"
            f" ({cpu:.1f} s CPU), planted copies found {found:.4f}, {candidates:,} candidate"
            f" pairs >= {DEFAULT_THRESHOLD}; vectors memory-mapped from {FOLDER}",
            flush=True,
        )
        del x, sims, nbrs
    print(f"\n{'':<24}" + "".join(f"{n:>12,}" for n, *_ in rows))
    lines = (("seconds", 1, "{:12.1f}"), ("CPU seconds", 2, "{:12.1f}"))
    lines += (("copies found", 3, "{:12.4f}"), ("candidate pairs", 4, "{:12,}"))
    for label, i, fmt in lines:
        print(f"{label:<24}" + "".join(fmt.format(r[i]) for r in rows))
    print(f"peak resident memory {peak_mb():,.0f} MB (memory-mapped pages included)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    default = Path(tempfile.gettempdir()) / "labeldesk-bench" / "near-duplicates"
    parser.add_argument("--cache", type=Path, default=default, help="image and project cache")
    parser.add_argument("--sets", default=",".join(CHOICE_SETS), help="choice sets")
    parser.add_argument("--n", default="", help="scale run instead: sizes, e.g. 100000,1000000")
    args = parser.parse_args(argv)
    if args.n:
        bench_scale([int(n) for n in args.n.split(",") if n])
        return
    started = time.perf_counter()
    args.cache.mkdir(parents=True, exist_ok=True)
    results = {}
    for name in [s for s in args.sets.split(",") if s]:
        results[name] = run_set(name, args.cache)
        print_set(name, results[name])
    print_kinds(results)
    print("\nWorst case over the choice sets:")
    for rule in RULES:
        recalls = [r[rule].recall for r in results.values()]
        false = sum(r[rule].false_pairs for r in results.values())
        print(f"  {rule:<30} lowest recall {min(recalls):.3f}, false pairs in all {false}")
    held = run_set(HELD_OUT, args.cache)
    print("\nHeld-out set (kept out of every choice):")
    print_set(HELD_OUT, held)
    print(f"\n{time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
