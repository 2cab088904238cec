"""Stores written before the format marker may be shifted (images carrying other images'
vectors) without looking damaged: the next embed run re-embeds a sample and rebuilds a
shifted store, or marks a sound one as checked."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import numpy as np
import pytest
from helpers import write_image

from labeldesk.core.create import create_and_index
from labeldesk.ml.embed import embed_project
from labeldesk.ml.neighbors import neighbor_graph
from labeldesk.ml.store import current_store, project_vectors
from labeldesk.ml.storecheck import SAMPLE_ROWS, TAIL_ROWS, sample_rows
from labeldesk.ml.vectors import FORMAT_NAME, KEY_BYTES, VectorStore

from .tiny_backbone import tiny_backbone


@pytest.fixture
def photo_project(tmp_path, photo_root):
    project, _ = create_and_index(tmp_path / "proj", photo_root, workers=1)
    yield project
    project.close()


def make_legacy(folder: Path) -> None:
    """What a store written by a version before the marker looks like."""
    (folder / FORMAT_NAME).unlink()


def rotate_last_keys(folder: Path, n: int) -> None:
    """Shift the last ``n`` rows by one: each of those images now owns another's vector."""
    data = (folder / "keys.bin").read_bytes()
    keys = [data[i : i + KEY_BYTES] for i in range(0, len(data), KEY_BYTES)]
    keys[-n:] = keys[-n + 1 :] + keys[-n : -n + 1]
    (folder / "keys.bin").write_bytes(b"".join(keys))


def vectors_by_hash(project) -> dict[str, np.ndarray]:
    got = project_vectors(project)
    return dict(zip(got.hashes, got.vectors.astype(np.float64), strict=True))


