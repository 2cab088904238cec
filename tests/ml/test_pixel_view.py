"""The pixel view (issue 13): a second probe on each image's coarse pixels, mixed into the
predictions at the weight the given labels support."""

from __future__ import annotations

import io
import struct
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from helpers import calls_of
from PIL import Image

from labeldesk.core.create import create_and_index
from labeldesk.core.indexed_files import thumbnail_path
from labeldesk.ml import out_of_sample, predictions_cache
from labeldesk.ml import pixel_view as pv
from labeldesk.ml import predictions as pred_mod
from labeldesk.ml.backbones import ModelIdentity
from labeldesk.ml.predictions import KNN_K, out_of_sample_probs, project_predictions
from labeldesk.ml.search import knn_graph
from labeldesk.ml.store import embeddings_dir, project_vectors
from labeldesk.ml.vectors import VectorStore

CLASSES = ("left", "top", "corner")
PER_CLASS = 45  # above the 40 labels per class the mix needs


def _drawing(c: int, rng: np.random.Generator) -> Image.Image:
    """A 32 px image whose class shows in its pixels: a bright band on the left, along
    the top, or a bright corner, under random texture (every file differs)."""
    arr = rng.integers(0, 90, (32, 32, 3)).astype(np.uint8)
    band = [np.s_[:, :10], np.s_[:10, :], np.s_[20:, 20:]][c]
    arr[band] = rng.integers(180, 255, 3)
    return Image.fromarray(arr)


