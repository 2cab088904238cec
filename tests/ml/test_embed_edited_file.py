"""A file edited between the scan and the embedding: its new picture must not be stored
under the old content's hash, where every untouched duplicate of the old content would
share the wrong vector for good. It is skipped until a scan sees the edit."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from helpers import write_image

from labeldesk.core.create import create_and_index
from labeldesk.core.errors import ScanNeeded
from labeldesk.ml.embed import CHANGED, embed_project
from labeldesk.ml.store import project_vectors

from .tiny_backbone import tiny_backbone


@pytest.fixture
def project(tmp_path: Path):
    """dup1.png and dup2.png hold the same picture; 16 px: smaller than the tiny model's
    32-px input, so the originals are read (thumbnails never enlarge)."""
    root = tmp_path / "images"
    write_image(root / "dup1.png", size=(16, 16), fmt="PNG", seed=1, compress_level=0)
    shutil.copy(root / "dup1.png", root / "dup2.png")
    write_image(root / "other.png", size=(16, 16), fmt="PNG", seed=2)
    project, _ = create_and_index(tmp_path / "proj", root, workers=1)
    yield project, root
    project.close()


def vectors(project) -> dict[str, np.ndarray]:
    got = project_vectors(project)
    return dict(zip(got.paths, got.vectors, strict=True))


def test_an_original_edited_since_the_scan_is_skipped_not_stored_under_the_old_hash(project):
    project, root = project
    clean = embed_project(project, backbone=tiny_backbone(), batch_size=2)  # for reference
    before = vectors(project)
    shutil.rmtree(project.path / "embeddings")

    write_image(root / "dup1.png", size=(16, 16), fmt="PNG", seed=3)  # the user edits it
    report = embed_project(project, backbone=tiny_backbone(), batch_size=2)
    assert report.failed == [{"path": "dup1.png", "reason": CHANGED}]
    assert report.embedded == clean.embedded - 1 == 1  # other.png; the old content waits
    assert set(vectors(project)) == {"other.png"}

    project.scan(workers=1)  # dup1.png now has its own hash; dup2.png keeps the old one
    report = embed_project(project, backbone=tiny_backbone(), batch_size=2)
    assert report.failed == [] and report.embedded == 2
    after = vectors(project)
    np.testing.assert_allclose(after["dup2.png"], before["dup2.png"], atol=1e-6)
    assert float(after["dup1.png"] @ before["dup1.png"]) < 0.9  # the new picture's own


def test_an_edit_that_keeps_the_size_is_noticed_by_its_mtime(project):
    project, root = project
    path = root / "dup1.png"
    stat = path.stat()
    write_image(path, size=(16, 16), fmt="PNG", seed=3, compress_level=0)  # uncompressed
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert path.stat().st_size == stat.st_size  # only the mtime tells
    report = embed_project(project, backbone=tiny_backbone(), batch_size=2)
    assert report.failed == [{"path": "dup1.png", "reason": CHANGED}]


def test_two_files_of_one_size_and_time_swapped_since_the_scan_are_not_embedded(project):
    """Renames keep the size and mtime: only the change time tells that dup1.png and
    other.png (uncompressed, one size, one mtime) swapped pictures since the scan."""
    project, root = project
    a, b = root / "dup1.png", root / "other.png"
    write_image(b, size=(16, 16), fmt="PNG", seed=2, compress_level=0)
    for path in (a, b):
        os.utime(path, ns=(0, 1_700_000_000_000_000_000))
    project.scan(workers=1)
    assert a.stat().st_size == b.stat().st_size
    a.rename(root / "tmp.png")
    b.rename(a)
    (root / "tmp.png").rename(b)
    # the two pictures to embed (dup2.png's is dup1.png's) both changed: nothing embedded
    with pytest.raises(ScanNeeded) as raised:
        embed_project(project, backbone=tiny_backbone(), batch_size=2)
    assert "the 2 images to embed changed since the last scan (dup1.png, other.png)" in str(
        raised.value
    )
    project.scan(workers=1)  # the swap seen: each picture keeps its own hash
    assert embed_project(project, backbone=tiny_backbone(), batch_size=2).failed == []
    clean = vectors(project)
    shutil.rmtree(project.path / "embeddings")
    embed_project(project, backbone=tiny_backbone(), batch_size=2)
    for path, vector in vectors(project).items():
        np.testing.assert_allclose(clean[path], vector, atol=1e-6)


def test_a_file_whose_change_time_alone_moved_is_embedded(project):
    """New permissions move the change time, not the bytes: the bytes decide."""
    project, root = project
    os.chmod(root / "other.png", 0o600)
    report = embed_project(project, backbone=tiny_backbone(), batch_size=2)
    assert report.failed == [] and report.embedded == 2
