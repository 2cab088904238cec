"""Every model version scored on one frozen test set, and two versions compared image by image.

Each training run reports accuracy on the test split *as it was then*; once labels are
fixed or images move between splits those figures stop being comparable. Here every head
is scored on the same images with the same labels: the test split of one dataset version
(the *frozen test set*, chosen once per project and kept until a person picks another).
Images a version trained on (they were in its train or val split) are left out of its
score and of any comparison that involves it, and so are the images of a class removed
since (renamed or merged classes are scored under today's name).

Figures: accuracy, macro-F1 (over the classes in the test set), per-class recall, the
expected calibration error (ECE: 15 equal-width confidence bins, Guo et al., ICML 2017,
"On Calibration of Modern Neural Networks") and the confusion matrix. Two versions are
compared with McNemar's exact test on the images both can be scored on (McNemar 1947;
the exact binomial form of Edwards' recommendation, as in Dietterich 1998, "Approximate
statistical tests for comparing supervised classification learning algorithms").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from labeldesk.core.class_events import names_after
from labeldesk.core.errors import LabelDeskError
from labeldesk.core.version_state import items_at
from labeldesk.core.versions import DatasetVersion, find_state, get_version, list_versions
from labeldesk.core.vocab import EXCLUDED

from .models import ModelVersion
from .store import embeddings_dir
from .train import head_probabilities, read_head_meta
from .vectors import VectorStore

if TYPE_CHECKING:
    from labeldesk.core.project import Project

FROZEN_TEST_KEY = "frozen_test_version"
ECE_BINS = 15


@dataclass
class TestSet:
    """The frozen test set: images (by id), their content hashes and true labels."""

    version: str  # the dataset version whose test split this is
    image_ids: np.ndarray
    paths: list[str]
    hashes: list[str]
    labels: list[str]
    label_event_id: int = 0  # the version's label state: what its class names meant


@dataclass
class Scored:
    """One version's predictions on the test images it can be scored on."""

    version_id: int
    rows: np.ndarray  # rows of the TestSet scored
    predicted: list[str]
    confidence: np.ndarray
    correct: np.ndarray  # bool, aligned with rows
    left_out: dict[str, int] = field(default_factory=dict)  # why other rows were not scored
    truth: list[str] = field(default_factory=list)  # the rows' labels, by today's names


def frozen_test_set(project: Project, name: str | None = None) -> TestSet:
    """The test split of dataset version ``name`` (stored as the project's frozen test
    set); without a name, the stored one, else the newest version a model trained on
    (stored from then on, so later runs are scored on the same images)."""
    db = project.db
    if name is not None:
        version = find_state(db, name)
        if version is None:
            raise LabelDeskError("the frozen test set must be a saved dataset version, not current")
        db.set_meta(FROZEN_TEST_KEY, version.name)
    else:
        stored = db.get_meta(FROZEN_TEST_KEY)
        version = _stored_or_newest(project, stored)
    items = [
        item
        for item in items_at(db, version)
        if item.split == "test"
        and item.label is not None
        and item.status != EXCLUDED
        and item.missing is None
    ]
    return TestSet(
        version.name,
        np.array([i.image_id for i in items], dtype=np.int64),
        [i.path for i in items],
        [i.hash for i in items],
        [str(i.label) for i in items],
        version.label_event_id,
    )


def _stored_or_newest(project: Project, stored: str | None) -> DatasetVersion:
    db = project.db
    if stored is not None:
        try:
            return get_version(db, stored)
        except LabelDeskError:
            pass  # deleted since: choose again
    trained_on = [v for v in list_versions(db) if v.models]
    if not trained_on:
        raise LabelDeskError("no model has been trained yet: nothing to evaluate")
    version = max(trained_on, key=lambda v: v.label_event_id)
    db.set_meta(FROZEN_TEST_KEY, version.name)
    return version


