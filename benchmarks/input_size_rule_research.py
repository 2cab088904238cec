"""(Research) An automatic input size: can a project's own labels say when a smaller input
costs no label-error quality?

bench_input_size.py and bench_label_suite.py ``--sizes 160,112`` found that no fixed smaller
input size is safe: digits gain at 160 and 112 px, photo crops are about equal, but
Fashion-MNIST loses precision at the number of errors. This script evaluates a RULE that a
project could run on its own labeled images: draw a stratified sample of ``--sample``
labeled images, embed it at 224 px and at each smaller size, compute a cheap quality proxy
out of fold on the GIVEN (possibly wrong) labels, and take the smallest size whose proxy is
not worse than 224 px's by more than a margin. Proxies (all on the sample, same folds and
PCA seed at every size):

- ``probe-acc`` / ``probe-ll``: the project's linear probe (labeldesk.ml.probe, 5 shuffled
  stratified folds) out of fold: accuracy against the given labels / log loss (nats);
- ``knn-acc``: leave-one-out 10-nearest-neighbour vote (cosine) against the given labels;
- ``both-acc``: probe-acc and knn-acc, each within the margin;
- ``all``: both accuracies within the margin and the log loss within twice it.

A rule either may pick 112 or 160 px (112 tried first) or 160 px only.

The truth a rule is judged by: the shipped label-error method (bench_label_suite's
``pixels``: probe + kNN vote, one cleaning round, the pixel view) on the WHOLE set with the
same planted noise, at 224 px and at the smaller size (suite_views.size_view vectors), its
AUROC and precision at the number of errors (P@E). A choice of a smaller size is **bad**
when that size loses more than 0.01 AUROC or P@E against 224 px: ``bad-run`` judged on the
run itself (one seed; P@E moves in steps of 1/E, so this is strict), ``bad-group`` judged on
the mean over seeds of the (set, pattern, rate) group, as bench_input_size.py reports
sizes. A choice is a **gain** when it is not bad-group; ``avail`` counts the runs whose
group has a harmless smaller size at all.

Sets (benchmarks/embedded_sets.py): ``fmnist`` (3,000), ``fmnist-500`` (a random 500 of
them per seed), ``digits``, ``sample`` (its 400 labeled images), ``patches`` (photo crops);
``mnist5k`` is kept out of every choice of proxy and margin and reported last. Noise:
uniform and look-alike ("pairs") flips at 10 and 20 % (bench_label_suite.runs_for), --seeds
noise seeds (3 on the 3,000- and 5,000-image sets), and --draws draws of the rule's sample
(and its folds) on each. Embeddings, the default's probabilities and the proxies are cached
under --cache / --views (the suite's layout). Where --views holds no ``NAME-sSIZE.npy``,
suite_views.size_view makes it with PyTorch; the result below had them made with the
product's CPU runtime instead (labeldesk.ml.runtime.load_runner on ``efficientnet_lite0:SIZE``,
OpenVINO, as ``labeldesk embed --input-size SIZE`` embeds; it checks its vectors against
PyTorch's when it loads).

Result (session 40, ``--seeds 3 --seeds-for sample=5 --draws 5 --sample 300 --timing``: 3
noise seeds, 5 on the sample, 5 draws of the rule's sample on each; 2 shared cores at load
~13; 340 decisions on the choice sets, 60 on MNIST-5k). The shipped
method loses more than 0.01 at a smaller size only on the weak small sets: the sample
(160 px -0.020 to -0.045 P@E in every group, 112 px in two) and Fashion-MNIST-500 (112 px
in every group, 160 px at uniform noise); not on Fashion-MNIST-3000 (at most -0.008),
digits, the photo crops or MNIST-5k. Rules that accept a size "not worse" pick those
losing sizes: probe accuracy within 0 in 49 of 340 decisions, the kNN vote in 56, the log
loss in 16, probe accuracy even 0.02 better in 14. Only rules that ask the smaller size to
be clearly BETTER never did: ``all -0.01`` (both accuracies 0.01 higher and the log loss
0.02 lower) chose a smaller size in 40 of 340 decisions, every one on digits (40 of its
60; 36 of them 112 px), never on Fashion-MNIST or the photo crops, where 160 px was
harmless too (40 of the 260 decisions that had a harmless smaller size); ``probe-ll
-0.05`` 26, also digits only. One step looser (``all 0``) it picked a losing size 3 times
(the sample, Fashion-MNIST-500). Held out, MNIST-5k: ``all -0.01`` chose 160/112 px in 8
of 60 decisions, none worse; but no size loses on MNIST-5k at all, so it shows the gain,
not the safety. Cost of a decision: the proxies 1.2 s (median, 300 images, three sizes)
plus embedding the 300 at 224, 160 and 112 px (PyTorch eager here under load: 62 + 39 +
33 s; a fraction of that with OpenVINO on a quiet machine). So the worst case holds for
``all -0.01`` on every set, noise and seed here, the held-out set included, but its
margin was chosen on these same runs with one step to spare, and it buys speed only on
tiny upscaled digits whose detection is saturated at 224 px (AUROC 0.9997); Fashion-MNIST
PNGs, the issue's small-image benchmark, stay at 224 px in 60 of 60 decisions. Not
shipped. Were it to ship, it would be opt-in, not a default (``--input-size auto`` already
means the project's current size): e.g. ``labeldesk embed --input-size choose`` on a
project with >= 300 labels and no embeddings, embedding a stratified 300-label sample at
the three sizes, printing the proxies and applying ``all -0.01``, then embedding with the
spec ``NAME:SIZE`` so the model identity and cached vectors stay per size, as now.

With a 600-label rule sample (``--seeds 3 --seeds-for sample=5 --draws 5 --sample 300,600``,
same runs; the bundled sample has only 300 train labels, so it is the same there) the same
picture: ``all -0.01`` chose a smaller size in 35 of 340 decisions, all on digits, none
worse; ``all 0`` picked a losing size twice (the sample); MNIST-5k 6 of 60, none worse;
the proxies 0.63 s (0.44 s at 300) on a quieter machine.

    python benchmarks/input_size_rule_research.py --cache /tmp/h7/cache --views /tmp/h7/views \
        --seeds 3 --seeds-for sample=5 --draws 5 --sample 300 --timing
    python benchmarks/input_size_rule_research.py --cache /tmp/h7/cache --views /tmp/h7/views \
        --seeds 3 --seeds-for sample=5 --draws 5 --sample 300,600
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # BLAS threads fight over 2 shared cores

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections import defaultdict  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_label_suite as suite  # noqa: E402
from suite_metrics import measure  # noqa: E402
from suite_views import VIEWS, pixel_views, set_rows, size_view  # noqa: E402

from labeldesk.ml.probe import probe_probabilities  # noqa: E402

SETS = ("fmnist", "fmnist-500", "digits", "sample", "patches")
HELD_OUT = "mnist5k"
PATTERNS = ("uniform", "pairs")
RATES = (0.10, 0.20)
SMALL = (112, 160)  # tried smallest first
LOSS = 0.01  # a size "loses" when AUROC or P@E falls by more than this
KNN = 10
PROXY_VERSION = "v1"  # cache tag of the proxies (under --views/rule): bump when they change
PROXIES = ("probe-acc", "probe-ll", "knn-acc", "both-acc", "all")
MARGINS = {  # proxy units: accuracy, or nats for the log loss; negative asks for a gain
    "probe-acc": (-0.02, -0.01, 0.0, 0.01),
    "probe-ll": (-0.05, -0.02, 0.0, 0.02),
    "knn-acc": (-0.02, -0.01, 0.0, 0.01),
    "both-acc": (-0.02, -0.01, 0.0, 0.01),
    "all": (-0.02, -0.01, 0.0),
}
RULE_SIZES = ((112, 160), (160,))  # the sizes a rule may pick, tried smallest first


def vectors_at(s: suite.EmbeddedSet, size: int) -> np.ndarray:
    """The run's rows at ``size`` px (224: the project's own vectors)."""
    if size == 224:
        return s.vectors
    return VIEWS[(s.name.split(":")[0], f"s{size}")][set_rows(s)]


def rule_sample(given: np.ndarray, trainable: np.ndarray, n: int, seed: int) -> np.ndarray:
    """A sample of ``n`` labeled train rows, stratified by GIVEN label (all if fewer)."""
    rows = np.flatnonzero(trainable & (given >= 0))
    if len(rows) <= n:
        return rows
    rng = np.random.default_rng(5000 + seed)
    picked = []
    for c in np.unique(given[rows]):
        members = rows[given[rows] == c]
        take = max(2, round(n * len(members) / len(rows)))
        picked.append(rng.choice(members, min(take, len(members)), replace=False))
    return np.sort(np.concatenate(picked))


def proxies(v: np.ndarray, y: np.ndarray, n_classes: int, seed: int) -> dict[str, float]:
    """Quality proxies of vectors ``v`` for given labels ``y`` (one sample, one size)."""
    out = probe_probabilities(v, y, np.ones(len(y), dtype=bool), n_classes, seed=seed)
    p = np.clip(out.probs[np.arange(len(y)), y], 1e-12, 1.0)
    sims = v @ v.T
    np.fill_diagonal(sims, -np.inf)
    near = np.argsort(-sims, axis=1)[:, :KNN]
    votes = np.zeros((len(y), n_classes))
    np.add.at(votes, (np.repeat(np.arange(len(y)), KNN), y[near].ravel()), 1.0)
    return {
        "probe-acc": float((out.probs.argmax(axis=1) == y).mean()),
        "probe-ll": float(-np.log(p).mean()),
        "knn-acc": float((votes.argmax(axis=1) == y).mean()),
    }


def choose(
    scores: dict[int, dict[str, float]], proxy: str, margin: float, cands: tuple[int, ...] = SMALL
) -> int:
    """The smallest of ``cands`` whose proxy is within ``margin`` of 224 px's; else 224."""
    base = scores[224]
    for size in cands:
        s = scores[size]
        if proxy == "probe-ll":
            ok = s["probe-ll"] <= base["probe-ll"] + margin
        elif proxy == "both-acc":
            ok = all(s[k] >= base[k] - margin for k in ("probe-acc", "knn-acc"))
        elif proxy == "all":  # the log loss within twice the margin, both accuracies within it
            ok = s["probe-ll"] <= base["probe-ll"] + 2 * margin
            ok = ok and all(s[k] >= base[k] - margin for k in ("probe-acc", "knn-acc"))
        else:
            ok = s[proxy] >= base[proxy] - margin
        if ok:
            return size
    return 224


