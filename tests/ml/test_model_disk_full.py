"""A model saved onto a full disk said "internal error; please report it" (safetensors
raises its own error type, not an OSError), and a head's half-written folder stayed in
``models/`` for as long as the app ran."""

from __future__ import annotations

import errno

import pytest
import safetensors.torch
from safetensors import SafetensorError

from labeldesk.core.failures import describe
from labeldesk.ml import cachefiles
from labeldesk.ml.finetune import FinetuneParams, finetune
from labeldesk.ml.models import list_versions, models_dir
from labeldesk.ml.store import project_vectors
from labeldesk.ml.train import HeadParams, head_probabilities, train_head

from .fake_embeddings import make_clustered_project
from .test_training import shapes_project  # noqa: F401 (a fixture)

FULL = "Error while serializing: I/O error: No space left on device (os error 28)"


@pytest.fixture
def full_models_disk(monkeypatch):
    """Every write into the project's models/ folder fails as on a full disk, whichever
    writer makes it (safetensors' own, or Python's)."""

    def save_file(*args, **kwargs):
        raise SafetensorError(FULL)

    real = cachefiles.write_atomically

    def write_atomically(target, write, **kwargs):
        if "models" in target.parts:
            tmp = target.with_name(f".tmp-1-2-3-{target.name}")
            raise OSError(errno.ENOSPC, "No space left on device", str(tmp))
        return real(target, write, **kwargs)

    def arm():
        monkeypatch.setattr(safetensors.torch, "save_file", save_file)
        monkeypatch.setattr(cachefiles, "write_atomically", write_atomically)

    return arm


def test_a_head_saved_onto_a_full_disk_says_so_and_keeps_the_previous_one(
    tmp_path, full_models_disk
):
    project, _ = make_clustered_project(tmp_path, flipped=0)
    with project:
        before = train_head(project, HeadParams(epochs=3))
        folders = sorted(models_dir(project).iterdir())
        full_models_disk()
        with pytest.raises(Exception) as caught:
            train_head(project, HeadParams(epochs=3))
        said = describe(caught.value)
        assert said is not None, caught.value  # not "internal error; please report it"
        assert said[1] == "DiskFull"
        assert sorted(models_dir(project).iterdir()) == folders  # no half-written run
        assert [v.id for v in list_versions(project)] == [before.id]
        vectors = project_vectors(project).vectors
        assert head_probabilities(project, before, vectors) is not None


def test_a_fine_tune_saved_onto_a_full_disk_says_so(
    shapes_project,  # noqa: F811
    backbone,
    full_models_disk,
):
    full_models_disk()
    with pytest.raises(Exception) as caught:
        finetune(
            shapes_project, FinetuneParams(epochs=1, batch_size=8, image_size=32), base=backbone
        )
    said = describe(caught.value)
    assert said is not None and said[1] == "DiskFull", caught.value
    assert list_versions(shapes_project) == []
    assert list(models_dir(shapes_project).iterdir()) == []


MARKER_CHILD = r"""
import resource, signal, sys
from labeldesk.core.failures import describe
from labeldesk.core.project import open_project
from labeldesk.ml.models import new_version_dir

signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit: EFBIG
with open_project(sys.argv[1]) as project:
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))  # the disk is full from here on
    try:
        new_version_dir(project, "head")
    except OSError as exc:
        print(describe(exc)[0])
"""


def test_a_run_folder_whose_marker_cannot_be_written_is_not_left_behind(project):
    """On a real full disk `labeldesk train` failed writing the run's marker: the folder
    stayed in models/ with an empty marker, which no later sweep can read, so it stayed
    for good (found by benchmarks/full_disk_tour.py). It is removed, and the error names
    the file."""
    pytest.importorskip("resource")
    import subprocess
    import sys

    path = project.path
    project.close()
    done = subprocess.run(
        [sys.executable, "-c", MARKER_CHILD, str(path)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert ".labeldesk-run" in done.stdout and str(path / "models") in done.stdout
    assert list((path / "models").iterdir()) == []
