"""A project whose embeddings are synthetic clusters: tests of probes, issues and heads
run in milliseconds without a neural network."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from helpers import write_image

from labeldesk.core.create import create_and_index
from labeldesk.core.project import Project
from labeldesk.ml.backbones import ModelIdentity
from labeldesk.ml.store import embeddings_dir
from labeldesk.ml.vectors import VectorStore

CLASSES = ("ant", "bee", "cow")
DIM = 16


def make_clustered_project(
    tmp_path: Path, per_class: int = 30, flipped: int = 2, unlabeled: int = 10, seed: int = 0
) -> tuple[Project, list[str]]:
    """ImageFolder with train (per_class per class), val (5 per class) and _unlabeled/;
    each image's vector sits in its true class's cluster. The first ``flipped`` train
    images of 'ant' truly belong to 'bee' (their vectors are bee-like). Returns the open
    project and the paths of the flipped images."""
    rng = np.random.default_rng(seed)
    root = tmp_path / "images"
    truth: dict[str, int] = {}
    n = 0
    for split, count in (("train", per_class), ("val", 5)):
        for c, name in enumerate(CLASSES):
            for i in range(count):
                rel = f"{split}/{name}/{name}{i}.png"
                write_image(root / rel, size=(8, 8), fmt="PNG", seed=n)
                truth[rel] = 1 if (split == "train" and c == 0 and i < flipped) else c
                n += 1
    for i in range(unlabeled):
        rel = f"_unlabeled/u{i}.png"
        write_image(root / rel, size=(8, 8), fmt="PNG", seed=n)
        truth[rel] = i % len(CLASSES)
        n += 1
    project, _ = create_and_index(tmp_path / "proj", root, workers=1)
    centres = rng.normal(size=(len(CLASSES), DIM)) * 2.5
    _store_cluster_vectors(project, truth, centres, rng, "f")
    flipped_paths = [f"train/ant/ant{i}.png" for i in range(flipped)]
    return project, flipped_paths


OVERLAPPING = ("ant", "bee", "cow", "dog")


def make_overlapping_project(tmp_path: Path, train: int = 80, test: int = 50) -> Project:
    """train/ and test/ images (``train`` and ``test`` per class) whose vectors come from
    overlapping clusters, so a head trained on a handful of labels is clearly worse than
    one trained on all of them."""
    rng = np.random.default_rng(3)
    root = tmp_path / "images"
    truth: dict[str, int] = {}
    n = 0
    for split, count in (("train", train), ("test", test)):
        for c, name in enumerate(OVERLAPPING):
            for i in range(count):
                rel = f"{split}/{name}/{i}.png"
                write_image(root / rel, size=(8, 8), fmt="PNG", seed=n)
                truth[rel] = c
                n += 1
    project, _ = create_and_index(tmp_path / "proj", root, workers=1)
    centres = rng.normal(size=(len(OVERLAPPING), DIM)) * 0.9
    _store_cluster_vectors(project, truth, centres, rng, "e")
    return project


def _store_cluster_vectors(
    project: Project,
    truth: dict[str, int],
    centres: np.ndarray,
    rng: np.random.Generator,
    weights: str,
) -> None:
    """Each image's vector: its class centre plus unit noise, normalised, stored as the
    project's current embeddings of a fake model (``weights``: its hash digit)."""
    frame = project.images()
    store_vectors(project, [centres[truth[p]] + rng.normal(size=DIM) for p in frame.path], weights)


def store_vectors(
    project: Project, rows: list[np.ndarray], weights: str, name: str = "clusters"
) -> VectorStore:
    """``rows`` (one per image, in ``project.images()``'s order), normalised, stored as
    the project's current embeddings of a fake model (``weights``: its hash digit)."""
    frame = project.images()
    vectors = np.stack(rows)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    identity = ModelIdentity("fake", name, weights * 64)
    dim = vectors.shape[1]
    store = VectorStore.for_identity(embeddings_dir(project), identity, dim)
    with VectorStore.writer(store.folder, dim) as writer:
        writer.append(list(frame.hash), vectors.astype(np.float32))
    (store.folder / "spec.json").write_text('{"spec": "fake"}')
    project.db.set_meta("embedding_key", identity.key)
    return store


def store_near_copies(
    project: Project, near: Callable[[str], bool], spread: float, weights: str, dim: int
) -> VectorStore:
    """:func:`store_vectors` of rows drawn with seed 0: the images whose path ``near``
    accepts close around one centre (``spread`` times a normal draw off it), the others
    at random; so the search finds the first as copies of each other."""
    rng = np.random.default_rng(0)
    centre = rng.normal(size=dim)
    rows = [
        centre + spread * rng.normal(size=dim) if near(p) else rng.normal(size=dim)
        for p in project.images().path
    ]
    return store_vectors(project, rows, weights, "clusters")


def record_finetune(
    project: Project,
    *,
    embedding_key: str | None = None,
    metrics: dict[str, Any] | None = None,
    awaits_embeddings: bool = False,
) -> Any:
    """Record a complete fine-tune with a stand-in checkpoint (what a stand-in for
    ``finetune_and_reembed`` returns): its embeddings' key and its ``metrics``."""
    from labeldesk.ml.models import new_version_dir, record_version

    folder = new_version_dir(project, "finetune")
    (folder / "model.safetensors").write_bytes(b"weights")
    return record_version(
        project,
        kind="finetune",
        status="complete",
        label_event_id=0,
        embedding_key=embedding_key,
        params={},
        metrics=metrics or {},
        checkpoint=folder / "model.safetensors",
        awaits_embeddings=awaits_embeddings,
    )


def record_awaited_finetune(project: Project) -> Any:
    """Record a complete fine-tune (a stand-in checkpoint) that awaits its embeddings
    (store "tuned-key", not made): as one stopped while it re-embedded leaves it."""
    return record_finetune(project, embedding_key="tuned-key", awaits_embeddings=True)


def make_folder_project(
    tmp_path: Path, folders: dict[str, int], classes: tuple[str, ...] = CLASSES
) -> Project:
    """``folders[f]`` images per class in each folder ``f`` of the image folder (such as
    ``train/_unlabeled``), or that many of one class in a class folder (``test/bee``), the
    classes defined; each image's vector sits in its true class's cluster (the class of
    its file name, ``{class}{i}.png``: see :func:`true_class`)."""
    rng = np.random.default_rng(5)
    root = tmp_path / "images"
    truth: dict[str, int] = {}
    for folder, count in folders.items():
        own = folder.rsplit("/", 1)[-1]
        for c, name in enumerate(classes):
            if own in classes and name != own:
                continue
            for i in range(count):
                rel = f"{folder}/{name}{i}.png"
                write_image(root / rel, size=(8, 8), fmt="PNG", seed=len(truth))
                truth[rel] = c
    project, _ = create_and_index(tmp_path / "proj", root, workers=1)
    project.add_classes(classes)
    centres = rng.normal(size=(len(classes), DIM)) * 2.5
    _store_cluster_vectors(project, truth, centres, rng, "f")
    return project


def true_class(path: str, classes: tuple[str, ...] = CLASSES) -> str:
    """The class a :func:`make_folder_project` image truly belongs to (its file name's)."""
    name = path.rsplit("/", 1)[-1]
    return next(c for c in classes if name.startswith(c) and name[len(c)].isdigit())
