"""Above the exact-search size, `labeldesk embed` ends by building (or extending) the
similar-image search's saved index, so the first `similar` reads it instead of building
it (~40 s at 100k images); a build killed part-way leaves nothing a search trusts."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from helpers import write_image

import labeldesk as ld
from labeldesk.cli import main
from labeldesk.core.create import create_and_index
from labeldesk.ml import nearest_rows, neighbors
from labeldesk.ml import store_index as si
from labeldesk.ml.embed import embed_project
from labeldesk.ml.search import VectorIndex
from labeldesk.ml.store import current_store

from .test_similar_from_index import compressed, fresh_caches  # noqa: F401  (autouse)
from .tiny_backbone import tiny_backbone


def large_project(tmp_path, n=90):
    root = tmp_path / "images"
    for i in range(n):
        write_image(root / f"{'ab'[i % 2]}/img{i:03d}.png", size=(16, 16), fmt="PNG", seed=i)
    project, _ = create_and_index(tmp_path / "proj", root, workers=1)
    return project


def no_building(monkeypatch):
    """A search that would build or extend the index fails."""

    def refuse(*_a, **_k):
        raise AssertionError("the search built the index")

    monkeypatch.setattr(si, "VectorIndex", type("NoBuild", (VectorIndex,), {"__init__": refuse}))
    monkeypatch.setattr(VectorIndex, "add", refuse)


def indexed_rows(project) -> int:
    vectors = current_store(project)
    found = si._read(si_path(project), vectors, b"".join(vectors.keys()))
    return -1 if found is None else found[0].size


def si_path(project):
    return current_store(project).folder / si.FILE_NAME


def test_the_first_search_after_embed_builds_nothing(tmp_path, monkeypatch):
    compressed(monkeypatch)
    project = large_project(tmp_path)
    with project:
        steps = []
        report = embed_project(project, backbone=tiny_backbone(), runtime="torch",
                               progress=lambda p: steps.append(p.message))  # fmt: skip
        assert report.index_s is not None and report.to_json()["search_index_s"] >= 0
        assert "building the search index for similar images" in steps
        assert indexed_rows(project) == 90
        with monkeypatch.context() as m:
            no_building(m)
            found = ld.similar(project, "a/img000.png", k=5)
        assert len(found) == 5
        # more images embedded: the run extends the index, the search still builds nothing
        for i in range(90, 96):
            write_image(project.root / f"b/img{i:03d}.png", size=(16, 16), fmt="PNG", seed=i)
        project.scan()
        report = embed_project(project, backbone=tiny_backbone(), runtime="torch")
        assert report.embedded == 6 and report.index_s is not None
        assert indexed_rows(project) == 96
        neighbors._last_index = nearest_rows._last = None
        with monkeypatch.context() as m:
            no_building(m)
            assert len(ld.similar(project, "b/img095.png", k=5)) == 5


def test_an_up_to_date_embed_builds_a_missing_index_only(tmp_path, monkeypatch, capsys):
    compressed(monkeypatch)
    project = large_project(tmp_path)
    with project:
        embed_project(project, backbone=tiny_backbone(), runtime="torch")
        si_path(project).unlink()  # a run killed while it built the index
        again = embed_project(project, backbone=tiny_backbone(), runtime="torch")
        assert again.up_to_date and again.index_s is not None and indexed_rows(project) == 90
        third = embed_project(project, backbone=tiny_backbone(), runtime="torch")
        assert third.up_to_date and third.index_s is None  # there: not read, not rebuilt


def test_a_small_project_builds_no_index(tmp_path):
    project = large_project(tmp_path, n=20)  # searched exactly: nothing to save
    with project:
        report = embed_project(project, backbone=tiny_backbone(), runtime="torch")
        assert report.index_s is None and not si_path(project).exists()


def test_the_command_says_the_index_is_ready(tmp_path, monkeypatch, capsys):
    compressed(monkeypatch)
    project = large_project(tmp_path)
    project.close()
    monkeypatch.setattr("labeldesk.ml.embed.load_backbone", lambda _spec: tiny_backbone())
    assert main(["embed", str(project.path), "--runtime", "torch"]) == 0
    assert "search index for similar images ready in" in capsys.readouterr().out


KILLED_BUILD = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from labeldesk.ml import cachefiles, store_index as si
    from labeldesk.ml.search import IndexConfig
    from labeldesk.ml.vectors import VectorStore

    def killed(path):  # the whole temporary file written, the rename not done
        os.kill(os.getpid(), signal.SIGKILL)

    cachefiles._fsync = killed
    config = IndexConfig(False, nlist=4, nprobe=4, reduced=16, code_bytes=4, rerank=64)
    si.store_index(VectorStore(Path(sys.argv[1]), int(sys.argv[2])), config)
    """
)


def test_a_killed_build_leaves_nothing_a_search_trusts(tmp_path, monkeypatch):
    compressed(monkeypatch)
    project = large_project(tmp_path)
    with project:
        embed_project(project, backbone=tiny_backbone(), runtime="torch")
        path = si_path(project)
        path.unlink()
        folder = current_store(project).folder
        dim = current_store(project).dim
        command = [sys.executable, "-c", KILLED_BUILD, str(folder), str(dim)]
        run = subprocess.run(command, check=False)
        assert run.returncode == -9
        assert not path.exists()
        leftovers = [p for p in folder.iterdir() if p.name.endswith(si.FILE_NAME)]
        assert leftovers and all(p.name.startswith(".tmp-") for p in leftovers)
        built = []
        original = si.VectorIndex.__init__

        def counted(self, *a, **k):
            built.append(1)
            original(self, *a, **k)

        monkeypatch.setattr(si.VectorIndex, "__init__", counted)
        assert len(ld.similar(project, "a/img000.png", k=5)) == 5  # built again
        assert built and indexed_rows(project) == 90
        assert [p.name for p in folder.iterdir() if p.name.endswith(si.FILE_NAME)] == [si.FILE_NAME]
