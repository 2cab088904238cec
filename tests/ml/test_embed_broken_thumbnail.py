"""A cached thumbnail cut short (a full disk while it was written) has a whole header, so
it looks big enough; embedding must read the original instead of failing the image, and
drop the broken file so it is made again."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from helpers import write_image

from labeldesk.core.create import create_and_index
from labeldesk.core.indexed_files import thumbnail_path
from labeldesk.ml.embed import embed_project
from labeldesk.ml.preprocess import prepare, to_tensor
from labeldesk.ml.store import project_vectors

from .tiny_backbone import tiny_backbone


def test_a_truncated_thumbnail_is_replaced_by_the_original(tmp_path: Path):
    import torch

    root = tmp_path / "images"
    for i in range(3):  # 64x48: the thumbnail (48 px short side) covers the 32-px input
        write_image(root / f"p{i}.jpg", size=(64, 48), seed=i)
    project, _ = create_and_index(tmp_path / "proj", root, workers=1)
    digest = project.images().set_index("path").hash["p0.jpg"]
    thumb = thumbnail_path(project.thumbs_dir, digest)
    data = thumb.read_bytes()
    thumb.write_bytes(data[: len(data) // 2])  # the header is whole, the pixels are not

    backbone = tiny_backbone()
    report = embed_project(project, backbone=backbone, runtime="torch", device="cpu")

    assert report.failed == [] and report.embedded == 3
    assert not thumb.exists()  # dropped: the next request makes it again
    pre = backbone.identity.preprocess
    with torch.no_grad():
        expected = backbone.model(to_tensor(prepare(root / "p0.jpg", pre)[None], pre, "cpu"))
    expected = expected[0].numpy() / np.linalg.norm(expected[0].numpy())
    got = project_vectors(project)
    stored = np.asarray(got.vectors[got.row_of("p0.jpg")], dtype=np.float32)
    assert float(stored @ expected) > 0.999  # the original's pixels, not a gray half
    assert project.thumbnail("p0.jpg").exists()
    project.close()
