"""After a fine-tune re-embeds the project, the flags of likely mislabels are computed
again from the new embeddings and their number can change: it is said, before → after,
when the count before was cached (what `issues` or the app showed last); without that
cache nothing is computed for it (it would cost as much as `issues` itself)."""

from __future__ import annotations

from labeldesk.core.progress import Progress
from labeldesk.ml.finetune import finetune_and_reembed
from labeldesk.ml.flag_change import FlagChange, cached_flag_count, flag_count
from labeldesk.ml.predictions import cached_predictions, project_predictions
from labeldesk.ml.store import current_key, embeddings_dir

from .test_finetune_unfinished import PARAMS, embedded  # noqa: F401 (a fixture)
from .test_finetune_unreadable import two_classes  # noqa: F401 (a fixture)


def _reports():
    seen: list[Progress] = []
    return seen, seen.append


def test_the_flag_count_before_and_after_is_reported_when_it_was_cached(embedded):  # noqa: F811
    project, before_key = embedded
    assert cached_predictions(project) is None  # nothing computed yet
    preds = project_predictions(project)  # as `issues` (or the app) computes them
    cached = cached_predictions(project)
    assert cached is not None and (cached.probs == preds.probs).all()
    before = cached_flag_count(project)
    assert before is not None

    seen, progress = _reports()
    version = finetune_and_reembed(project, PARAMS, device="cpu", progress=progress)

    assert current_key(project) == version.embedding_key != before_key
    [flags] = [r.data["flags"] for r in seen if r.data and "flags" in r.data]
    assert flags == {"before": before, "after": flag_count(project)}
    assert cached_predictions(project) is not None  # `issues` next reads them at once


def test_nothing_is_computed_for_it_without_a_cached_count(embedded):  # noqa: F811
    project, before_key = embedded
    seen, progress = _reports()
    version = finetune_and_reembed(project, PARAMS, device="cpu", progress=progress)
    assert current_key(project) == version.embedding_key
    assert not [r for r in seen if r.data and "flags" in r.data]
    for key in (before_key, version.embedding_key):
        assert not list((embeddings_dir(project) / key).glob("predictions-*.npz"))


def test_the_words_for_the_change():
    assert FlagChange(12, 9).text() == (
        "likely mislabels flagged: 12 before the fine-tune, 9 with its embeddings (fewer "
        "flags can also mean it learned some wrong labels: review them as before)"
    )
    assert FlagChange(9, 12).text() == (
        "likely mislabels flagged: 9 before the fine-tune, 12 with its embeddings"
    )
    assert FlagChange(3, 3).text() == (
        "likely mislabels flagged: 3 with the new embeddings, as before"
    )
    assert FlagChange(1200, 9).to_json() == {"before": 1200, "after": 9}


def test_a_count_that_fails_leaves_the_finished_fine_tune_finished(monkeypatch, caplog):
    """The count comes after the run is whole (its model saved, its embeddings in use):
    an error in it (a disk filled by the re-embedding, where the predictions are cached)
    failed the whole `train` (exit 1) and the app's run ("Training failed"), though
    nothing of it was lost. The count is left out, and a warning says why."""
    import errno
    from types import SimpleNamespace

    from labeldesk.ml import flag_change

    def full_disk(project):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("labeldesk.ml.store.current_key", lambda project: "tuned")
    monkeypatch.setattr(flag_change, "flag_count", full_disk)
    version = SimpleNamespace(id=3, embedding_key="tuned")
    seen, progress = _reports()
    assert flag_change.count_again(object(), version, 12, progress) is None  # type: ignore[arg-type]
    assert not [r for r in seen if r.data and "flags" in r.data]
    assert "No space left on device" in caplog.text
    assert "fine-tuned model version 3 is saved and the project uses its embeddings" in caplog.text
