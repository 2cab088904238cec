"""The vector store's identity.json emptied (a power cut after an un-synced rename): the
commands that read embeddings say so clearly, and `embed` with the model rewrites it and
keeps the vectors. New small files reach the disk before they are renamed into place."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from helpers import write_image

from labeldesk.core.create import create_and_index
from labeldesk.ml import cachefiles
from labeldesk.ml.embed import embed_project
from labeldesk.ml.errors import NoEmbeddings
from labeldesk.ml.store import current_store, project_vectors

from .tiny_backbone import tiny_backbone


@pytest.fixture
def project(tmp_path: Path):
    root = tmp_path / "images"
    for i in range(4):
        write_image(root / f"p{i}.png", size=(16, 16), fmt="PNG", seed=i)
    project, _ = create_and_index(tmp_path / "proj", root, workers=1)
    embed_project(project, backbone=tiny_backbone(), runtime="torch", device="cpu")
    yield project
    project.close()


def test_an_empty_identity_file_is_a_clear_error_and_embed_repairs_it(project):
    identity = current_store(project).folder / "identity.json"
    identity.write_bytes(b"")

    for read in (current_store, project_vectors):
        with pytest.raises(NoEmbeddings, match=r"identity\.json cannot be read") as caught:
            read(project)
        assert "--model" in str(caught.value)

    report = embed_project(project, backbone=tiny_backbone(), runtime="torch", device="cpu")
    assert report.embedded == 0 and report.rebuilt is None  # the vectors were kept
    assert len(project_vectors(project).paths) == 4
    assert current_store(project).dim == tiny_backbone().dim


def test_a_new_file_is_synced_before_it_is_renamed(tmp_path: Path, monkeypatch):
    events: list[str] = []
    real_fsync, real_replace = os.fsync, Path.replace

    def fsync(fd: int) -> None:
        events.append("fsync")
        real_fsync(fd)

    def replace(self: Path, target):
        events.append("rename")
        return real_replace(self, target)

    monkeypatch.setattr(cachefiles.os, "fsync", fsync)
    monkeypatch.setattr(Path, "replace", replace)
    cachefiles.write_bytes_atomically(tmp_path / "identity.json", b"{}")
    assert events[:2] == ["fsync", "rename"]
    assert (tmp_path / "identity.json").read_bytes() == b"{}"
