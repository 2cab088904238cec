"""Copies of one image as the CLI, the API, the queue and `similar` see them: a group
resolved by excluding its copies no longer leaks, and a project without embeddings says
that near duplicates were not looked for."""

from __future__ import annotations

import json
import math
import shutil

import numpy as np
import pytest

import labeldesk as ld
from labeldesk.cli import json_safe, main
from labeldesk.core.create import create_and_index
from labeldesk.core.errors import BadArgument
from labeldesk.ml.duplicates import find_duplicates
from labeldesk.ml.errors import NoEmbeddings
from labeldesk.ml.queue import labeling_queue, one_per_content
from labeldesk.ml.strategies.typiclust import typicality

from .fake_embeddings import make_clustered_project

COPY = "train/ant/zz_copy.png"


def _group_of(groups, path):
    return next(g for g in groups if path in g.paths)


def test_excluding_the_copy_ends_the_leak_everywhere(tmp_path, capsys):
    project, _ = make_clustered_project(tmp_path)
    with project:
        shutil.copy(project.image_path("val/ant/ant0.png"), project.root / COPY)
        project.scan(workers=1)
        assert _group_of(find_duplicates(project), COPY).leaks  # train and val
        project.set_status([COPY], "excluded")  # what "Keep only this" does
        group = _group_of(find_duplicates(project), COPY)
        assert not group.leaks and group.resolved
        frame = ld.duplicates(project)
        rows = frame[frame.path.isin([COPY, "val/ant/ant0.png"])]
        assert (
            not rows.leak.any()
            and dict(zip(rows.path, rows.status, strict=True))[COPY] == "excluded"
        )
    assert main(["duplicates", str(project.path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["leakage"] == [] and data["not_embedded"] == 0
    found = next(g for g in data["groups"] if COPY in g["paths"])
    assert found["resolved"] and found["statuses"][found["paths"].index(COPY)] == "excluded"
    assert main(["duplicates", str(project.path)]) == 0
    assert "resolved (the rest excluded)" in capsys.readouterr().out


def test_duplicates_before_embedding_say_near_copies_were_not_looked_for(tmp_path, capsys):
    root = tmp_path / "images"
    make_clustered_project(tmp_path / "src")[0].close()
    shutil.copytree(tmp_path / "src/images", root)
    project, _ = create_and_index(tmp_path / "p", root, workers=1)
    project.close()
    assert main(["duplicates", str(project.path), "--json"]) == 0
    out = capsys.readouterr()
    assert json.loads(out.out)["not_embedded"] == 115
    assert "checked for identical files only" in out.err
    with ld.open_project(project.path) as p:
        assert ld.unembedded(p) == 115


@pytest.mark.parametrize(
    "args", [["--threshold", "nan"], ["--threshold", "5"], ["--threshold", "-1.5"],
             ["--hash-distance", "65"], ["--hash-distance", "-2"]],
)  # fmt: skip
def test_duplicates_refuses_thresholds_out_of_range(tmp_path, capsys, args):
    project, _ = make_clustered_project(tmp_path)
    project.close()
    assert main(["duplicates", str(project.path), *args, "--json"]) == 2
    assert json.loads(capsys.readouterr().out)["kind"] == "UsageError"


def test_json_output_has_no_nan():
    data = {"a": math.nan, "b": [1.5, math.inf, {"c": -math.inf}], "d": (np.float64("nan"),)}
    text = json.dumps(json_safe(data), allow_nan=False)  # would raise on NaN
    assert json.loads(text) == {"a": None, "b": [1.5, None, {"c": None}], "d": [None]}


def test_the_api_checks_counts_and_thresholds(tmp_path):
    project, _ = make_clustered_project(tmp_path)
    with project:
        for call in (
            lambda: ld.outliers(project, n=-1),
            lambda: ld.similar(project, "val/ant/ant0.png", k=0),
            lambda: ld.queue(project, n=-1),
            lambda: ld.queue(project, n=2.5),
            lambda: ld.duplicates(project, threshold=math.nan),
            lambda: ld.duplicates(project, hash_distance=65),
        ):
            with pytest.raises(BadArgument):
                call()
        assert len(ld.outliers(project, n=0)) == len(ld.outliers(project, n=10**6))
        # NumPy numbers are numbers: a threshold from an array still works
        same = ld.duplicates(project, threshold=np.float32(0.85), hash_distance=np.int64(4))
        assert same.equals(ld.duplicates(project))
        with pytest.raises(BadArgument):
            ld.duplicates(project, threshold=True)


def test_similar_on_a_skipped_file_says_why_it_has_no_embedding(tmp_path):
    project, _ = make_clustered_project(tmp_path)
    with project:
        (project.root / "train/ant/broken.png").write_bytes(b"not a picture")
        project.scan(workers=1)
        with pytest.raises(NoEmbeddings, match=r"broken\.png is skipped"):
            ld.similar(project, "train/ant/broken.png")


def test_copies_do_not_dominate_typicality():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 8))
    x = np.vstack([x, x[:1]])  # row 40 is a copy of row 0
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    typ = typicality(x, x, k=1)
    assert np.isfinite(typ).all() and typ.max() < 10 * np.median(typ)
    # as the store gives vectors back: float16, not normalised again (cosine of a copy
    # to its twin a little off 1), seven copies of one image among 1280-d vectors
    y = rng.normal(size=(300, 1280))
    y = np.vstack([y, np.repeat(y[:1], 7, axis=0)])
    y /= np.linalg.norm(y, axis=1, keepdims=True)
    y = y.astype(np.float16).astype(np.float32)
    typ = typicality(y, y, k=20)
    assert typ[0] <= np.quantile(typ[1:300], 0.99)  # the copied image is not the most typical


def test_drift_names_a_copy_in_use_before_an_excluded_one():
    from labeldesk.ml.drift_neighbours import telling

    rows = [
        {"path": "test/cat/a.jpg", "split": "test", "label": "cat", "status": "excluded"},
        {"path": "train/cat/a_copy.jpg", "split": "train", "label": "cat", "status": None},
    ]
    assert min(rows, key=telling)["path"] == "train/cat/a_copy.jpg"


def test_the_queue_proposes_one_copy_of_an_image(tmp_path):
    got = one_per_content(
        ["a", "b", "a", "c", "b", "c"],
        np.array([True, True, True, False, True, True]),
        np.array([False, False, False, True, False, False]),  # "c" is labeled
    )
    assert got.tolist() == [True, True, False, False, False, False]
    project, _ = make_clustered_project(tmp_path, unlabeled=6)
    with project:
        for i in range(3):
            shutil.copy(
                project.image_path("_unlabeled/u0.png"), project.root / f"_unlabeled/c{i}.png"
            )
        shutil.copy(project.image_path("train/bee/bee3.png"), project.root / "_unlabeled/lab.png")
        project.scan(workers=1)
        copies = {"_unlabeled/u0.png", *(f"_unlabeled/c{i}.png" for i in range(3))}
        paths = [r["path"] for r in labeling_queue(project, n=50)]
        assert len(set(paths) & copies) == 1 and "_unlabeled/lab.png" not in paths
        project.set_labels({p: None for p in project.images().path})  # a cold start
        paths = [r["path"] for r in labeling_queue(project, n=500)]  # every candidate
        assert len(set(paths) & copies) == 1
        assert len({"_unlabeled/lab.png", "train/bee/bee3.png"} & set(paths)) == 1