def score_version(
    project: Project,
    version: ModelVersion,
    test: TestSet,
    trained_cache: dict[str, set[int]] | None = None,
) -> Scored:
    """``version``'s predictions on ``test``, leaving out the images of a class removed
    since (no head trained since can get them right), the images it trained on and those
    without a vector in its embeddings. ``trained_cache``: what each dataset version
    trained on, shared across calls (rebuilding a state replays the label events)."""
    scored = Scored(version.id, np.zeros(0, np.int64), [], np.zeros(0), np.zeros(0, bool))
    if version.kind != "head" or not version.checkpoint:
        scored.left_out["not a classifier head"] = len(test.labels)
        return scored
    # a class renamed or merged since: today's name, from each one's own label state
    today = class_names_today(project, test.label_event_id)
    truth = [today(label) for label in test.labels]
    keep = np.array([t is not None for t in truth], dtype=bool)
    if (~keep).any():
        scored.left_out["class removed since"] = int((~keep).sum())
    trained = _trained_on(project, version, {} if trained_cache is None else trained_cache)
    seen = np.array([int(i) in trained for i in test.image_ids], dtype=bool)
    if (keep & seen).any():
        scored.left_out["trained on"] = int((keep & seen).sum())
    keep &= ~seen
    folder = embeddings_dir(project) / str(version.embedding_key)
    meta = read_head_meta(project.path / version.checkpoint)
    if meta is None or not (folder / "identity.json").exists():
        scored.left_out["head or embeddings unusable"] = int(keep.sum())
        return scored
    store = VectorStore.open_existing(folder)
    store_rows = store.rows_for(test.hashes)
    embedded = store_rows >= 0
    if (keep & ~embedded).any():
        scored.left_out["not embedded"] = int((keep & ~embedded).sum())
    rows = np.flatnonzero(keep & embedded)
    if not len(rows):
        return scored
    vectors = store.gather(store_rows[rows]).astype(np.float32)
    probs = head_probabilities(project, version, vectors)
    if probs is None:
        scored.left_out["head or embeddings unusable"] = len(rows)
        return scored
    classes: list[str] = meta["classes"]
    best = probs.argmax(axis=1)
    scored.rows = rows
    head_today = class_names_today(project, version.label_event_id)  # its classes' names

    def named(name: str) -> str:
        return head_today(name) or name  # (a prediction of a class removed since is wrong)

    scored.predicted = [named(classes[b]) for b in best]
    scored.truth = [str(truth[r]) for r in rows]
    scored.confidence = probs.max(axis=1)
    scored.correct = np.array(
        [p == t for p, t in zip(scored.predicted, scored.truth, strict=True)], dtype=bool
    )
    return scored


def class_names_today(
    project: Project, label_event_id: int | None = None
) -> Callable[[str], str | None]:
    """A class name as the project calls that class now: the test set keeps the names of
    its version, and a head the names it was trained with, so after ``cat`` was renamed
    ``kitty`` both mean the same class (None: a class removed since). ``label_event_id``:
    the label state the name is of, whose later renames and merges are followed
    (:func:`~labeldesk.core.class_events.names_after`: after two names were swapped, an
    old name that is a class today means the other class); without it, or where those
    lead to no class of today, the aliases lead on, and a name that is a class today
    stays itself."""
    renamed = project.class_aliases()
    current = set(project.classes())
    since = names_after(project.db, label_event_id) if label_event_id is not None else None

    def today(name: str) -> str | None:
        found: str | None = since(name) if since is not None else name
        seen: set[str] = set()
        while found is not None and found not in current and found in renamed:
            if found in seen:
                break  # (a cycle would be a damaged table: stop where it loops)
            seen.add(found)
            found = renamed[found]
        return found

    return today


def score_heads(
    project: Project, versions: list[ModelVersion]
) -> tuple[TestSet | None, dict[int, dict[str, Any]]]:
    """The frozen test set (None before any model was trained) and the :func:`evaluation`
    of each head among ``versions``, by version id: what ``labeldesk models``, the
    notebook API and the training page show."""
    try:
        test = frozen_test_set(project)
    except LabelDeskError:
        return None, {}
    cache: dict[str, set[int]] = {}
    scores = {
        v.id: evaluation(score_version(project, v, test, cache), test)
        for v in versions
        if v.kind == "head"
    }
    return test, scores


def _trained_on(project: Project, version: ModelVersion, cache: dict[str, set[int]]) -> set[int]:
    """Ids of the images in the train or val split of the dataset version it trained on."""
    name = version.dataset_version
    if name is None:
        return set()
    if name not in cache:
        state = get_version(project.db, name)
        cache[name] = {
            i.image_id for i in items_at(project.db, state) if i.split in ("train", "val")
        }
    return cache[name]


