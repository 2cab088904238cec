"""Embedding and training into a read-only project folder fail at once, with the message a
refused write gets (permission denied: the folder; check its permissions), instead of
after seconds to minutes of work that could not be saved. Commands that only read
(stats, similar) still run there.

Root writes a chmod'ed folder anyway, so the denial is also simulated where access(2)
would let root through (``os.access`` answers as for a user)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from labeldesk.core.failures import describe
from labeldesk.core.stats import project_stats
from labeldesk.ml.embed import embed_project
from labeldesk.ml.finetune import FinetuneParams, finetune
from labeldesk.ml.models import list_versions, models_dir
from labeldesk.ml.store import embeddings_dir
from labeldesk.ml.train import HeadParams, train_head

from .fake_embeddings import make_clustered_project
from .tiny_backbone import tiny_backbone


@pytest.fixture
def read_only(monkeypatch):
    """``read_only(folder)``: the folder is chmod'ed 0o555 and refused to writers."""
    made: list[Path] = []
    real = os.access

    def access(path, mode, *args, **kwargs):
        if mode & os.W_OK and Path(path).resolve() in made:
            return False
        return real(path, mode, *args, **kwargs)

    monkeypatch.setattr(os, "access", access)

    def arm(folder: Path) -> None:
        folder.mkdir(exist_ok=True)
        folder.chmod(0o555)
        made.append(folder.resolve())

    yield arm
    for folder in made:
        folder.chmod(0o755)


def _says_permission_denied(exc: BaseException, folder: Path) -> None:
    said = describe(exc)
    assert said is not None, exc
    assert said[0].startswith(f"permission denied: {folder}"), said
    assert "check its permissions" in said[0]


def test_embed_into_a_read_only_embeddings_folder_fails_before_any_work(project, read_only):
    read_only(embeddings_dir(project))
    seen: list[int] = []
    with pytest.raises(PermissionError) as caught:
        embed_project(project, backbone=tiny_backbone(seen), runtime="torch", device="cpu")
    _says_permission_denied(caught.value, embeddings_dir(project))
    assert seen == []  # not one image was embedded
    assert list(embeddings_dir(project).iterdir()) == []


def test_embed_into_a_read_only_project_folder_fails_before_any_work(project, read_only):
    read_only(project.path)  # embeddings/ not made yet: it would be made here
    seen: list[int] = []
    with pytest.raises(PermissionError) as caught:
        embed_project(project, backbone=tiny_backbone(seen), runtime="torch", device="cpu")
    _says_permission_denied(caught.value, project.path)
    assert seen == []
    assert not embeddings_dir(project).exists()
    assert project_stats(project)  # reading still works


def test_training_into_a_read_only_models_folder_fails_at_once(tmp_path, read_only):
    project, _ = make_clustered_project(tmp_path, flipped=0)
    with project:
        read_only(models_dir(project))
        with pytest.raises(PermissionError) as caught:
            train_head(project, HeadParams(epochs=3))
        _says_permission_denied(caught.value, models_dir(project))
        with pytest.raises(PermissionError):
            finetune(project, FinetuneParams(epochs=1), base=tiny_backbone())
        assert list_versions(project) == []


def test_embed_on_ray_checks_before_reaching_the_cluster(project, read_only):
    from labeldesk.ml.ray_embed import embed_on_ray

    read_only(embeddings_dir(project))
    with pytest.raises(PermissionError) as caught:
        embed_on_ray(project, address="ray://nowhere.invalid:10001")
    _says_permission_denied(caught.value, embeddings_dir(project))


def test_embed_through_a_link_to_a_drive_not_mounted_fails_before_any_work(project, tmp_path):
    from labeldesk.core.errors import ProjectError

    folder = embeddings_dir(project)
    folder.symlink_to(tmp_path / "unmounted-drive" / "embeddings")  # (kept elsewhere)
    seen: list[int] = []
    with pytest.raises(ProjectError, match=r"which is not there \(a drive not mounted"):
        embed_project(project, backbone=tiny_backbone(seen), runtime="torch", device="cpu")
    assert seen == []  # not one image was embedded
    assert folder.is_symlink() and not (tmp_path / "unmounted-drive").exists()
