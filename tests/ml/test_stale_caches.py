"""A damaged or planted cache file is stale: it is recomputed and replaced with a warning,
never unpickled and never fatal (kNN graph, predictions, map, IVF index, head sidecar,
spec.json)."""

from __future__ import annotations

import json
import logging
import pickle
from pathlib import Path

import numpy as np
import pytest

from labeldesk.cli import main
from labeldesk.ml import neighbors
from labeldesk.ml.errors import NoEmbeddings
from labeldesk.ml.neighbors import neighbor_graph, search_index
from labeldesk.ml.predictions import project_predictions
from labeldesk.ml.projection import project_2d
from labeldesk.ml.search import IndexConfig
from labeldesk.ml.store import current_store, embeddings_dir, model_spec, project_vectors

CORRUPTIONS = ("pickle payload", "pickled array inside", "truncated", "random bytes", "empty")


class Payload:
    """Unpickling this creates ``marker``: proof that a pickle was executed."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def corrupt(path: Path, how: str, marker: Path) -> None:
    good = path.read_bytes()
    if how == "pickle payload":
        data = pickle.dumps(Payload(marker))
    elif how == "pickled array inside":  # a valid zip/npy whose arrays are pickles
        with open(path, "wb") as f:
            if path.suffix == ".npz":
                bad = np.array([Payload(marker)])
                np.savez(f, sims=bad, rows=bad, probs=bad, oof=bad)
            else:
                np.save(f, np.array([Payload(marker)], dtype=object), allow_pickle=True)
        return
    elif how == "truncated":
        data = good[: len(good) // 2]
    elif how == "random bytes":
        data = np.random.default_rng(0).bytes(len(good))
    else:
        data = b""
    path.write_bytes(data)


def only(folder: Path, pattern: str) -> Path:
    [path] = folder.glob(pattern)
    return path


def assert_recomputed(caplog, path: Path, marker: Path) -> None:
    assert not marker.exists(), "a pickle in a cache file was executed"
    assert any(str(path) in r.getMessage() and r.levelno == logging.WARNING for r in caplog.records)


@pytest.mark.parametrize("how", CORRUPTIONS)
def test_knn_graph_cache(clustered_clean, tmp_path, caplog, how):
    graph = neighbor_graph(clustered_clean)
    cache = only(embeddings_dir(clustered_clean) / graph.vectors.key, "knn-*.npz")
    corrupt(cache, how, tmp_path / "pwned")
    again = neighbor_graph(clustered_clean)
    assert_recomputed(caplog, cache, tmp_path / "pwned")
    np.testing.assert_array_equal(again.rows, graph.rows)
    with np.load(cache) as data:  # replaced by a good file
        np.testing.assert_array_equal(data["rows"], graph.rows)


def test_knn_graph_cache_with_the_wrong_shape_or_rows(clustered_clean, caplog):
    graph = neighbor_graph(clustered_clean)
    cache = only(embeddings_dir(clustered_clean) / graph.vectors.key, "knn-*.npz")
    bad_rows = graph.rows.copy()
    bad_rows[0, 0] = 10**6  # would index out of bounds later
    for sims, rows in ((graph.sims[:5], graph.rows[:5]), (graph.sims, bad_rows)):
        with open(cache, "wb") as f:
            np.savez(f, sims=sims, rows=rows)
        np.testing.assert_array_equal(neighbor_graph(clustered_clean).rows, graph.rows)
    messages = [r.getMessage() for r in caplog.records]
    assert any("shape" in m for m in messages) and any("out of range" in m for m in messages)


@pytest.mark.parametrize("how", CORRUPTIONS)
def test_predictions_cache(clustered_clean, tmp_path, caplog, how):
    preds = project_predictions(clustered_clean)
    cache = only(
        embeddings_dir(clustered_clean) / project_vectors(clustered_clean).key, "predictions-*.npz"
    )
    corrupt(cache, how, tmp_path / "pwned")
    again = project_predictions(clustered_clean)
    assert_recomputed(caplog, cache, tmp_path / "pwned")
    np.testing.assert_allclose(again.probs, preds.probs)
    with np.load(cache) as data:
        np.testing.assert_allclose(data["probs"], preds.probs)


def test_predictions_cache_for_other_classes_is_stale(clustered_clean, caplog):
    preds = project_predictions(clustered_clean)
    cache = only(
        embeddings_dir(clustered_clean) / project_vectors(clustered_clean).key, "predictions-*.npz"
    )
    with open(cache, "wb") as f:
        np.savez(
            f, probs=preds.probs[:, :2], oof=preds.out_of_fold, pixel_share=0.0,
            thumbs_seen=-1,
        )  # fmt: skip
    np.testing.assert_allclose(project_predictions(clustered_clean).probs, preds.probs)
    assert "shape" in caplog.text


@pytest.mark.parametrize("how", CORRUPTIONS)
def test_map_cache(clustered_clean, tmp_path, caplog, how):
    _, xy = project_2d(clustered_clean, "pca")
    cache = only(
        embeddings_dir(clustered_clean) / project_vectors(clustered_clean).key, "map-pca-*.npz"
    )
    corrupt(cache, how, tmp_path / "pwned")
    _, again = project_2d(clustered_clean, "pca")
    assert_recomputed(caplog, cache, tmp_path / "pwned")
    np.testing.assert_allclose(again, xy)
    with np.load(cache) as data:  # stored by content (no two images here share one)
        np.testing.assert_allclose(np.sort(data["xy"], axis=0), np.sort(xy, axis=0))


@pytest.mark.parametrize("how", ("pickle payload", "truncated", "random bytes", "empty"))
def test_ivf_index_cache(clustered_clean, tmp_path, caplog, monkeypatch, how):
    monkeypatch.setattr(
        neighbors.IndexConfig, "choose", classmethod(lambda cls, n: IndexConfig(False, 4, 4))
    )
    monkeypatch.setattr(neighbors, "_last_index", None)
    vectors = project_vectors(clustered_clean)
    index = search_index(clustered_clean, vectors)
    expected = index.search(vectors.vectors[:5], 3)[1]
    cache = only(embeddings_dir(clustered_clean) / vectors.key, "ivf-*.faiss")
    corrupt(cache, how, tmp_path / "pwned")
    monkeypatch.setattr(neighbors, "_last_index", None)  # as a new process would
    again = search_index(clustered_clean, vectors)
    assert_recomputed(caplog, cache, tmp_path / "pwned")
    np.testing.assert_array_equal(again.search(vectors.vectors[:5], 3)[1], expected)
    from labeldesk.ml.store_index import _parse

    assert _parse(cache.read_bytes())[0]["rows"] == len(vectors.paths)  # replaced


def test_ivf_index_of_other_vectors_is_stale(clustered_clean, caplog, monkeypatch):
    import faiss

    monkeypatch.setattr(
        neighbors.IndexConfig, "choose", classmethod(lambda cls, n: IndexConfig(False, 4, 4))
    )
    monkeypatch.setattr(neighbors, "_last_index", None)
    vectors = project_vectors(clustered_clean)
    search_index(clustered_clean, vectors)
    cache = only(embeddings_dir(clustered_clean) / vectors.key, "ivf-*.faiss")
    faiss.write_index(faiss.IndexFlatIP(vectors.vectors.shape[1]), str(cache))  # empty index
    monkeypatch.setattr(neighbors, "_last_index", None)
    assert search_index(clustered_clean, vectors).size == len(vectors.paths)
    assert "not a LabelDesk search index" in caplog.text


@pytest.mark.parametrize("damage", ("sidecar", "weights"))
def test_damaged_head_checkpoint_is_left_out_of_predictions(clustered_clean, caplog, damage):
    torch = pytest.importorskip("torch")
    from labeldesk.ml.predictions import current_head
    from labeldesk.ml.train import HeadParams, train_head

    without_head = project_predictions(clustered_clean).probs
    version = train_head(clustered_clean, HeadParams(epochs=5))
    with_head = project_predictions(clustered_clean).probs
    assert not np.allclose(with_head, without_head)  # the head is used when it is fine
    checkpoint = clustered_clean.path / version.checkpoint
    for cache in (embeddings_dir(clustered_clean) / project_vectors(clustered_clean).key).glob(
        "pred*.npz"
    ):
        cache.unlink()
    target = checkpoint.with_suffix(".json") if damage == "sidecar" else checkpoint
    target.write_bytes(pickle.dumps(torch.zeros(3)))
    probs = project_predictions(clustered_clean).probs
    np.testing.assert_allclose(probs, without_head)
    assert str(target) in caplog.text and "without this trained head" in caplog.text
    if damage == "sidecar":
        vectors = project_vectors(clustered_clean)
        assert (
            current_head(
                clustered_clean, vectors.key, clustered_clean.classes(), version.label_event_id
            )
            is None
        )


def test_damaged_spec_json_is_rebuilt_for_a_registered_backbone(tmp_path, caplog):
    from labeldesk.ml.backbones import DEFAULT_BACKBONE, ModelIdentity
    from labeldesk.ml.vectors import VectorStore

    identity = ModelIdentity(DEFAULT_BACKBONE, "tf_efficientnet_lite0", "0" * 64)
    store = VectorStore.for_identity(tmp_path, identity, 4)
    spec = store.folder / "spec.json"
    spec.write_bytes(pickle.dumps(Payload(tmp_path / "pwned")))
    assert model_spec(store) == DEFAULT_BACKBONE
    assert json.loads(spec.read_text()) == {"spec": DEFAULT_BACKBONE}  # replaced
    assert not (tmp_path / "pwned").exists() and str(spec) in caplog.text


@pytest.mark.parametrize("content", (b"", b"[" * 100_000, b'{"spec": 3}', b"\x80\x04junk"))
def test_damaged_spec_json_of_an_unknown_model_is_a_clear_error(clustered_clean, content):
    store = current_store(clustered_clean)
    (store.folder / "spec.json").write_bytes(content)
    with pytest.raises(NoEmbeddings, match=r"spec\.json is damaged"):
        model_spec(store)


def test_cli_commands_recover_from_a_planted_pickle(clustered_clean, tmp_path, capsys, caplog):
    """`issues` and `outliers` on a project whose caches were replaced by pickles."""
    path = str(clustered_clean.path)
    assert main(["issues", path, "--json", "--all"]) == 0
    assert main(["outliers", path, "--json"]) == 0
    first = capsys.readouterr().out
    folder = embeddings_dir(clustered_clean) / project_vectors(clustered_clean).key
    for cache in [*folder.glob("knn-*.npz"), *folder.glob("predictions-*.npz")]:
        cache.write_bytes(pickle.dumps(Payload(tmp_path / "pwned")))
    assert main(["issues", path, "--json", "--all"]) == 0
    assert main(["outliers", path, "--json"]) == 0
    out = capsys.readouterr()
    assert out.out == first and not (tmp_path / "pwned").exists()
    assert "Traceback" not in out.err
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warned) == 2 and all(
        "pickled data, which LabelDesk never loads" in m for m in warned
    )


def test_a_damaged_cache_is_not_called_a_pickle(clustered_clean, tmp_path, caplog):
    """NumPy takes any file that is not an .npy/.npz for a pickle: random bytes were
    reported as "pickled data"; a real pickle still is."""
    graph = neighbor_graph(clustered_clean)
    cache = only(embeddings_dir(clustered_clean) / graph.vectors.key, "knn-*.npz")
    for how, said in (("random bytes", "not a NumPy file"), ("pickle payload", "pickled data")):
        caplog.clear()
        corrupt(cache, how, tmp_path / "pwned")
        neighbor_graph(clustered_clean)
        assert any(str(cache) in m and said in m for m in caplog.messages), how
