"""Which trained head the app uses, and why.

A newly trained head replaces the one in use only when it is not worse on the frozen test
set (:mod:`labeldesk.ml.model_eval`): McNemar's test on the images both can be scored on
decides, so a run on fewer or worse labels does not silently take over the predictions,
the label-error scores and the queue. A person can pin any version instead; a pin holds
until it is lifted. The choice and its reason are kept in the project, so the CLI and
the app say the same thing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from labeldesk.core.display import format_percent
from labeldesk.core.errors import LabelDeskError

from .model_eval import FROZEN_TEST_KEY, compare, frozen_test_set, score_version
from .models import ModelVersion, get_version, last_label_event, list_versions
from .store import embeddings_dir, recorded_spec
from .train import read_head_meta

if TYPE_CHECKING:
    from labeldesk.core.project import Project

IN_USE_KEY, REASON_KEY, PINNED_KEY = "head_in_use", "head_in_use_reason", "head_pinned"
REASON_TEST_KEY = "head_in_use_test_set"  # the test set the reason's figures are on
# the test set in a reason an older version stored: "… of the frozen test set (NAME), …"
_OLD_REASON_TEST = re.compile(r"images of the frozen test set \((.*)\), one-sided McNemar")


@dataclass
class InUse:
    version: ModelVersion | None
    reason: str
    pinned: bool = False


def in_use(project: Project, embedding_key: str | None = None) -> InUse:
    """The head the app uses (of ``embedding_key``'s embeddings, when given).

    The pinned version, else the one chosen when it was trained; a chosen head made on
    other embeddings gives way to the newest head made on these."""
    db = project.db
    for key, pinned in ((PINNED_KEY, True), (IN_USE_KEY, False)):
        version = _version(project, db.get_meta(key))
        usable = version is not None and embedding_key in (None, version.embedding_key)
        if version is not None and usable:
            reason = "pinned by hand" if pinned else _stored_reason(project)
            return InUse(version, reason, pinned)
    newest = _newest_head(project, embedding_key)
    if newest is None:
        return InUse(None, _no_head(project))
    return InUse(newest, "the newest head trained on the current embeddings")


def _stored_reason(project: Project) -> str:
    """Why the head was chosen, as stored when it was; when its figures are on another
    test set than the frozen one now (`models --test-set` since), it says which is which:
    "…; auto-model-1 was the frozen test set then, v1 is now"."""
    db = project.db
    reason = db.get_meta(REASON_KEY) or ""
    old = _OLD_REASON_TEST.search(reason)
    then = db.get_meta(REASON_TEST_KEY) or (old.group(1) if old else None)
    now = db.get_meta(FROZEN_TEST_KEY)
    if then and now and then != now:
        reason += f"; {then} was the frozen test set then, {now} is now"
    return reason


def why_unused(project: Project, chosen: InUse, classes: list[str], label_state: int) -> str | None:
    """Why the chosen head does not predict now (the probe does), or None when it does:
    a head pinned by hand is used whatever labels changed since; another gives way to the
    probe once labels change, until a head is trained on them; none is used when its
    classes are no longer the project's (one added, renamed or removed since)."""
    head = chosen.version
    if head is None or head.status != "complete":
        return chosen.reason or "no trained head"
    if not chosen.pinned and head.label_event_id != label_state:
        return f"the labels changed since #{head.id} was trained"
    return _never_usable(project, head, classes)


def _never_usable(project: Project, head: ModelVersion, classes: list[str]) -> str | None:
    """Why ``head`` cannot predict for ``classes`` whatever is labeled later, or None."""
    meta = read_head_meta(project.path / str(head.checkpoint))
    if meta is None:
        return f"#{head.id}'s files cannot be read"
    if meta["classes"] != classes:
        return f"#{head.id} was trained on other classes than the project's now"
    return None


def chosen_head(project: Project) -> InUse:
    """The head the choice rule keeps for the current embeddings (it predicts only when
    :func:`why_unused` finds nothing against it)."""
    from .store import current_key

    key = current_key(project)
    return in_use(project, key) if key is not None else InUse(None, "no embeddings yet")


def predicting(project: Project) -> InUse:
    """The head the predictions use now (on the current embeddings, classes and labels),
    or ``InUse(None, why not)``: what ``labeldesk models`` and the notebook API show."""
    chosen = chosen_head(project)
    if chosen.version is None:
        return chosen
    why = why_unused(project, chosen, project.classes(), last_label_event(project))
    return chosen if why is None else InUse(None, why)


def _version(project: Project, text: str | None) -> ModelVersion | None:
    if not text or not text.isdigit():
        return None
    try:
        version = get_version(project, int(text))
    except LabelDeskError:
        return None  # deleted since
    return version if version.kind == "head" and version.status == "complete" else None


def _newest_head(project: Project, embedding_key: str | None) -> ModelVersion | None:
    for version in list_versions(project, "head"):
        if version.status == "complete" and (
            embedding_key is None or version.embedding_key == embedding_key
        ):
            return version
    return None


def _no_head(project: Project) -> str:
    """Why no head is found for the current embeddings: none trained yet, or the newest
    was trained on other embeddings (another model or input size)."""
    other = _newest_head(project, None)
    if other is None:
        return "no trained head yet"
    key = str(other.embedding_key)
    spec = recorded_spec(embeddings_dir(project) / key) if other.embedding_key else None
    # (", made with --model X" read, after a fine-tune, as if the person had typed one)
    made = f" (the embeddings `embed --model {spec}` makes)" if spec else ""
    return f"no head trained on these embeddings: #{other.id} was trained on {key}{made}"


def consider(project: Project, new: ModelVersion) -> InUse:
    """After training ``new``: make it the head in use unless it is worse than the one in
    use now on the frozen test set, or that one can never predict again (trained on other
    classes than the project's now). Returns the choice (a pin is left alone)."""
    db = project.db
    if new.kind != "head" or new.status != "complete":
        return in_use(project)
    current = in_use(project, new.embedding_key)
    if current.pinned:
        return current
    old = current.version
    if old is None or old.id == new.id:
        return _choose(project, new, "the first head trained on these embeddings")
    try:
        test = frozen_test_set(project)
    except LabelDeskError:
        return _choose(project, new, "newest (no frozen test set to compare on)")
    result = compare(score_version(project, old, test), score_version(project, new, test), test)
    on = test.version
    if result.n == 0:
        return _choose(project, new, f"newest (no image of test set {on} to compare on)", on)
    # the test set by name: a later `models --test-set` scores the versions on another
    words = (
        f"#{new.id} {_pct(result.accuracy_b)} vs #{old.id} {_pct(result.accuracy_a)} on "
        f"{result.n} images of test set {on}, one-sided McNemar p = {result.p_one_sided:.3g}"
    )
    unusable = _never_usable(project, old, project.classes())
    if result.b_worse and unusable is not None:
        return _choose(project, new, f"newest: the newer {words} is worse, but {unusable}", on)
    if result.b_worse:
        db.set_meta(REASON_KEY, f"kept: the newer {words} is worse")
        db.set_meta(REASON_TEST_KEY, on)
        return InUse(old, _stored_reason(project))
    return _choose(project, new, f"not worse: {words}", on)


def _choose(
    project: Project, version: ModelVersion, reason: str, test_set: str | None = None
) -> InUse:
    """Make ``version`` the head in use for ``reason``, whose figures are on ``test_set``."""
    project.db.set_meta(IN_USE_KEY, str(version.id))
    project.db.set_meta(REASON_KEY, reason)
    project.db.set_meta(REASON_TEST_KEY, test_set or "")
    return InUse(version, reason)


def train_and_choose(project: Project, *args: Any, **kwargs: Any) -> tuple[ModelVersion, InUse]:
    """:func:`~labeldesk.ml.train.train_head`, then :func:`consider` the new head."""
    from .train import train_head

    version = train_head(project, *args, **kwargs)
    return version, consider(project, version)


def pin(project: Project, version_id: int | None) -> InUse:
    """Pin head ``version_id`` (None lifts the pin); the choice after it."""
    if version_id is None:
        project.db.set_meta(PINNED_KEY, "")
        return in_use(project)
    version = get_version(project, version_id)
    if version.kind != "head":
        kind = "fine-tune" if version.kind == "finetune" else version.kind
        raise LabelDeskError(
            f"model version {version_id} is a {kind}, not a classifier head: only a head can "
            "be pinned; train a head on its embeddings (`labeldesk train PROJECT --mode "
            "head`) and pin that one"
        )
    if version.status != "complete":
        raise LabelDeskError(
            f"model version {version_id} did not finish ({version.status}): only a complete "
            "head can be pinned"
        )
    project.db.set_meta(PINNED_KEY, str(version_id))
    return in_use(project)


def _pct(value: float | None) -> str:
    return "-" if value is None else format_percent(value)
