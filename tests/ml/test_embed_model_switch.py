"""Embedding with another model (or input size) switches the project to it only once the
new store holds vectors: a run interrupted while its model loads leaves the project's
embeddings as they were, and one stopped part-way is continued by the next run."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from helpers import write_image

from labeldesk.core.create import create_and_index
from labeldesk.core.progress import CancelToken, Progress
from labeldesk.ml import embed
from labeldesk.ml.backbones import Preprocess
from labeldesk.ml.store import current_key, project_vectors

from .tiny_backbone import tiny_backbone


def other_model():
    """The tiny backbone at another input size: another store."""
    backbone = tiny_backbone()
    identity = replace(backbone.identity, preprocess=Preprocess(size=24))
    return replace(backbone, identity=identity)


@pytest.fixture
def project(tmp_path: Path):
    root = tmp_path / "images"
    for i in range(6):
        write_image(root / f"p{i}.png", size=(16, 16), fmt="PNG", seed=i)
    project, _ = create_and_index(tmp_path / "proj", root, workers=1)
    embed.embed_project(project, backbone=tiny_backbone(), runtime="torch", device="cpu")
    yield project
    project.close()


def test_a_run_interrupted_before_any_vector_keeps_the_current_embeddings(project, monkeypatch):
    first = current_key(project)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt  # Ctrl+C while the runtime compiles the model

    monkeypatch.setattr(embed, "load_runner", interrupted)
    with pytest.raises(KeyboardInterrupt):
        embed.embed_project(project, backbone=other_model(), runtime="torch", device="cpu")
    assert current_key(project) == first
    assert len(project_vectors(project).paths) == 6  # still usable


def test_a_run_stopped_part_way_is_current_and_the_next_run_continues_it(project):
    cancel = CancelToken()

    def stop_after_first_batch(p: Progress) -> None:
        if p.done >= 2:
            cancel.cancel()

    other = other_model()
    report = embed.embed_project(
        project,
        backbone=other,
        runtime="torch",
        device="cpu",
        batch_size=2,
        progress=stop_after_first_batch,
        cancel=cancel,
    )
    assert report.cancelled and 0 < report.embedded < 6
    assert current_key(project) == other.identity.key  # it holds vectors: in use
    rest = embed.embed_project(project, backbone=other, runtime="torch", device="cpu")
    assert rest.embedded == 6 - report.embedded
    assert len(project_vectors(project).paths) == 6
