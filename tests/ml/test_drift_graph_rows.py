"""Above the exact-search size a project's kNN graph is searched in the store's
compressed index, whose rows include images the project does not have: a drift check's
new images (their vectors are stored, :mod:`labeldesk.ml.drift_embed`) and removed ones.
Those rows never take a project row's candidate slot, so a graph cached before a check
embedded new images is the graph a fresh search makes after it, and the check's report
is the same whether the graph was cached or not. Here the sizes are lowered so that
the fixture's small project counts as large."""

from __future__ import annotations

import numpy as np
import pytest

import labeldesk.ml.neighbors as neighbors
import labeldesk.ml.search as search
from labeldesk.ml.drift import drift_report
from labeldesk.ml.search import IndexConfig
from labeldesk.ml.store import current_store, embeddings_dir, forget_shared_vectors
from ml.drift_fixtures import RUN, new_folder, project_fixture

project = project_fixture("drift_graph")

# The compressed index at this project's scale (210 images, 48-d): the graph's search
# probes 4 of the 8 lists (search.GRAPH_NPROBE), as a big project's probes a few.
SMALL = IndexConfig(False, nlist=8, nprobe=8, reduced=48, code_bytes=8, rerank=64)


@pytest.fixture
def large(monkeypatch):
    """Every project and store above 64 rows searched as a large one is."""

    def choose(cls, n, exact_max=0, nprobe=None):
        return IndexConfig(exact=True) if n < 64 else SMALL

    monkeypatch.setattr(IndexConfig, "choose", classmethod(choose))
    monkeypatch.setattr(search, "GRAPH_EXACT_MAX", 64)
    monkeypatch.setattr(neighbors, "GRAPH_EXACT_MAX", 64)
    _forget_searches()
    yield
    _forget_searches()


def _forget_searches() -> None:
    neighbors._last_index = None
    forget_shared_vectors()


def _forget(project) -> None:
    """Every cache a report's neighbours could come from: the graph, drift's own rows'
    neighbours and predictions, and the index kept in memory (not the saved index)."""
    for pattern in ("predictions-*.npz", "knn-*.npz", "drift-*.npz"):
        for path in embeddings_dir(project).rglob(pattern):
            path.unlink()
    _forget_searches()


def _outputs(report) -> dict:
    data = report.to_json()
    for key in ("created", "seconds", "embedded"):
        data.pop(key)
    return data


def test_a_graph_cached_before_a_check_is_the_one_a_fresh_search_makes(project, tmp_path, large):
    """The graph made before a check embedded 57 new images, and the report that read
    it, against the graph and the report made with nothing cached after it (the new
    images' vectors in the store and its index). Before, the new images took candidate
    slots in the graph's search (4 of 8 lists, 32 candidates for 21 neighbours): the
    graph searched afresh differed, and so could the report."""
    _forget(project)
    before = neighbors.neighbor_graph(project)
    stored = current_store(project).count
    folder, _ = new_folder(tmp_path / "new", per_class=15, new_class=12, seed=5)
    cached = drift_report(project, folder, **RUN)
    assert cached.embedded == 57 and current_store(project).count == stored + 57
    _forget(project)
    fresh = drift_report(project, folder, **RUN)
    assert fresh.embedded == 0
    assert _outputs(fresh) == _outputs(cached)
    _forget(project)
    after = neighbors.neighbor_graph(project)  # the index now holds the new rows too
    assert np.array_equal(after.rows, before.rows)
    np.testing.assert_array_equal(after.sims, before.sims)