def evaluation(scored: Scored, test: TestSet) -> dict[str, Any]:
    """Accuracy, macro-F1, per-class recall, ECE and confusion matrix of ``scored``."""
    n = len(scored.rows)
    out: dict[str, Any] = {"test_set": test.version, "n": n, "left_out": dict(scored.left_out)}
    if not n:
        out.update(accuracy=None, macro_f1=None, ece=None, per_class_recall={}, confusion={})
        return out
    truth = scored.truth
    classes = sorted(set(truth) | set(scored.predicted))
    index = {c: i for i, c in enumerate(classes)}
    matrix = np.zeros((len(classes), len(classes)), dtype=np.int64)
    np.add.at(matrix, ([index[t] for t in truth], [index[p] for p in scored.predicted]), 1)
    recall, f1 = {}, []
    for c in sorted(set(truth)):
        i = index[c]
        tp, actual, predicted = matrix[i, i], matrix[i].sum(), matrix[:, i].sum()
        recall[c] = float(tp / actual)
        f1.append(2 * tp / (actual + predicted) if actual + predicted else 0.0)
    out.update(
        accuracy=float(scored.correct.mean()),
        macro_f1=float(np.mean(f1)),
        ece=expected_calibration_error(scored.confidence, scored.correct),
        per_class_recall=recall,
        confusion={"classes": classes, "matrix": matrix.tolist()},
    )
    return out


def expected_calibration_error(
    confidence: np.ndarray, correct: np.ndarray, bins: int = ECE_BINS
) -> float:
    """Mean |accuracy - confidence| over equal-width confidence bins, weighted by size."""
    if not len(confidence):
        return 0.0
    which = np.minimum((confidence * bins).astype(int), bins - 1)
    gap = 0.0
    for b in np.unique(which):
        inside = which == b
        gap += inside.mean() * abs(correct[inside].mean() - confidence[inside].mean())
    return float(gap)


@dataclass
class Comparison:
    """Two versions on the test images both could be scored on."""

    a: int
    b: int
    n: int
    accuracy_a: float | None
    accuracy_b: float | None
    only_a_right: list[str]  # paths A gets right and B wrong
    only_b_right: list[str]
    p_value: float  # McNemar's exact test, two-sided
    p_one_sided: float  # the same, one-sided: that B makes more mistakes than A

    @property
    def b_worse(self) -> bool:
        """B makes significantly more mistakes than A (one-sided, 5 %)."""
        return len(self.only_a_right) > len(self.only_b_right) and self.p_one_sided < 0.05

    def p_text(self) -> str:
        """Both p-values, each named: the one-sided one is what :attr:`b_worse` uses."""
        return f"one-sided McNemar p = {self.p_one_sided:.3g} (two-sided {self.p_value:.3g})"

    def to_json(self) -> dict[str, Any]:
        return {
            "a": self.a,
            "b": self.b,
            "n": self.n,
            "accuracy_a": self.accuracy_a,
            "accuracy_b": self.accuracy_b,
            "only_a_right": self.only_a_right,
            "only_b_right": self.only_b_right,
            "p_value": self.p_value,
            "p_value_one_sided": self.p_one_sided,
            "b_significantly_worse": self.b_worse,
        }


def compare(a: Scored, b: Scored, test: TestSet) -> Comparison:
    """McNemar's exact test on the images both versions were scored on."""
    both = np.intersect1d(a.rows, b.rows)
    right_a = a.correct[np.searchsorted(a.rows, both)]
    right_b = b.correct[np.searchsorted(b.rows, both)]
    only_a = [test.paths[r] for r in both[right_a & ~right_b]]
    only_b = [test.paths[r] for r in both[right_b & ~right_a]]
    return Comparison(
        a.version_id,
        b.version_id,
        len(both),
        float(right_a.mean()) if len(both) else None,
        float(right_b.mean()) if len(both) else None,
        only_a,
        only_b,
        mcnemar_exact(len(only_a), len(only_b)),
        mcnemar_one_sided(len(only_a), len(only_b)),
    )


def none_in_common(a: Scored, b: Scored) -> str:
    """Why a comparison has no image: what kept each version off the test images."""
    why = [
        f"#{v}: " + ", ".join(f"{reason} ({n})" for reason, n in s.left_out.items())
        for v, s in {a.version_id: a, b.version_id: b}.items()
        if s.left_out
    ]
    return "no test image could be scored by both" + (f": {'; '.join(why)}" if why else "")


def mcnemar_exact(b: int, c: int) -> float:
    """Two-sided exact McNemar p-value for ``b`` and ``c`` discordant pairs."""
    n = b + c
    if n == 0:
        return 1.0
    from scipy.stats import binom

    return float(min(1.0, 2 * binom.cdf(min(b, c), n, 0.5)))


def mcnemar_one_sided(b: int, c: int) -> float:
    """One-sided exact McNemar p-value that ``b`` (pairs only A gets right) is larger than
    ``c``: half the two-sided value when ``b > c``, at least 0.5 otherwise."""
    if b + c == 0:
        return 1.0
    from scipy.stats import binom

    return float(binom.sf(b - 1, b + c, 0.5))
