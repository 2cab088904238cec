from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from labeldesk.core.create import create_and_index
from labeldesk.core.progress import CancelToken
from labeldesk.ml.embed import embed_project
from labeldesk.ml.store import current_store, project_vectors
from labeldesk.ml.vectors import VectorStore

from .conftest import skimage_photo


@pytest.fixture
def photo_project(tmp_path, photo_root):
    project, _ = create_and_index(tmp_path / "proj", photo_root, workers=1)
    yield project
    project.close()


def test_embed_all_then_only_what_is_new(photo_project, photo_root, backbone):
    report = embed_project(photo_project, backbone=backbone, batch_size=4)
    assert report.embedded == 14 and report.total == 14 and not report.failed
    assert embed_project(photo_project, backbone=backbone).embedded == 0
    for i in range(3):
        img = skimage_photo("astronaut").rotate(90 * (i + 1))
        img.save(photo_root / "_unlabeled" / f"rot{i}.png")
    photo_project.scan(workers=1)
    assert embed_project(photo_project, backbone=backbone).embedded == 3
    vectors = project_vectors(photo_project)
    assert vectors.vectors.shape == (17, 1280) and vectors.missing == 0
    assert np.allclose(np.linalg.norm(vectors.vectors, axis=1), 1.0, atol=2e-3)


def test_cancel_keeps_finished_batches_and_resume_finishes(photo_project, backbone):
    token = CancelToken()

    def progress(p):
        if p.message == "embedding" and p.done >= 4:
            token.cancel()

    first = embed_project(
        photo_project, backbone=backbone, batch_size=4, progress=progress, cancel=token
    )
    assert first.cancelled and first.embedded == 4
    second = embed_project(photo_project, backbone=backbone, batch_size=4)
    assert second.embedded == 10


def test_a_partial_run_covers_the_folders_evenly_not_the_first_ones(photo_project, backbone):
    """Images go in content-hash order, so a cancelled run leaves a spread-out sample."""
    token = CancelToken()

    def progress(p):
        if p.message == "embedding" and p.done >= 4:
            token.cancel()

    embed_project(photo_project, backbone=backbone, batch_size=4, progress=progress, cancel=token)
    rows = photo_project.db.query("SELECT path, hash FROM images ORDER BY hash")
    embedded = set(project_vectors(photo_project).paths)
    assert embedded == {r["path"] for r in rows[:4]}
    first_by_path = set(sorted(r["path"] for r in rows)[:4])
    assert embedded != first_by_path  # not the first folders' images


def test_torn_write_from_a_killed_run_is_trimmed(photo_project, backbone):
    embed_project(photo_project, backbone=backbone, batch_size=4)
    store = current_store(photo_project)
    with open(store.folder / "vectors.f16", "ab") as f:
        f.write(b"\x00" * 1000)  # half a batch written when the process died
    reopened = VectorStore.open_existing(store.folder)
    assert reopened.count == 14
    assert embed_project(photo_project, backbone=backbone).embedded == 0


def test_file_broken_after_the_scan_is_skipped_not_fatal(photo_project, photo_root, backbone):
    (photo_root / "train/coffee/coffee.jpg").write_bytes(b"garbage")
    report = embed_project(photo_project, backbone=backbone)
    assert report.embedded == 13
    assert [f["path"] for f in report.failed] == ["train/coffee/coffee.jpg"]


def test_identical_content_is_embedded_once(photo_project, photo_root, backbone):
    (photo_root / "_unlabeled/copy.jpg").write_bytes(
        (photo_root / "train/rocket/rocket.jpg").read_bytes()
    )
    photo_project.scan(workers=1)
    report = embed_project(photo_project, backbone=backbone)
    assert report.embedded == 14 and report.total == 15
    assert project_vectors(photo_project).vectors.shape[0] == 15


def test_models_never_mix(photo_project, backbone, tmp_path):
    from dataclasses import replace

    embed_project(photo_project, backbone=backbone)
    other = replace(backbone, identity=replace(backbone.identity, weights_sha256="0" * 64))
    assert embed_project(photo_project, backbone=other).embedded == 14
    folders = sorted(p.name for p in (photo_project.path / "embeddings").iterdir())
    assert len(folders) == 2


