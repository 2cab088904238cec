"""`embed` without --model continues the project's current model even when its store's
identity.json cannot be read: spec.json still names the model (embedding with it
rewrites the identity), where the bundled default would start over with another one."""

from __future__ import annotations

import numpy as np
import pytest

from labeldesk.ml.backbones import DEFAULT_BACKBONE, Backbone, ModelIdentity, Preprocess
from labeldesk.ml.input_size import choose_model_spec
from labeldesk.ml.store import SPEC_NAME, open_model_store, use_store
from labeldesk.ml.vectors import VectorStore

SPEC = "resnet18:160"


@pytest.fixture
def damaged(project):
    """``project`` embedded (one vector) with SPEC, its identity.json then emptied."""
    identity = ModelIdentity("resnet18", "fake", "0" * 64, Preprocess(size=160))
    store = open_model_store(project, SPEC, Backbone(model=None, identity=identity, dim=4))
    with VectorStore.writer(store.folder, 4) as writer:
        writer.append(["ab" * 16], np.ones((1, 4), np.float32))
    use_store(project, store.folder.name)
    assert choose_model_spec(project) == SPEC
    (store.folder / "identity.json").write_bytes(b"")  # a power cut mid-write
    return project, store.folder


def test_an_unreadable_identity_falls_back_to_the_recorded_spec(damaged):
    project, _ = damaged
    assert choose_model_spec(project) == SPEC  # was: the bundled default
    assert choose_model_spec(project, "resnet18") == SPEC  # its size kept
    assert choose_model_spec(project, DEFAULT_BACKBONE) == DEFAULT_BACKBONE


def test_the_default_only_when_spec_json_cannot_be_read_either(damaged):
    project, folder = damaged
    (folder / SPEC_NAME).write_text("{not json")
    assert choose_model_spec(project) == DEFAULT_BACKBONE
