"""Fine-tuning and cross-fit let a Cancel kill their child only around the model's load
(``CancelToken.may_be_killed``: a stretch that writes nothing). Finding the embeddings'
model comes before it: it may rewrite a damaged ``spec.json``, and a kill must never land
in a write. Before, that lookup ran inside the stretch."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pytest

from labeldesk.core.progress import CancelToken
from labeldesk.ml.backbones import DEFAULT_BACKBONE


class WatchedToken(CancelToken):
    """Says whether the job is inside its kill-able stretch."""

    def __init__(self) -> None:
        super().__init__()
        self.inside = False

    @contextmanager
    def may_be_killed(self) -> Iterator[None]:
        self.inside = True
        try:
            yield
        finally:
            self.inside = False


class Loaded(Exception):
    """Stands in for the loaded backbone: the test ends at the load."""


@pytest.fixture
def damaged_spec(monkeypatch):
    """spec.json unreadable, the model told from the store's identity; records whether
    each spec write and each load ran inside the stretch."""
    import labeldesk.ml.store as store

    token = WatchedToken()
    seen: list[tuple[str, bool]] = []

    def unreadable(folder):
        raise ValueError("damaged")

    def write(store_, spec):
        seen.append(("write", token.inside))

    def load(spec):
        seen.append(("load", token.inside))
        raise Loaded

    monkeypatch.setattr(store, "_read_spec", unreadable)
    monkeypatch.setattr(store, "_identity_name", lambda s: (DEFAULT_BACKBONE, None))
    monkeypatch.setattr(store, "_write_spec", write)
    return token, seen, load


def test_finetune_finds_its_model_before_the_stretch_a_cancel_may_kill(
    clustered_clean, damaged_spec, monkeypatch
):
    import labeldesk.ml.finetune as finetune

    token, seen, load = damaged_spec
    monkeypatch.setattr(finetune, "load_backbone", load)
    monkeypatch.setattr(finetune, "_continued", lambda project: None)
    with pytest.raises(Loaded):
        finetune._starting_backbone(clustered_clean, token)
    assert seen == [("write", False), ("load", True)]


def test_crossfit_finds_its_model_before_the_stretch_a_cancel_may_kill(
    clustered_clean, damaged_spec, monkeypatch
):
    import labeldesk.ml.crossfit as crossfit
    from labeldesk.ml.crossfit import CrossFitParams, fit_vectors
    from labeldesk.ml.store import project_vectors

    token, seen, load = damaged_spec
    monkeypatch.setattr(crossfit, "load_backbone", load)
    vectors = project_vectors(clustered_clean)
    labels = np.zeros(len(vectors.paths), dtype=np.int64)
    trainable = np.ones(len(vectors.paths), dtype=bool)
    with pytest.raises(Loaded):
        fit_vectors(
            clustered_clean, vectors, labels, trainable, CrossFitParams(), device="cpu",
            cancel=token,
        )  # fmt: skip
    assert seen == [("write", False), ("load", True)]