def truth_of(run: suite.Run, method: suite.ProbMethod) -> dict[int, tuple[float, float]]:
    """(AUROC, P@E) of the shipped method at each size on the run's whole set."""
    rows = np.flatnonzero(run.source.labeled)
    errors = (run.labels != run.truth)[rows]
    out = {}
    for size in (224, *SMALL):
        m = method if size == 224 else suite.probs_with(1, f"s{size}", gated=True, pixels=True)
        probs = suite.cached_probs(run.set, m, run)
        got = measure(run.labels[rows], probs[rows], errors)
        out[size] = (got["AUROC"], got["P@E"])
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cache", type=Path, default=Path("/tmp/fc/cache"))
    parser.add_argument("--views", type=Path, default=Path("/tmp/labeldesk-bench-suite"))
    parser.add_argument("--seeds", type=int, default=5, help="noise and fold seeds")
    parser.add_argument(
        "--seeds-for", default="fmnist=3,mnist5k=3", help="fewer seeds for the large sets"
    )
    parser.add_argument(
        "--draws", type=int, default=5, help="draws of the rule's sample per noise seed"
    )
    parser.add_argument("--sample", default="300,600", help="rule sample sizes")
    parser.add_argument("--sets", default=",".join(SETS))
    parser.add_argument("--held-out", default=HELD_OUT, help="'' to skip")
    parser.add_argument(
        "--timing", action="store_true", help="also time embedding a sample at each size"
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    suite.PROBS_CACHE = args.views / "probs"
    names = [s for s in args.sets.split(",") if s]
    held = [args.held_out] if args.held_out else []
    bases = {name: suite.load(name, args.cache) for name in [*names, *held]}
    for name in {n.removesuffix(f"-{suite.SUBSET}") for n in bases}:
        pixel_views(name, args.cache)
        for size in SMALL:
            size_view(name, suite.load(name, args.cache), args.cache, args.views, size)
    suite._track_subsets()
    default = suite.probs_with(1, gated=True, pixels=True)
    samples = [int(x) for x in args.sample.split(",") if x]
    seeds_for = {k: int(v) for k, v in (x.split("=") for x in args.seeds_for.split(",") if x)}

    # truth: (set, pattern, rate, seed) -> (AUROC, P@E) per size; scores: the same key with
    # (sample size, draw) -> the proxies per size; cost: seconds of the proxies per sample
    truth: dict[tuple, dict[int, tuple[float, float]]] = {}
    scores: dict[tuple, dict[int, dict[str, float]]] = {}
    cost: dict[int, list[float]] = defaultdict(list)
    for name in [*names, *held]:
        for seed in range(seeds_for.get(name, args.seeds)):
            for run in suite.runs_for(name, bases[name], seed):
                if run.pattern not in PATTERNS or run.rate not in RATES:
                    continue
                key = (name, run.pattern, run.rate, seed)
                truth[key] = truth_of(run, default)
                trainable = run.source.labeled & (np.array(run.source.splits) == "train")
                for n in samples:
                    for draw in range(args.draws):
                        tag = f"{name}-{run.pattern}-{run.rate}-{seed}-{n}-{draw}-{PROXY_VERSION}"
                        path = args.views / "rule" / f"{tag}.json"
                        first = (seed, draw, run.pattern, run.rate) == (0, 0, "uniform", 0.1)
                        if path.exists() and not first:  # each set's first: timed every run
                            scores[(*key, n, draw)] = {
                                int(k): v for k, v in json.loads(path.read_text()).items()
                            }
                            continue
                        rows = rule_sample(run.labels, trainable, n, 100 * seed + draw)
                        t = time.perf_counter()
                        scores[(*key, n, draw)] = {
                            size: proxies(
                                vectors_at(run.source, size)[rows],
                                run.labels[rows],
                                len(run.source.classes),
                                draw,
                            )
                            for size in (224, *SMALL)
                        }
                        cost[n].append(time.perf_counter() - t)
                        path.parent.mkdir(parents=True, exist_ok=True)
                        path.write_text(json.dumps(scores[(*key, n, draw)]))
        print(f"{name}: done ({time.perf_counter() - started:.0f} s)", flush=True)

    # the truth per group: mean over seeds of each size's loss against 224 px
    group_loss: dict[tuple, dict[int, float]] = {}
    print("\nThe shipped method at each size, mean of seeds (d = size - 224 px, AUROC / P@E):")
    print(f"{'set':<12}{'pattern':<9}{'rate':>5}{'AUROC 224':>10}{'P@E 224':>9}", end="")
    print("".join(f"{'d' + str(s):>16}" for s in SMALL))
    for name in [*names, *held]:
        for pattern in PATTERNS:
            for rate in RATES:
                keys = [k for k in truth if k[:3] == (name, pattern, rate)]
                t = {s: np.mean([truth[k][s] for k in keys], axis=0) for s in (224, *SMALL)}
                d = {s: t[s] - t[224] for s in SMALL}
                group_loss[(name, pattern, rate)] = {s: float(-d[s].min()) for s in SMALL}
                row = f"{name:<12}{pattern:<9}{rate:>5.2f}{t[224][0]:>10.4f}{t[224][1]:>9.3f}"
                print(row + "".join(f"{d[s][0]:>+8.4f}/{d[s][1]:+.3f}" for s in SMALL))

    def tally(
        which: list[str], n: int, proxy: str, margin: float, cands: tuple[int, ...]
    ) -> dict[str, int]:
        c = dict.fromkeys(("runs", "small", "bad-run", "bad-group", "gain", "avail"), 0)
        for key, draw in ((k, d) for k in truth if k[0] in which for d in range(args.draws)):
            size = choose(scores[(*key, n, draw)], proxy, margin, cands)
            harmless = [s for s in cands if group_loss[key[:3]][s] <= LOSS]
            c["runs"] += 1
            c["avail"] += bool(harmless)
            if size == 224:
                continue
            c["small"] += 1
            a, p = truth[key][size]
            a0, p0 = truth[key][224]
            c["bad-run"] += (a0 - a > LOSS) or (p0 - p > LOSS)
            if group_loss[key[:3]][size] > LOSS:
                c["bad-group"] += 1
            else:
                c["gain"] += 1
        return c

    def table(which: list[str], title: str) -> None:
        print(f"\n{title}")
        print(f"{'n':>5} {'sizes':<8}{'proxy':<10}{'margin':>7}{'runs':>6}{'small':>7}"
              f"{'bad-run':>9}{'bad-group':>11}{'gain':>6}{'avail':>7}"
              "   per set: 224/160/112 chosen, bad-group")  # fmt: skip
        for n in samples:
            for cands in RULE_SIZES:
                for proxy in PROXIES:
                    for margin in MARGINS[proxy]:
                        c = tally(which, n, proxy, margin, cands)
                        per = []
                        for name in which:
                            b = tally([name], n, proxy, margin, cands)["bad-group"]
                            got = [
                                choose(scores[(*k, n, d)], proxy, margin, cands)
                                for k in truth
                                if k[0] == name
                                for d in range(args.draws)
                            ]
                            per.append(f"{name} {got.count(224)}/{got.count(160)}/"
                                       f"{got.count(112)} {b}")  # fmt: skip
                        sizes = "/".join(map(str, cands))
                        print(f"{n:>5} {sizes:<8}{proxy:<10}{margin:>+7.2f}{c['runs']:>6}"
                              f"{c['small']:>7}{c['bad-run']:>9}{c['bad-group']:>11}"
                              f"{c['gain']:>6}{c['avail']:>7}   {', '.join(per)}")  # fmt: skip

    table(names, f"The rule on {', '.join(names)} (bad: a loss > {LOSS} in AUROC or P@E):")
    if held:
        table(held, f"Held out: {', '.join(held)} (no proxy or margin was chosen on it):")
    for n in (n for n in samples if cost[n]):
        print(
            f"proxies for one sample of {n} at 3 sizes: {np.median(cost[n]):.2f} s median "
            f"of {len(cost[n])} (max {max(cost[n]):.2f} s), plus embedding it at each size"
        )
    if args.timing:  # PyTorch eager on Fashion-MNIST arrays in memory (bench_input_size)
        import bench_input_size

        sizes = tuple(str(s) for s in (224, *SMALL))
        rates = bench_input_size.throughput("fmnist", 3000, sizes)
        for n in samples:
            each = {s: n / rates[s] for s in sizes}
            print(f"  embedding {n} images: " + ", ".join(f"{s} px {each[s]:.1f} s" for s in sizes)
                  + f"; all three {sum(each.values()):.1f} s")  # fmt: skip
    print(f"\n{time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
