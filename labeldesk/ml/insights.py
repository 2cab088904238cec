"""Everything the browser shows about each image beyond its row in the database: the
model's prediction and confidence, the label-quality score and flag, the outlier score,
and the nearest neighbours. One call gathers it from the cached predictions and kNN
graph, so the grid can sort and filter by any of these with array operations.

What the model *thinks* an image is (:func:`model_guesses`) is one class per image, shown
the same way everywhere: for a scored label it is confident learning's suggestion (the
top class once the estimated label noise is taken out), with that de-noised probability;
elsewhere the plain prediction. The raw prediction's top class can differ from the
suggestion (the sample: 24 of 400 labeled images), so showing both read as a
contradiction ("coat 28%" beside "suggest shirt")."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from labeldesk.core.progress import CancelToken, Progress, ProgressCallback, no_progress

from .errors import NoEmbeddings
from .issues import LabelScores, score_labels
from .neighbors import neighbor_graph
from .predictions import Predictions, project_predictions
from .store import project_vectors

if TYPE_CHECKING:
    from labeldesk.core.project import Project

NEIGHBOURS = 12  # kept per image for the detail panel's strip
STEPS = {"unit": "step"}  # the reports count these four steps, not images (within
# "predictions", the probes report their folds: out_of_sample.probe_step)


@dataclass
class ImageInsights:
    """Per embedded image (row i describes image ``ids[i]``); NaN / -1 where unknown."""

    key: str  # embedding version the values were computed from
    ids: np.ndarray  # image ids
    classes: list[str]
    predicted: np.ndarray  # class index, -1 until labels of two classes can be learned from
    confidence: np.ndarray  # probability of the predicted class, NaN without a model
    issue_score: np.ndarray  # label quality (low = likely wrong), NaN when not scored
    flagged: np.ndarray  # bool: a likely mislabel
    suggested: np.ndarray  # class index suggested for a flagged/scored label, -1 otherwise
    outlier_score: np.ndarray  # mean cosine distance to the nearest neighbours
    neighbour_ids: np.ndarray  # (N, k) image ids, nearest first, -1 where none
    neighbour_sims: np.ndarray  # (N, k) cosine similarity
    # What the model thinks each image is (see model_guesses): class index, -1 without a
    # model, and its probability (NaN without a model).
    guess: np.ndarray | None = None
    guess_confidence: np.ndarray | None = None
    # How many of the scored labels are likely wrong ("about N likely wrong").
    expected_errors: int = 0
    # The pixel view's share in the predictions (0: from the embeddings alone).
    pixel_share: float = 0.0
    # bool: the labels counted in ``expected_errors`` (its sum; verified ones too), so the
    # estimate can be told for a split. None: not known per image (the whole project's).
    expected_wrong: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def has_model(self) -> bool:
        return bool((self.predicted >= 0).any())

    def with_names(self, names: Mapping[str, str]) -> ImageInsights:
        """The same values with classes called as ``names`` has them now (a class renamed
        or merged since they were computed: old name -> new)."""
        return replace(self, classes=[names.get(c, c) for c in self.classes])


def insights_if_embedded(
    project: Project,
    *,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> ImageInsights | None:
    """:func:`image_insights`, or None while nothing is embedded (a child job's shape)."""
    try:
        return image_insights(project, progress=progress, cancel=cancel)
    except NoEmbeddings:
        return None


def image_insights(
    project: Project,
    *,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> ImageInsights:
    """Compute (or read from the caches) the insights for every embedded image.

    Raises :class:`~labeldesk.ml.errors.NoEmbeddings` when nothing is embedded yet.
    """
    cancel = cancel or CancelToken()
    progress(Progress(0, 3, "neighbours", STEPS))
    vectors = project_vectors(project)  # one read: an embedding job may be adding rows
    graph = neighbor_graph(project, vectors=vectors, cancel=cancel)
    cancel.raise_if_cancelled()
    n = len(vectors.ids)
    progress(Progress(1, 3, "predictions", STEPS))
    preds = project_predictions(project, vectors=vectors, cancel=cancel, progress=progress)
    cancel.raise_if_cancelled()
    progress(Progress(2, 3, "label quality", STEPS))
    predicted = np.full(n, -1, dtype=np.int64)
    confidence = np.full(n, np.nan)
    if preds.meaningful:  # trainable labels of two classes: one alone predicts itself
        predicted, confidence = preds.predicted, preds.confidence
    scored = score_labels(preds)
    issue_score = np.full(n, np.nan)
    issue_score[scored.rows] = scored.scores
    flagged = np.zeros(n, dtype=bool)
    flagged[scored.rows] = scored.flagged
    suggested = np.full(n, -1, dtype=np.int64)
    suggested[scored.rows] = scored.suggested
    expected_wrong = np.zeros(n, dtype=bool)
    expected_wrong[scored.rows] = scored.counted
    guess, guess_confidence = np.full(n, -1, dtype=np.int64), np.full(n, np.nan)
    if (predicted >= 0).any():
        guess, guess_confidence = model_guesses(preds, scored)
    k = min(NEIGHBOURS, graph.rows.shape[1])
    rows = graph.rows[:, :k]
    neighbour_ids = np.where(rows >= 0, vectors.ids[np.maximum(rows, 0)], -1)
    progress(Progress(3, 3, "done", STEPS))
    return ImageInsights(
        key=vectors.key,
        ids=vectors.ids.copy(),
        classes=list(preds.classes),
        predicted=np.asarray(predicted, dtype=np.int64),
        confidence=np.asarray(confidence, dtype=np.float64),
        issue_score=issue_score,
        flagged=flagged,
        suggested=suggested,
        outlier_score=graph.outlier_scores(),
        neighbour_ids=neighbour_ids.astype(np.int64),
        neighbour_sims=np.where(rows >= 0, graph.sims[:, :k], np.nan).astype(np.float32),
        guess=guess,
        guess_confidence=guess_confidence,
        expected_errors=int(scored.expected_errors),
        pixel_share=float(preds.pixel_share),
        expected_wrong=expected_wrong,
    )


def model_guesses(preds: Predictions, scored: LabelScores) -> tuple[np.ndarray, np.ndarray]:
    """What the model thinks each row of ``preds`` is, and its probability.

    A scored label's row takes the suggested class with its de-noised probability (the
    class and the probability the label-quality score was judged by); every other row
    (unlabeled, excluded) takes the plain prediction and its probability.
    """
    from .confident import check_inputs, estimate_noise_unchecked
    from .quality import denoise

    guess = np.asarray(preds.predicted, dtype=np.int64).copy()
    confidence = np.asarray(preds.confidence, dtype=np.float64).copy()
    rows = scored.rows
    if len(rows) and len(preds.classes) >= 2:
        labels, probs = check_inputs(preds.labels[rows], preds.probs[rows])
        clean = denoise(probs, estimate_noise_unchecked(labels, probs).noise_matrix)
        suggested = np.asarray(scored.suggested, dtype=np.int64)
        guess[rows] = suggested
        confidence[rows] = clean[np.arange(len(rows)), suggested]
    return guess, confidence


def more_like(project: Project, image_ids: list[int], k: int = 200) -> list[tuple[int, float]]:
    """Images most like the mean of ``image_ids`` (cosine), the examples themselves left out:
    select a few images of a rare class and get candidates for more of it."""
    from .neighbors import search_index

    vectors = project_vectors(project)
    rows = np.flatnonzero(np.isin(vectors.ids, np.asarray(image_ids, dtype=np.int64)))
    if not len(rows):
        return []
    query = vectors.vectors[rows].mean(axis=0)
    query /= max(float(np.linalg.norm(query)), 1e-12)
    sims, found = search_index(project, vectors).search(query, k + len(rows))
    chosen = set(rows.tolist())
    out = [
        (int(vectors.ids[r]), float(s))
        for s, r in zip(sims[0], found[0], strict=True)
        if r >= 0 and int(r) not in chosen
    ]
    return out[:k]