def test_resized_and_reencoded_copies_are_first_neighbours(photo_project, photo_root, backbone):
    from labeldesk.ml.neighbors import similar

    src = photo_root / "train/horse/horse.jpg"
    with Image.open(src) as img:
        img.convert("RGB").save(photo_root / "_unlabeled/horse_q40.jpg", quality=40)
        img.resize((img.width // 2, img.height // 2)).save(
            photo_root / "_unlabeled/horse_small.png"
        )
    photo_project.scan(workers=1)
    embed_project(photo_project, backbone=backbone)
    family = {"train/horse/horse.jpg", "_unlabeled/horse_q40.jpg", "_unlabeled/horse_small.png"}
    for copy in family - {"train/horse/horse.jpg"}:
        nearest = [r["path"] for r in similar(photo_project, copy, k=2)]
        assert set(nearest) == family - {copy}  # the other two versions, before any other photo
    top = similar(photo_project, "train/horse/horse.jpg", k=2)
    assert {r["path"] for r in top} == {"_unlabeled/horse_q40.jpg", "_unlabeled/horse_small.png"}


def test_big_photos_are_embedded_from_their_thumbnail(photo_project, photo_root):
    from labeldesk.ml.embed import source_image

    frame = photo_project.images().set_index("path")
    big = "train/astronaut/astronaut.jpg"  # 320 px: its thumbnail is 224 px
    source = source_image(photo_project, frame.hash[big], big, 224)
    assert source.parent.parent == photo_project.thumbs_dir
    assert source_image(photo_project, frame.hash[big], big, 384) == photo_root / big
    small = photo_root / "_unlabeled" / "tiny.png"
    Image.new("RGB", (100, 80), (10, 200, 30)).save(small)
    photo_project.scan(workers=1)
    digest = photo_project.images().set_index("path").hash["_unlabeled/tiny.png"]
    assert source_image(photo_project, digest, "_unlabeled/tiny.png", 224) == small


def test_known_small_images_skip_the_thumbnail_probe(photo_project, photo_root, monkeypatch):
    """An image the index knows is smaller than the input cannot have a thumbnail big
    enough (thumbnails never enlarge): its original is used without opening any file."""
    from PIL import Image as PILImage

    from labeldesk.ml import embed

    frame = photo_project.images().set_index("path")
    big = "train/astronaut/astronaut.jpg"
    opened: list[str] = []
    real_open = PILImage.open
    monkeypatch.setattr(
        PILImage, "open", lambda p, *a, **k: opened.append(str(p)) or real_open(p, *a, **k)
    )
    assert (
        embed.source_image(photo_project, frame.hash[big], big, 224, short_side=100)
        == photo_root / big
    )
    assert opened == []
    # unknown (0) or big enough: the thumbnail is probed as before
    assert (
        embed.source_image(photo_project, frame.hash[big], big, 224, short_side=0).parent.parent
        == photo_project.thumbs_dir
    )
    assert (
        embed.source_image(photo_project, frame.hash[big], big, 224, short_side=320).parent.parent
        == photo_project.thumbs_dir
    )
    assert len(opened) == 2


def test_gray_and_rgb_images_decode_into_the_batch_as_rgb(tmp_path, backbone):
    """prepare_into writes a gray image as three equal planes, pixel for pixel what an RGB
    conversion gives, and an RGB image unchanged; failures leave no gap in the batch."""
    from labeldesk.ml.embed import ImageFiles, _load_batch

    pre = backbone.identity.preprocess
    rng = np.random.default_rng(0)
    gray = Image.fromarray(rng.integers(0, 256, (28, 28), dtype=np.uint8), "L")
    rgb = Image.fromarray(rng.integers(0, 256, (40, 30, 3), dtype=np.uint8), "RGB")
    gray.save(tmp_path / "g.png")
    rgb.save(tmp_path / "c.png")
    (tmp_path / "bad.png").write_bytes(b"not an image")
    files = ImageFiles(tmp_path, tmp_path / "thumbs")
    chunk = [("h1", "g.png", 28), ("h2", "bad.png", 28), ("h3", "c.png", 30)]
    hashes, pixels, failed = _load_batch(files, chunk, pre)
    assert hashes == ["h1", "h3"] and [f["path"] for f in failed] == ["bad.png"]
    size = pre.size
    expected_gray = np.asarray(
        gray.resize(
            (size, size), Image.Resampling.BILINEAR, box=(0, 0, 28, 28), reducing_gap=None
        ).convert("RGB")
    )
    expected_rgb = np.asarray(
        rgb.resize((size, size), Image.Resampling.BILINEAR, box=(0, 5, 30, 35), reducing_gap=None)
    )
    assert pixels.shape == (2, size, size, 3) and pixels.dtype == np.uint8
    assert np.array_equal(pixels[0], expected_gray)
    assert np.array_equal(pixels[1], expected_rgb)


@pytest.mark.parametrize("slow", ["decoding", "model"])
def test_the_report_says_where_the_time_went(tmp_path, photo_root, monkeypatch, slow):
    """`embed --json` tells a decode-bound run (the model waiting for images) from a
    model-bound one."""
    import time

    from labeldesk.ml import embed_decode

    from .tiny_backbone import tiny_backbone

    load = embed_decode._load_batch

    def slow_load(*args, **kwargs):
        time.sleep(0.15)
        return load(*args, **kwargs)

    tiny = tiny_backbone()
    forward = tiny.model.forward

    def slow_forward(x):
        time.sleep(0.15)
        return forward(x)

    if slow == "decoding":
        monkeypatch.setattr(embed_decode, "_load_batch", slow_load)
    else:
        monkeypatch.setattr(tiny.model, "forward", slow_forward)
    project, _ = create_and_index(tmp_path / "proj", photo_root, workers=1)
    try:
        report = embed_project(project, backbone=tiny, batch_size=4, runtime="torch")
    finally:
        project.close()
    assert report.embedded == 14
    document = report.to_json()
    waiting, model = document["waiting_for_images_s"], document["model_s"]
    assert waiting + model <= report.seconds + 0.01
    if slow == "decoding":  # 4 batches of 0.15 s on 2 threads: >= 0.3 s waited
        assert waiting >= 0.25 and model < waiting
    else:
        assert model >= 0.55 and waiting < model
