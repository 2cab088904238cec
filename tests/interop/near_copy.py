"""A test image folder with a near copy in the test split (train's cat1 re-encoded: other
bytes, the same picture), indexed and embedded so that the near copy's vector lies next
to cat1's: the leak the export's near-duplicate check must find."""

from __future__ import annotations

import numpy as np
from helpers import make_imagefolder
from ml.fake_embeddings import store_vectors
from PIL import Image

from labeldesk.core.create import create_and_index

DIM = 16
NEAR = "test/cat/near_copy_of_cat1.jpg"  # cat1 re-encoded: other bytes, same picture


def embedded_with_a_near_copy(tmp_path):
    """The project (open), made under ``tmp_path`` (images/, proj/)."""
    root = tmp_path / "images"
    make_imagefolder(root)
    with Image.open(root / "train/cat/cat1.jpg") as img:
        img.save(root / NEAR, quality=60)
    project, _ = create_and_index(tmp_path / "proj", root, workers=1)
    rng = np.random.default_rng(0)
    frame = project.images()
    base = {p: rng.normal(size=DIM) for p in frame.path}
    base[NEAR] = base["train/cat/cat1.jpg"] + 0.01 * rng.normal(size=DIM)
    vectors = np.stack([base[p] for p in frame.path])
    store_vectors(project, list(vectors), "d", "near")
    return project
