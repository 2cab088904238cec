"""A Ray job with another model switches the project to that model's store only once the
store holds vectors, as a local run does. The cluster is a stand-in (no Ray needed): the
job's batches come from a list, the checks before it pass."""

from __future__ import annotations

import numpy as np
import pytest

from labeldesk.core.image_rows import usable_files
from labeldesk.ml import ray_embed, ray_results
from labeldesk.ml.backbones import Backbone, ModelIdentity, Preprocess
from labeldesk.ml.ray_errors import ClusterError
from labeldesk.ml.ray_nodes import ClusterShape
from labeldesk.ml.ray_worker import OK, code_version
from labeldesk.ml.store import current_key, open_model_store, project_vectors, use_store
from labeldesk.ml.vectors import VectorStore

DIM = 8


def fake_backbone(size: int) -> Backbone:
    identity = ModelIdentity("tiny", "pooled", "0" * 64, Preprocess(size=size))
    return Backbone(model=None, identity=identity, dim=DIM)


FIRST, OTHER = fake_backbone(32), fake_backbone(48)


def vectors(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    v = rng.normal(size=(n, DIM)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def batch(items: list[tuple[str, str, int]]) -> dict[str, np.ndarray]:
    """What the relay hands back for ``items``: every image embedded by OTHER."""
    n = len(items)
    return {
        "hash": np.array([h for h, _, _ in items], dtype=object),
        "path": np.array([p for _, p, _ in items], dtype=object),
        "status": np.array([OK] * n, dtype=object),
        "reason": np.array([""] * n, dtype=object),
        "vector": vectors(n, n).astype(np.float16),
        "key": np.array([OTHER.identity.key] * n, dtype=object),
        "version": np.array([code_version()] * n, dtype=object),
        "runtime": np.array(["torch"] * n, dtype=object),
        "precision": np.array(["f32"] * n, dtype=object),
    }


class StandIn:
    """The cluster: reachable, one node, every check passed; the job yields ``take``
    batches of ``size`` images of what it is sent, then fails (``fail``) or ends."""

    def __init__(self, monkeypatch, project, take: int, size: int = 4, fail: bool = True):
        self.project = project
        self.sent: list[list[tuple[str, str, int]]] = []
        self.key_at_start: list[str | None] = []  # the project's current model as it starts
        self.take, self.size, self.fail = take, size, fail
        monkeypatch.setattr(ray_embed, "import_ray", lambda: self)
        monkeypatch.setattr(ray_embed, "check_reachable", lambda address: None)
        monkeypatch.setattr(ray_embed, "connect", lambda ray, address, cancel=None: False)
        shape = ClusterShape(nodes=1, cpus=2, gpus=0)
        monkeypatch.setattr(ray_embed, "cluster_shape", lambda ray: shape)
        monkeypatch.setattr(ray_embed, "probe_nodes", lambda ray, root, sample, watch=None: [])
        monkeypatch.setattr(ray_embed, "load_backbone", lambda spec: OTHER)
        monkeypatch.setattr(ray_embed, "run_job", self.run_job)
        # nothing to dial at its address: the head never goes away
        monkeypatch.setattr(
            ray_embed.HeadWatch, "of", classmethod(lambda cls, r, a, *_: cls(a, None))
        )

    def run_job(self, ray, items, spec, root, plan, watch=None, explain=None):
        self.sent.append(items)
        self.key_at_start.append(current_key(self.project))

        def batches():
            for i in range(min(self.take, -(-len(items) // self.size))):
                yield batch(items[i * self.size : (i + 1) * self.size])
            if self.fail:
                raise RuntimeError("ActorDiedError: the relay's node went away")

        return ray_results.Outputs(batches(), watch=watch, explain=explain)

    def nodes(self) -> list[dict]:
        return [{"NodeID": "n1", "NodeManagerAddress": "127.0.0.1", "Alive": True}]

    def shutdown(self) -> None:
        pass


@pytest.fixture
def embedded(project):
    """``project`` with vectors of the FIRST model for every image, in use."""
    hashes = sorted({r["hash"] for r in usable_files(project.db)})
    store = open_model_store(project, "tiny", FIRST)
    with VectorStore.writer(store.folder, DIM) as writer:
        writer.append(hashes, vectors(len(hashes), 1))
    use_store(project, FIRST.identity.key)
    return project, len(hashes)


def embed(project):
    return ray_embed.embed_on_ray(project, "tiny:48", address="127.0.0.1:6379")


def test_a_job_failing_before_its_first_batch_keeps_the_current_embeddings(embedded, monkeypatch):
    project, n = embedded
    StandIn(monkeypatch, project, take=0)
    with pytest.raises(ClusterError, match="went away"):
        embed(project)
    assert current_key(project) == FIRST.identity.key  # was: OTHER's empty store
    assert len(project_vectors(project).paths) == n  # still usable


def test_a_job_stopped_after_a_batch_is_current_and_the_next_run_continues_it(
    embedded, monkeypatch
):
    project, n = embedded
    cluster = StandIn(monkeypatch, project, take=1)
    with pytest.raises(ClusterError):
        embed(project)
    assert current_key(project) == OTHER.identity.key  # it holds vectors: in use
    assert len(project_vectors(project).paths) == 4

    # Back to the first model for a while: the next job of OTHER makes OTHER's store
    # (which holds vectors) current as it starts, and sends only the rest.
    use_store(project, FIRST.identity.key)
    cluster.take, cluster.fail = 99, False
    report = embed(project)
    assert cluster.key_at_start == [FIRST.identity.key, OTHER.identity.key]
    assert report.embedded == n - 4 and len(cluster.sent[-1]) == n - 4
    assert current_key(project) == OTHER.identity.key
    assert len(project_vectors(project).paths) == n


def test_a_finished_job_makes_the_new_store_current(embedded, monkeypatch):
    project, n = embedded
    StandIn(monkeypatch, project, take=99, fail=False)
    report = embed(project)
    assert report.embedded == n and not report.cancelled
    assert current_key(project) == OTHER.identity.key


def test_another_models_store_from_an_older_version_is_refused_without_switching_to_it(
    embedded, monkeypatch
):
    """OTHER's store holds vectors written by a version before the store's format (rows
    possibly shifted): the job refuses it, and the project keeps the embeddings it used,
    not OTHER's unchecked ones. The message names the model to check them with."""
    project, n = embedded
    store = open_model_store(project, "tiny:48", OTHER)
    hashes = sorted({r["hash"] for r in usable_files(project.db)})[:3]
    with VectorStore.writer(store.folder, DIM) as writer:
        writer.append(hashes, vectors(3, 2))
    (store.folder / "format.json").unlink()  # as an older LabelDesk left it
    assert VectorStore(store.folder, DIM).legacy
    cluster = StandIn(monkeypatch, project, take=99, fail=False)
    with pytest.raises(ClusterError, match=r"older LabelDesk.*--model tiny:48"):
        embed(project)
    assert cluster.sent == []  # refused before the job
    assert current_key(project) == FIRST.identity.key  # was: OTHER's unchecked store
    assert len(project_vectors(project).paths) == n
