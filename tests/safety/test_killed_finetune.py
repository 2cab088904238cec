"""`labeldesk train --mode finetune` killed outright (SIGKILL) at each stage: while it
saves its checkpoint, when embedding with the tuned model begins (its store's first
file), while the tuned model is exported for the CPU runtime (ONNX, cached outside the
project), and just before the tuned model's embeddings become the project's. After each
kill the project opens, every recorded model loads, and the embeddings in use are whole;
the next run (here: the next kill point's run, then a whole one) trains, records its
model and makes its embeddings the project's; no temporary, and no run folder that no
version uses, is left for good.

Each stage is killed once, one run after another on one project (a whole run takes
about ten seconds on two cores; one run per stage keeps the file under a minute).

Killed while it embeds with the tuned model, after a batch is stored: the project keeps
the whole embeddings it had (it used the tuned model's half-made ones, leaving most
images out of every view), `stats` and `models` say the tuned model's are unfinished,
and a plain `labeldesk embed` finishes them and only then uses them."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

import labeldesk
from labeldesk.ml.backbones import load_backbone
from labeldesk.ml.models import list_versions
from labeldesk.ml.store import current_key, current_store, model_spec, project_vectors
from safety.killed_runs import leftovers, run_here, run_killed, tree
from safety.killed_sql import COMMIT
from safety.test_killed_train import unused_folders

# The killed runs are real commands in child processes (seconds each); the runs before and
# after a kill, which are only looked at, run in this process (run_here).
pytestmark = pytest.mark.slow

TUNE = ["--mode", "finetune", "--epochs", "1"]


def tiny_checkpoint(path: Path) -> Path:
    """timm's randomly initialised test_efficientnet as a checkpoint (a real backbone with
    blocks to fine-tune, milliseconds per image at 32 px), as a person passes one."""
    import timm
    import torch
    from safetensors.torch import save_file

    torch.manual_seed(0)
    model = timm.create_model("test_efficientnet", pretrained=False, num_classes=2)
    state = {k: v.contiguous() for k, v in model.state_dict().items()}
    save_file(state, str(path), metadata={"architecture": "test_efficientnet"})
    return path


@pytest.fixture
def tuned(small, tmp_path, monkeypatch):
    """(project, images, their tree, runtime cache): embedded with the tiny checkpoint at
    32 px; the CPU runtime's exported graphs go to a folder of this test."""
    project, images, before = small
    cache = tmp_path / "runtime-cache"
    monkeypatch.setenv("LABELDESK_RUNTIME_CACHE", str(cache))  # the commands' environment
    model = f"{tiny_checkpoint(tmp_path / 'tiny.safetensors')}:32"
    run_here(["embed", project, "--model", model, "--runtime", "torch"])
    return project, images, before, cache


def usable(project: Path) -> tuple[int, str | None, str | None]:
    """(versions, the embeddings in use, the newest version's), after checking that the
    database is whole, every recorded model loads and the embeddings in use can be read."""
    with labeldesk.open_project(project) as opened:
        assert opened.db.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        versions = list_versions(opened)
        for version in versions:
            load_backbone(str(project / version.checkpoint))  # never half a model
        load_backbone(model_spec(current_store(opened)))
        project_vectors(opened)
        newest = versions[0].embedding_key if versions else None
        return len(versions), current_key(opened), newest


def missing_vectors(project: Path) -> int:
    with labeldesk.open_project(project) as opened:
        return project_vectors(opened).missing


def test_a_fine_tune_killed_at_each_stage_leaves_a_usable_project_and_whole_models(tuned):
    project, images, images_before, cache = tuned
    train = ["train", project, *TUNE]
    kills = [  # (call, nth, only calls on files named, SQL pattern, recorded by then)
        ("os.replace", 1, "model.safetensors", None, False),  # its checkpoint's rename
        ("os.replace", 1, "identity.json", None, True),  # the tuned model's store begins
        ("os.replace", 1, "*.onnx", None, True),  # its graph for the CPU runtime
        # its embeddings becoming the project's: the 4th COMMIT, after the read snapshots of
        # the cached flags' labels and of the images to train on, and the version's record
        ("sql", 4, None, COMMIT, True),
    ]
    had, in_use, _ = usable(project)
    for call, nth, name, sql, recorded in kills:
        code = run_killed(train, call, nth, name=name, sql=sql)
        assert code == -signal.SIGKILL, (call, name)
        versions, now_in_use, _ = usable(project)
        assert versions == had + recorded, (call, name)
        assert now_in_use == in_use, (call, name)  # the embeddings it had, until whole
        had = versions
    run_here(train)
    versions, in_use, newest = usable(project)
    assert versions == had + 1 and in_use == newest and missing_vectors(project) == 0
    assert unused_folders(project) == [] and leftovers(project) == []
    assert leftovers(cache) == []
    assert len(run_here(["predict", project])) == 60
    assert tree(images) == images_before


def test_a_fine_tune_killed_while_embedding_keeps_the_whole_embeddings_until_embed_ends(tuned):
    project, images, images_before, _ = tuned
    had, in_use, _ = usable(project)
    torch_batches = {"labeldesk.ml.runtime.CPU_RUNTIME": "torch"}  # 8 images a batch
    # killed as the second batch's keys are synced (written: 16 images have a vector;
    # before the fix, the first batch had made that store the project's embeddings)
    code = run_killed(
        ["train", project, *TUNE], "os.fsync", 2, name="keys.bin", patch=torch_batches
    )
    assert code == -signal.SIGKILL
    versions, now_in_use, newest = usable(project)
    assert versions == had + 1 and newest != in_use
    assert now_in_use == in_use and missing_vectors(project) == 0  # not half of them

    listed = run_here(["models", project])
    assert [v["embeddings_unfinished"] for v in listed] == [True] + [False] * had
    stats = run_here(["stats", project])
    tuned_id = listed[0]["id"]
    assert stats["unfinished_embeddings"] == {"version": tuned_id, "embedded": 16, "images": 60}

    finished = run_here(["embed", project, "--runtime", "torch"])  # plain: the tuned model
    assert finished["embedded"] == 44 and finished["key"] == newest
    _, now_in_use, _ = usable(project)
    assert now_in_use == newest and missing_vectors(project) == 0
    assert run_here(["stats", project])["unfinished_embeddings"] is None
    assert unused_folders(project) == [] and leftovers(project) == []
    assert tree(images) == images_before
