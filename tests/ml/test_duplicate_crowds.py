"""A picture copied more often than the kNN graph has neighbours fills each of its copies'
rows with the others: a near copy copied as often (a placeholder at two sizes, one in
train and one in test) showed in no row, and the leak went unreported."""

from __future__ import annotations

import numpy as np
from helpers import write_image

from labeldesk.core.create import create_and_index
from labeldesk.ml.backbones import ModelIdentity
from labeldesk.ml.duplicates import find_duplicates
from labeldesk.ml.neighbors import GRAPH_K
from labeldesk.ml.store import embeddings_dir
from labeldesk.ml.vectors import VectorStore

from .conftest import skimage_photo

DIM = 16


def test_a_leak_between_two_crowds_of_copies_is_found(tmp_path):
    root = tmp_path / "images"
    photo = skimage_photo("astronaut").resize((128, 128))
    (root / "train/ant").mkdir(parents=True)
    (root / "test/ant").mkdir(parents=True)
    copies = GRAPH_K + 1  # one more than a row has room for
    for i in range(copies):
        photo.save(root / f"train/ant/a{i:02d}.png")
        photo.resize((100, 100)).save(root / f"test/ant/b{i:02d}.jpg", quality=85)
    for i in range(8):
        write_image(root / f"train/bee/o{i}.png", size=(32, 32), fmt="PNG", seed=100 + i)
    project, _ = create_and_index(tmp_path / "proj", root, workers=1)
    rng = np.random.default_rng(0)
    centre = rng.normal(size=DIM)
    near = centre + 0.2 * rng.normal(size=DIM)  # cosine about 0.98
    vectors: dict[str, np.ndarray] = {}
    frame = project.images()
    for path, digest in zip(frame.path, frame.hash, strict=True):
        picked = centre if "ant/a" in path else near if "ant/b" in path else rng.normal(size=DIM)
        vectors.setdefault(digest, picked / np.linalg.norm(picked))
    identity = ModelIdentity("fake", "clusters", "d" * 64)
    store = VectorStore.for_identity(embeddings_dir(project), identity, DIM)
    with VectorStore.writer(store.folder, DIM) as writer:
        writer.append(list(vectors), np.stack(list(vectors.values())).astype(np.float32))
    (store.folder / "spec.json").write_text('{"spec": "fake"}')
    project.db.set_meta("embedding_key", identity.key)
    with project:
        (group,) = find_duplicates(project)
        assert group.kind == "near" and len(group.paths) == 2 * copies
        assert group.leaks


def test_an_export_reports_the_leak_between_two_crowds_of_copies(tmp_path):
    """The export's leakage check, which reads the graph without its vectors, reads them
    for the search past the copies."""
    import labeldesk as ld

    test_a_leak_between_two_crowds_of_copies_is_found(tmp_path)  # (find_duplicates: graph)
    from labeldesk.core.project import open_project

    with open_project(tmp_path / "proj") as project:
        leakage = ld.export(project, tmp_path / "out")["leakage"]
    assert leakage["checked"] == ["exact", "near"]
    assert leakage["near"] == GRAPH_K + 1 and leakage["per_split"] == {"test": GRAPH_K + 1}