def lowest_cosine(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> float:
    assert a.keys() == b.keys()
    return min(float(a[h] @ b[h] / np.linalg.norm(a[h]) / np.linalg.norm(b[h])) for h in a)


def test_the_sample_spreads_over_the_store_and_always_takes_the_last_rows():
    rows = np.arange(0, 3000, 3)  # 1,000 rows whose images can be read
    picked = sample_rows(rows)
    assert len(picked) == SAMPLE_ROWS and set(picked) <= set(rows)
    assert set(rows[-TAIL_ROWS:]) <= set(picked) and picked[0] == rows[0]
    gaps = np.diff(picked[: SAMPLE_ROWS - TAIL_ROWS])
    assert gaps.min() >= 3 * 20 and gaps.max() <= 3 * 26  # even: ~992/39 rows apart
    assert sample_rows(rows[:30]).tolist() == rows[:30].tolist()  # a small store: all


def test_a_shifted_legacy_store_is_found_out_and_rebuilt(photo_project, backbone, caplog):
    embed_project(photo_project, backbone=backbone, batch_size=4)
    clean = vectors_by_hash(photo_project)
    clean_graph = neighbor_graph(photo_project, k=3)
    folder = current_store(photo_project).folder
    for cache in folder.glob("knn-*.npz"):
        cache.unlink()
    make_legacy(folder)
    rotate_last_keys(folder, 3)
    assert lowest_cosine(vectors_by_hash(photo_project), clean) < 0.9  # the plant is real
    shifted_graph = neighbor_graph(photo_project, k=3)  # cached under the same image set
    assert not np.array_equal(shifted_graph.rows, clean_graph.rows)

    with caplog.at_level(logging.WARNING):
        report = embed_project(photo_project, backbone=backbone, batch_size=4)
    assert report.rebuilt is not None and "do not match" in report.rebuilt
    assert report.checked == 14 and report.embedded == 14
    assert "rebuilding the embeddings" in caplog.text
    assert (folder / FORMAT_NAME).is_file() and not current_store(photo_project).legacy
    assert lowest_cosine(vectors_by_hash(photo_project), clean) >= 0.999
    again = neighbor_graph(photo_project, k=3)  # the shifted one's cache went with it
    np.testing.assert_array_equal(again.rows, clean_graph.rows)


def test_a_sound_legacy_store_is_checked_once_kept_and_marked(photo_project, backbone):
    embed_project(photo_project, backbone=backbone, batch_size=4)
    folder = current_store(photo_project).folder
    make_legacy(folder)
    before = {name: (folder / name).read_bytes() for name in ("vectors.f16", "keys.bin")}

    report = embed_project(photo_project, backbone=backbone, batch_size=4)
    assert report.checked == 14 and report.embedded == 0 and report.rebuilt is None
    assert {name: (folder / name).read_bytes() for name in before} == before
    assert (folder / FORMAT_NAME).is_file()
    assert embed_project(photo_project, backbone=backbone).checked == 0  # once only


def _texture_project(tmp_path: Path, n: int, side: int = 40):
    """``n`` random-texture PNGs: their JPEG thumbnails embed visibly differently (cosine
    ~0.98 with the tiny backbone), so which source is read matters. Thumbnails are read
    when ``side`` is at least the tiny backbone's 32 px, else the originals."""
    root = tmp_path / "images"
    for i in range(n):
        write_image(root / f"c{i % 3}" / f"{i}.png", size=(side, side), fmt="PNG", seed=i)
    project, _ = create_and_index(tmp_path / "proj", root, workers=1)
    return project, root


def test_the_check_re_embeds_only_its_sample(tmp_path):
    project, _ = _texture_project(tmp_path, 120)
    try:
        embed_project(project, backbone=tiny_backbone(), batch_size=16)
        folder = current_store(project).folder
        make_legacy(folder)
        seen: list[int] = []
        report = embed_project(
            project, backbone=tiny_backbone(seen), batch_size=16, runtime="torch"
        )
        assert report.checked == SAMPLE_ROWS and sum(seen) == SAMPLE_ROWS
        assert report.rebuilt is None and report.embedded == 0
        assert (folder / FORMAT_NAME).is_file()
    finally:
        project.close()


def test_a_shift_in_the_last_rows_of_a_big_store_is_found(tmp_path):
    project, _ = _texture_project(tmp_path, 120)
    try:
        embed_project(project, backbone=tiny_backbone(), batch_size=16)
        clean = vectors_by_hash(project)
        folder = current_store(project).folder
        make_legacy(folder)
        rotate_last_keys(folder, 2)  # 2 of 120 rows wrong
        report = embed_project(project, backbone=tiny_backbone(), batch_size=16)
        assert report.rebuilt is not None and report.embedded == 120
        assert lowest_cosine(vectors_by_hash(project), clean) >= 0.999
    finally:
        project.close()


def test_a_legacy_store_whose_images_cannot_be_read_is_left_alone(tmp_path):
    """The image folder is not mounted: nothing can be checked, and nothing is thrown
    away (emptying it would leave an unmounted project with no vectors at all)."""
    project, root = _texture_project(tmp_path, 12)
    try:
        embed_project(project, backbone=tiny_backbone(), batch_size=4)
        folder = current_store(project).folder
        make_legacy(folder)
        before = (folder / "vectors.f16").read_bytes(), (folder / "keys.bin").read_bytes()
        root.rename(tmp_path / "unmounted")
        shutil.rmtree(project.thumbs_dir)
        report = embed_project(project, backbone=tiny_backbone(), batch_size=4)
        assert report.checked == 0 and report.rebuilt is None and report.embedded == 0
        assert ((folder / "vectors.f16").read_bytes(), (folder / "keys.bin").read_bytes()) == before
        assert not (folder / FORMAT_NAME).exists()  # checked when the images are back
    finally:
        project.close()


def test_an_image_edited_since_the_scan_is_not_held_against_the_store(tmp_path):
    project, root = _texture_project(tmp_path, 12, side=24)  # the originals are read
    try:
        embed_project(project, backbone=tiny_backbone(), batch_size=4)
        folder = current_store(project).folder
        make_legacy(folder)
        write_image(root / "c0" / "0.png", size=(24, 24), fmt="PNG", seed=999)  # no rescan
        report = embed_project(project, backbone=tiny_backbone(), batch_size=4)
        assert report.checked == 11 and report.rebuilt is None
        assert (folder / FORMAT_NAME).is_file()
    finally:
        project.close()


def test_thumbnails_made_after_the_vectors_are_not_a_reason_to_rebuild(tmp_path):
    """Vectors embedded from the originals (no thumbnails then); now the thumbnails are
    back and would be read first: the check reads the originals before judging."""
    project, _ = _texture_project(tmp_path, 12)
    try:
        thumbs = project.thumbs_dir
        thumbs.rename(tmp_path / "thumbs-aside")
        embed_project(project, backbone=tiny_backbone(), batch_size=4)
        (tmp_path / "thumbs-aside").rename(thumbs)
        folder = current_store(project).folder
        make_legacy(folder)
        seen: list[int] = []
        report = embed_project(project, backbone=tiny_backbone(seen), batch_size=4, runtime="torch")
        assert report.checked == 12 and report.rebuilt is None
        assert 12 < sum(seen) <= 24  # from the thumbnails; those that differ, again
        assert (folder / FORMAT_NAME).is_file()
    finally:
        project.close()


def test_a_shift_that_only_thumbnails_can_show_is_left_for_a_later_check(tmp_path):
    """The originals are gone and the thumbnails disagree: the vectors may simply come
    from the originals, so the store is neither rebuilt nor trusted as checked."""
    project, root = _texture_project(tmp_path, 12)
    try:
        embed_project(project, backbone=tiny_backbone(), batch_size=4)
        folder = current_store(project).folder
        make_legacy(folder)
        rotate_last_keys(folder, 3)
        root.rename(tmp_path / "unmounted")
        report = embed_project(project, backbone=tiny_backbone(), batch_size=4)
        assert report.checked == 9 and report.rebuilt is None
        assert not (folder / FORMAT_NAME).exists()
        (tmp_path / "unmounted").rename(root)
        report = embed_project(project, backbone=tiny_backbone(), batch_size=4)
        assert report.rebuilt is not None and report.embedded == 12
    finally:
        project.close()


def test_new_stores_are_marked_and_a_damaged_marker_means_legacy(tmp_path):
    folder = tmp_path / "store"
    with VectorStore.writer(folder, 4) as store:
        store.append(["00" * 16], np.ones((1, 4), np.float32))
    assert (folder / FORMAT_NAME).is_file() and not VectorStore(folder, 4).legacy
    for text in ("", "{", '{"format": "2"}', '{"format": 1}', "[2]"):
        (folder / FORMAT_NAME).write_text(text)
        assert VectorStore(folder, 4).legacy, text


def test_a_store_from_a_newer_labeldesk_is_refused_not_used(photo_project, backbone):
    """A store marked with a newer format was read and appended to as if this version
    had written it."""
    from labeldesk.core.errors import ProjectError

    embed_project(photo_project, backbone=backbone, batch_size=4)
    folder = current_store(photo_project).folder
    (folder / FORMAT_NAME).write_text('{"format": 99}')
    before = {name: (folder / name).read_bytes() for name in ("vectors.f16", "keys.bin")}
    with pytest.raises(ProjectError, match="newer LabelDesk"):
        project_vectors(photo_project)
    with pytest.raises(ProjectError, match="newer LabelDesk"):
        embed_project(photo_project, backbone=backbone, batch_size=4)
    assert {name: (folder / name).read_bytes() for name in before} == before