@pytest.fixture
def pixel_project(tmp_path):
    """Images whose pixels tell the class, with embeddings that tell nothing (noise)."""
    rng = np.random.default_rng(0)
    root = tmp_path / "images"
    for c, name in enumerate(CLASSES):
        for i in range(PER_CLASS):
            path = root / "train" / name / f"{i}.png"
            path.parent.mkdir(parents=True, exist_ok=True)
            _drawing(c, rng).save(path)
    project, _ = create_and_index(tmp_path / "proj", root, workers=1)
    frame = project.images()
    dim = 16
    vectors = rng.normal(size=(len(frame), dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    identity = ModelIdentity("fake", "noise", "a" * 64)
    store = VectorStore.for_identity(embeddings_dir(project), identity, dim)
    with VectorStore.writer(store.folder, dim) as writer:
        writer.append(list(frame.hash), vectors)
    (store.folder / "spec.json").write_text('{"spec": "fake"}')
    project.db.set_meta("embedding_key", identity.key)
    yield project
    project.close()


def _accuracy(preds) -> float:
    truth = np.array([preds.classes.index(p.split("/")[1]) for p in preds.paths])
    return float((preds.predicted == truth).mean())


def test_predictions_learn_from_the_pixels_when_the_features_say_nothing(
    pixel_project, monkeypatch
):
    with_pixels = _accuracy(project_predictions(pixel_project))
    monkeypatch.setattr(pv, "MAX_ROWS", 0)  # the view off: the key is the same, so ...
    for cached in embeddings_dir(pixel_project).rglob("predictions-*.npz"):
        cached.unlink()  # ... the cached predictions go
    without = _accuracy(project_predictions(pixel_project))
    assert with_pixels >= 0.9
    assert without < 0.6  # noise features: near chance (1/3)


def test_the_view_is_cached_by_content_and_used_again(pixel_project, monkeypatch):
    vectors = project_vectors(pixel_project)
    first = pv.pixel_view(pixel_project, vectors)
    assert first is not None and first.shape == (len(vectors.paths), pv.DIMS)
    assert np.allclose(np.linalg.norm(first, axis=1), 1.0, atol=1e-4)
    cache = list(embeddings_dir(pixel_project).glob("pixels-*.npz"))
    assert [c.name for c in cache] == [f"pixels-{pv.VERSION}.npz"]

    def no_decoding(path):
        raise AssertionError(f"decoded {path} again")

    monkeypatch.setattr(pv, "read_pixels", no_decoding)
    again = pv.pixel_view(pixel_project, vectors)
    assert again is not None and np.allclose(again, first, atol=2e-3)  # float16 in the cache


def test_missing_thumbnails_leave_rows_out_or_the_view_off(pixel_project):
    vectors = project_vectors(pixel_project)
    thumbs = [thumbnail_path(pixel_project.thumbs_dir, h) for h in vectors.hashes]
    thumbs[0].unlink()
    view = pv.pixel_view(pixel_project, vectors)
    assert view is not None
    assert not view[0].any() and view[1:].any(axis=1).all()  # that row only: no pixels
    for t in thumbs[1 : len(thumbs) // 5]:
        t.unlink()
    kept = pv.pixel_view(pixel_project, vectors)  # what was read once is kept by content
    assert kept is not None and np.allclose(kept, view, atol=2e-3)
    (embeddings_dir(pixel_project) / f"pixels-{pv.VERSION}.npz").unlink()
    assert pv.pixel_view(pixel_project, vectors) is None  # a fifth unreadable: not used


def test_a_damaged_cache_is_made_again(pixel_project):
    vectors = project_vectors(pixel_project)
    first = pv.pixel_view(pixel_project, vectors)
    cache = embeddings_dir(pixel_project) / f"pixels-{pv.VERSION}.npz"
    cache.write_bytes(b"not an npz")
    again = pv.pixel_view(pixel_project, vectors)
    assert again is not None and np.allclose(again, first, atol=2e-3)
    assert cache.read_bytes()[:2] == b"PK"  # rewritten


def test_descriptors_are_the_low_frequencies_of_luma_and_colour():
    flat_grey = np.full((1, pv.SIDE, pv.SIDE, 3), 0.5, dtype=np.float32)
    d = pv.descriptors(flat_grey)[0]
    assert d.shape == (pv.DIMS,)
    assert d[0] == pytest.approx(0.5 * pv.SIDE)  # the mean, orthonormal DCT
    assert np.allclose(d[1:], 0, atol=1e-5)  # nothing else: no detail, no colour
    ramp = np.linspace(0, 1, pv.SIDE, dtype=np.float32)
    across = np.broadcast_to(ramp[None, :, None], (pv.SIDE, pv.SIDE, 3))[None]
    down = np.broadcast_to(ramp[:, None, None], (pv.SIDE, pv.SIDE, 3))[None]
    luma_across = pv.descriptors(across)[0, : pv.LUMA**2].reshape(pv.LUMA, pv.LUMA)
    luma_down = pv.descriptors(down)[0, : pv.LUMA**2].reshape(pv.LUMA, pv.LUMA)
    assert np.allclose(luma_across, luma_down.T, atol=1e-4)  # turned a quarter: transposed
    red = np.zeros((1, pv.SIDE, pv.SIDE, 3), dtype=np.float32)
    red[..., 0] = 1.0
    chroma = pv.descriptors(red)[0, pv.LUMA**2 : pv.FREQUENCIES]
    assert chroma[0] < 0 < chroma[pv.CHROMA**2]  # less blue than grey, more red


def test_gradient_histograms_see_the_direction_and_place_of_edges():
    side, cells = pv.SIDE, (pv.SIDE // pv.CELL) ** 2
    step = np.zeros((2, side, side), dtype=np.float32)
    step[0, :, 12:] = 1.0  # a vertical edge at x = 12: the gradient points along x (0 deg)
    step[1, 20:, :] = 1.0  # a horizontal edge at y = 20: along y (90 deg)
    hist = pv.gradient_histograms(step).reshape(2, cells, pv.ORIENTATIONS)
    assert hist.shape == (2, cells, pv.ORIENTATIONS)
    across, down = hist[0].sum(axis=0), hist[1].sum(axis=0)
    assert across.argmax() == 0 and down.argmax() == pv.ORIENTATIONS // 2
    per_side = side // pv.CELL
    columns = hist[0].sum(axis=1).reshape(per_side, per_side).sum(axis=0)
    assert columns.argmax() == 12 // pv.CELL and columns[-1] == 0  # only where the edge is
    assert not pv.gradient_histograms(np.full((1, side, side), 0.3, np.float32)).any()


def test_blend_weight_follows_the_better_predictor():
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 3, 300)
    right = np.full((300, 3), 0.05)
    right[np.arange(300), labels] = 0.9
    uniform = np.full((300, 3), 1 / 3)
    rows = np.ones(300, dtype=bool)
    assert pv.blend_weight(uniform, right, labels, rows) == pv.WEIGHTS.max()
    assert pv.blend_weight(right, uniform, labels, rows) == 0.0
    assert pv.blend_weight(right, uniform, labels, np.zeros(300, dtype=bool)) == 0.0


def test_few_labels_leave_the_pixels_out():
    rng = np.random.default_rng(2)
    labels = np.repeat(np.arange(3), 20)  # 20 per class: below the bar
    x = rng.normal(size=(60, 8)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    pixels = np.eye(3, dtype=np.float32)[labels] + 0.01 * rng.normal(size=(60, 3))
    sims, rows = knn_graph(x, KNN_K)
    trainable = np.ones(60, dtype=bool)
    plain, _ = out_of_sample_probs(x, labels, trainable, 3, sims, rows)
    mixed, _ = out_of_sample_probs(x, labels, trainable, 3, sims, rows, pixels=pixels)
    assert np.array_equal(plain, mixed)


def test_rows_without_a_thumbnail_keep_their_feature_prediction():
    """pixel_view leaves rows without a thumbnail all zeros (up to 10 % of them). The
    pixel probe turns a zero row into (about) the class prior, and _with_pixels mixes
    that in at the weight the other rows earned: up to 0.8 of the prior."""
    rng = np.random.default_rng(3)
    labels = np.repeat(np.arange(3), [240, 60, 60])  # one big class, two small ones
    n = len(labels)
    centres = rng.normal(size=(3, 16))
    x = (centres[labels] + 1.4 * rng.normal(size=(n, 16))).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)  # features: good, not perfect
    pixels = np.zeros((n, 8), dtype=np.float32)  # pixels: near perfect ...
    pixels[:, :3] = np.eye(3)[labels] + 0.05 * rng.normal(size=(n, 3))
    missing = rng.random(n) < 0.1
    pixels[missing] = 0  # ... where there is a thumbnail: as pixel_view returns them
    sims, rows = knn_graph(x, KNN_K)
    trainable = np.ones(n, dtype=bool)
    plain, _ = out_of_sample_probs(x, labels, trainable, 3, sims, rows)
    mixed, _ = out_of_sample_probs(x, labels, trainable, 3, sims, rows, pixels=pixels)
    small = missing & (labels > 0)

    def accuracy(probs, where):
        return float((probs[where].argmax(axis=1) == labels[where]).mean())

    assert accuracy(mixed, small) >= accuracy(plain, small) - 0.1


def test_too_few_labels_decode_no_thumbnails(pixel_project, monkeypatch):
    """Below the bar (CLEAN_MIN_PER_CLASS labels per class) out_of_sample_probs drops
    the pixels; project_predictions still builds the view first: every thumbnail decoded
    (0.3-0.8 ms each, minutes at 200k), the cache read and written, for nothing."""
    monkeypatch.setattr(out_of_sample, "CLEAN_MIN_PER_CLASS", 1000)  # 45 a class: too few
    decoded = calls_of(monkeypatch, pv, "read_pixels")
    project_predictions(pixel_project)
    assert decoded == []


def _broken_png() -> bytes:
    """A PNG whose second IDAT chunk's type is damaged: it opens, and fails in load()."""
    rng = np.random.default_rng(0)
    out = io.BytesIO()
    Image.fromarray(rng.integers(0, 255, (224, 300, 3)).astype(np.uint8)).save(out, "PNG")
    data = bytearray(out.getvalue())
    first = data.index(b"IDAT") - 4
    (length,) = struct.unpack(">I", data[first : first + 4])
    second = first + 12 + length
    assert data[second + 4 : second + 8] == b"IDAT"
    data[second + 4 : second + 8] = b"\xbb>F'"
    return bytes(data)


def test_a_damaged_thumbnail_does_not_stop_the_predictions(pixel_project):
    """Pillow raises SyntaxError (and EOFError, IndexError elsewhere) for some damaged
    files; imageio.probe_file catches those for thumbnails, read_pixels' callers do not."""
    vectors = project_vectors(pixel_project)
    thumbnail_path(pixel_project.thumbs_dir, vectors.hashes[0]).write_bytes(_broken_png())
    view = pv.pixel_view(pixel_project, vectors)
    assert view is not None and not view[0].any()


def test_drift_judges_new_images_with_the_model_the_project_side_uses(pixel_project):
    """Drift's model outputs compare the project's predictions with the new images' probe
    and kNN vote, which have no pixel view: the project side goes without it too. Shown
    the project's own images as the new folder, they must find the same confidence."""
    from labeldesk.ml.drift_outputs import model_outputs
    from labeldesk.ml.row_labels import row_labels

    vectors = project_vectors(pixel_project)
    statuses = row_labels(pixel_project, vectors).statuses
    sims, rows = knn_graph(vectors.vectors, KNN_K)  # each image's neighbours but itself
    mixed = project_predictions(pixel_project, vectors)
    plain = project_predictions(pixel_project, vectors, pixels=False, head=False)
    assert mixed.confidence.mean() > plain.confidence.mean() + 0.1  # the pixels tell here
    shift = model_outputs(pixel_project, vectors, statuses, vectors.vectors, sims, rows)
    assert shift is not None
    if shift.threshold is not None:  # noise features: even the surest may be wrong (None)
        assert abs(shift.low_confidence_share - shift.reference_low_share) < 0.2
    for row in shift.per_class:  # each class's confidence, the project's against the new
        if row["reference_mean"] is not None and row["new_mean"] is not None:
            assert abs(row["reference_mean"] - row["new_mean"]) < 0.1, row
    assert abs(shift.new_confidence.mean() - plain.confidence.mean()) < 0.1
    cached = [p.name for p in embeddings_dir(pixel_project).rglob("predictions-*.npz")]
    assert len(cached) == 2  # the plain ones beside the default ones, not instead of them
    assert sum(name.startswith("predictions-plain-") for name in cached) == 1


def test_the_pixels_share_is_kept_with_the_predictions_and_told(pixel_project, capsys):
    from labeldesk.cli import main

    first = project_predictions(pixel_project)
    assert first.pixel_share >= 0.5  # here the pixels tell the class, the embeddings nothing
    again = project_predictions(pixel_project)  # read back from the cache
    assert again.pixel_share == first.pixel_share
    assert np.array_equal(again.probs, first.probs)
    assert main(["issues", str(pixel_project.path)]) == 0
    err = capsys.readouterr().err
    assert f"and {round(first.pixel_share * 100)}% from the images' own coarse pixels" in err
    assert project_predictions(pixel_project, pixels=False).pixel_share == 0.0


def test_the_apps_insights_carry_the_pixels_share(pixel_project):
    """The app's estimate says how the predictions were made, as `issues` does."""
    from labeldesk.ml.insights import image_insights

    share = project_predictions(pixel_project).pixel_share
    assert share >= 0.5
    assert image_insights(pixel_project).pixel_share == share
    assert pv.share_note(share) == (
        f"Predicted {100 - round(share * 100)}% from the embeddings and {round(share * 100)}% "
        "from the images' own coarse pixels."
    )
    assert pv.share_note(0.0) == ""


def test_thumbnails_read_in_chunks_on_threads_give_the_same_view(pixel_project, monkeypatch):
    vectors = project_vectors(pixel_project)
    whole = pv.pixel_view(pixel_project, vectors)
    (embeddings_dir(pixel_project) / f"pixels-{pv.VERSION}.npz").unlink()
    thumbnail_path(pixel_project.thumbs_dir, vectors.hashes[20]).unlink()  # one chunk's
    monkeypatch.setattr(pv, "CHUNK", 16)  # 135 rows: 9 chunks on the pool
    chunked = pv.pixel_view(pixel_project, vectors)
    assert whole is not None and chunked is not None
    assert not chunked[20].any()
    rest = np.arange(len(vectors.paths)) != 20
    # the same numbers, centred over one row fewer: compare the rows' directions
    cos = (whole[rest] * chunked[rest]).sum(axis=1)
    assert cos.min() > 0.99


def _half_the_thumbnails_aside(project, tmp_path: Path) -> tuple[list[Path], Callable[[], None]]:
    """The first half of ``project``'s thumbnails moved out of its thumbnail folder: every
    thumbnail's path, and a call that moves them back."""
    vectors = project_vectors(project)
    thumbs = [thumbnail_path(project.thumbs_dir, h) for h in vectors.hashes]
    aside = tmp_path / "aside"
    aside.mkdir()
    for i, t in enumerate(thumbs[: len(thumbs) // 2]):
        t.rename(aside / f"{i}.jpg")

    def bring_back() -> None:
        for i, t in enumerate(thumbs[: len(thumbs) // 2]):
            (aside / f"{i}.jpg").rename(t)

    return thumbs, bring_back


def test_predictions_made_while_thumbnails_were_missing_are_made_again_once_they_are_back(
    pixel_project, monkeypatch, tmp_path
):
    """The view is off while too few thumbnails can be read (a full disk at indexing
    time; the app makes them again as it shows the images). The predictions' cache key
    cannot know: it remembers that they went without, and looks again."""
    thumbs, bring_back = _half_the_thumbnails_aside(pixel_project, tmp_path)
    fits, looks = [], []
    real_fit, real_look = pred_mod.out_of_sample_probs, pred_mod.pixel_view
    monkeypatch.setattr(
        pred_mod, "out_of_sample_probs", lambda *a, **k: fits.append(1) or real_fit(*a, **k)
    )
    for module in (pred_mod, predictions_cache):  # (computing, and the cache's look)
        monkeypatch.setattr(module, "pixel_view", lambda *a: looks.append(1) or real_look(*a))

    assert project_predictions(pixel_project).pixel_share == 0.0  # the view is off
    assert project_predictions(pixel_project).pixel_share == 0.0  # and still off: cached
    assert (len(fits), len(looks)) == (1, 1)  # no thumbnail came: not looked for again
    time.sleep(0.05)  # folder times tick coarsely
    thumbs[-1].unlink()  # a thumbnail folder changes, and still too few can be read
    assert project_predictions(pixel_project).pixel_share == 0.0
    assert project_predictions(pixel_project).pixel_share == 0.0
    assert (len(fits), len(looks)) == (1, 2)  # looked once, and the look was kept
    time.sleep(0.05)
    bring_back()

    back = project_predictions(pixel_project)
    assert len(fits) == 2 and back.pixel_share >= 0.5
    assert project_predictions(pixel_project).pixel_share == back.pixel_share
    assert len(fits) == 2  # now made with the view: cached as any other


def test_the_flag_count_before_a_fine_tune_is_not_read_from_predictions_made_again(
    pixel_project, tmp_path
):
    """`cached_predictions` (the flag count a fine-tune reports as "before") gave the
    predictions made while thumbnails were missing after they had come back, when
    `issues` made them again with the pixel view: its count was not the one `issues`
    then gave. Now it is None (not counted) until they are made again."""
    from labeldesk.ml.predictions import cached_predictions

    _, bring_back = _half_the_thumbnails_aside(pixel_project, tmp_path)
    assert project_predictions(pixel_project).pixel_share == 0.0  # the view is off
    cached = cached_predictions(pixel_project)
    assert cached is not None and cached.pixel_share == 0.0
    time.sleep(0.05)  # folder times tick coarsely
    bring_back()

    assert cached_predictions(pixel_project) is None
    again = project_predictions(pixel_project)
    assert again.pixel_share >= 0.5  # `issues` makes them again, with the view
    cached = cached_predictions(pixel_project)
    assert cached is not None and cached.pixel_share == again.pixel_share
