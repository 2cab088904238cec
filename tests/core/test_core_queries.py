"""Core's table functions: one-parameter list lookups of any length (``json_each``), the
image rows the model side reads, model versions, and the newest label event.

Rows are put straight into a fresh project's database (no files: the reads under test
need none), so lists well past the 999 placeholders an ``IN (?, …)`` could take cost
nothing to build.
"""

from __future__ import annotations

import random
import time
from pathlib import Path

import numpy as np
import pytest

from labeldesk.core import image_rows, model_versions
from labeldesk.core.errors import LabelDeskError, UnknownPathError
from labeldesk.core.labels import last_event_id
from labeldesk.core.project import ImageState, Project
from labeldesk.core.sql_lists import IN_LIST, json_list
from labeldesk.ml import models

N = 2500  # well past the old 900-a-query chunks


def _add_rows(project: Project, rows: list[dict]) -> dict[str, int]:
    """Insert image rows (test fixtures only) and return their ids by path."""
    now = time.time()
    with project.db.write() as conn:
        for row in rows:
            values = {"size": 1, "mtime_ns": 0, "indexed_at": now, **row}
            names = ", ".join(values)
            conn.execute(
                f"INSERT INTO images({names}) VALUES ({', '.join('?' * len(values))})",
                list(values.values()),
            )
    found = project.db.query("SELECT path, id FROM images")
    return {r[0]: r[1] for r in found}


@pytest.fixture
def big(tmp_path: Path):
    """A project with N rows: ``img0000.jpg`` … labeled cat/dog in turn, no split."""
    (tmp_path / "images").mkdir()
    project = Project.create(tmp_path / "proj", tmp_path / "images", classes=["cat", "dog"])
    rows = [
        {"path": f"train/img{i:04d}.jpg", "hash": f"h{i}", "label": ("cat", "dog")[i % 2]}
        for i in range(N)
    ]
    ids = _add_rows(project, rows)
    yield project, ids
    project.close()


def test_ids_for_thousands_of_paths_in_one_lookup(big):
    project, ids = big
    paths = list(ids)
    random.Random(1).shuffle(paths)
    assert project.ids_for(paths + paths[:10]) == ids  # repeats are looked up once


def test_ids_for_lists_every_unknown_path_in_the_order_given(big):
    project, ids = big
    paths = list(ids)
    with project.db.write() as conn:  # a file gone from the folder is not in it any more
        conn.execute("UPDATE images SET removed_at = 1 WHERE path = ?", (paths[1500],))
    asked = ["nope/first.jpg", *paths[:1200], "nope/middle.jpg", *paths[1200:], "nope/last.jpg"]
    with pytest.raises(UnknownPathError) as caught:
        project.ids_for(asked)
    assert caught.value.paths == ["nope/first.jpg", "nope/middle.jpg", paths[1500], "nope/last.jpg"]
    assert "4 paths not in the project" in str(caught.value)


def test_paths_of_keeps_the_order_and_repeats_given_and_leaves_out_unknown_ids(big):
    project, ids = big
    by_id = {i: p for p, i in ids.items()}
    wanted = list(by_id)
    random.Random(2).shuffle(wanted)
    asked = [*wanted, 10**9, wanted[0]]
    assert project.paths_of(asked) == [by_id[i] for i in wanted] + [by_id[wanted[0]]]
    assert project.paths_of(np.array(wanted[:3], dtype=np.int64)) == [by_id[i] for i in wanted[:3]]


def test_image_states_of_thousands_of_ids_once_each_in_id_order(big):
    project, ids = big
    with project.db.write() as conn:
        conn.execute("UPDATE images SET status = 'verified', split = 'val' WHERE id = ?", (5,))
    wanted = list(ids.values())
    random.Random(3).shuffle(wanted)
    states = project.image_states([*wanted, *wanted[:50], 10**9])
    assert [s.image_id for s in states] == sorted(ids.values())
    assert states[4] == ImageState(5, "cat", "val", "verified")
    assert states[1] == ImageState(2, "dog", "train", None)  # labeled, no split: train


def test_a_batch_of_thousands_of_images_is_recorded_and_undone(big):
    project, ids = big
    paths = list(ids)
    changed = project.set_labels({p: "cat" for p in paths}, description="all cats")
    assert len(changed.image_ids) == N // 2  # the dogs; the cats were cats already
    later = project.set_labels({p: "dog" for p in paths[1001:1011:2]})  # dogs again
    assert len(later.image_ids) == 5
    project.undo(later.batch_id)  # taken back: no longer a later change
    project.set_label(paths[2001], "dog")  # a later change that stands
    undone = project.undo(changed.batch_id)
    assert undone.kept == 1
    assert len(undone.image_ids) == N // 2 - 1
    labels = dict(project.db.query("SELECT path, label FROM images"))
    assert labels[paths[2001]] == "dog"
    assert [labels[p] for p in paths[:4]] == ["cat", "dog", "cat", "dog"]
    assert sum(label == "dog" for label in labels.values()) == N // 2


def test_json_list_takes_any_text_and_numpy_integers(tmp_path):
    (tmp_path / "images").mkdir()
    project = Project.create(tmp_path / "proj", tmp_path / "images")
    odd = ["é/ü.jpg", "😀/a.jpg", "tab\there\nnewline.jpg", 'quote"and\\back.jpg', "'; --.jpg"]
    try:
        ids = _add_rows(project, [{"path": p} for p in odd])
        assert project.ids_for(odd) == ids
        rows = project.db.query(
            f"SELECT id FROM images WHERE id {IN_LIST} ORDER BY id",
            (json_list(np.array(list(ids.values()), dtype=np.int64)),),
        )
        assert [r[0] for r in rows] == sorted(ids.values())
    finally:
        project.close()
    with pytest.raises(TypeError, match="cannot be looked up"):
        json_list([object()])


def test_usable_rows_leave_out_removed_and_unreadable_files(tmp_path):
    (tmp_path / "images").mkdir()
    project = Project.create(tmp_path / "proj", tmp_path / "images", classes=["cat"])
    try:
        ids = _add_rows(
            project,
            [
                {"path": "b.jpg", "hash": "hb", "label": "cat"},  # labeled, no split
                {"path": "a.jpg", "hash": "ha", "split": "val", "phash": 7},
                {"path": "gone.jpg", "hash": "hg", "removed_at": 1.0},
                {"path": "broken.jpg", "skip_reason": "not an image"},
                {"path": "c.jpg", "hash": "hc"},
            ],
        )
        by_path = [(r["path"], r["hash"]) for r in image_rows.usable_files(project.db)]
        assert by_path == [("a.jpg", "ha"), ("b.jpg", "hb"), ("c.jpg", "hc")]
        by_id = [r["path"] for r in image_rows.usable_files(project.db, order="id")]
        assert by_id == ["b.jpg", "a.jpg", "c.jpg"]
        rows = [dict(r) for r in image_rows.usable_images(project.db)]
        assert [r["path"] for r in rows] == ["a.jpg", "b.jpg", "c.jpg"]
        assert rows[0] == {
            "id": ids["a.jpg"],
            "path": "a.jpg",
            "hash": "ha",
            "label": None,
            "split": "val",
            "status": None,
            "phash": 7,
        }
        assert (rows[1]["split"], rows[2]["split"]) == ("train", None)
        missing = image_rows.images_without_phash(project.db)
        assert [r["path"] for r in missing] == ["b.jpg", "c.jpg"]
        image_rows.set_phashes(project.db, [(11, ids["b.jpg"]), (-3, ids["c.jpg"])])
        assert image_rows.images_without_phash(project.db) == []
        assert [r["phash"] for r in image_rows.usable_images(project.db)] == [7, 11, -3]
    finally:
        project.close()


def test_model_versions_round_trip_newest_first(project):
    db = project.db
    assert model_versions.model_versions(db) == []
    assert model_versions.model_version(db, 1) is None
    first = model_versions.add_model_version(
        db,
        kind="head",
        status="complete",
        label_event_id=3,
        embedding_key="k1",
        params={"epochs": 5, "lr": 0.01},
        metrics={"val": {"accuracy": 0.9}},
        checkpoint="models/x-head/head.safetensors",
    )
    second = model_versions.add_model_version(
        db,
        kind="finetune",
        status="cancelled",
        label_event_id=4,
        embedding_key=None,
        params={},
        metrics={},
        checkpoint=None,
    )
    got = model_versions.model_version(db, first)
    assert got is not None
    assert got.to_json() | {"created_at": 0} == {
        "id": first,
        "kind": "head",
        "status": "complete",
        "created_at": 0,
        "label_event_id": 3,
        "embedding_key": "k1",
        "params": {"epochs": 5, "lr": 0.01},
        "metrics": {"val": {"accuracy": 0.9}},
        "checkpoint": "models/x-head/head.safetensors",
        "dataset_version_id": 1,  # each run records the dataset version it trained on
        "dataset_version": f"auto-model-{first}",
    }
    assert model_versions.model_version(db, second).dataset_version == f"auto-model-{second}"
    assert [v.id for v in model_versions.model_versions(db)] == [second, first]
    assert [v.id for v in model_versions.model_versions(db, "head")] == [first]
    # ml.models keeps its API on top of these
    assert models.list_versions(project, "finetune")[0].status == "cancelled"
    assert models.latest(project, "head", embedding_key="k2") is None
    assert models.latest(project, "head", embedding_key="k1") == got
    with pytest.raises(LabelDeskError, match="no model version 99"):
        models.get_version(project, 99)


def test_record_version_stores_the_checkpoint_relative_to_the_project(project):
    folder = models.new_version_dir(project, "head")
    version = models.record_version(
        project,
        kind="head",
        status="complete",
        label_event_id=models.last_label_event(project),
        embedding_key="k",
        params={"a": 1},
        metrics={"b": 2},
        checkpoint=folder / "head.safetensors",
    )
    assert version.checkpoint == str(folder.relative_to(project.path) / "head.safetensors")
    assert models.get_version(project, version.id) == version


def test_last_event_id_names_the_newest_label_event(project):
    start = last_event_id(project.db)  # the scan's folder labels are events too
    assert start == project.history(limit=1)[0].id
    project.set_label("_unlabeled/u0.png", "cat")
    assert last_event_id(project.db) == start + 1 == models.last_label_event(project)


def test_last_event_id_is_zero_before_any_event(tmp_path):
    (tmp_path / "images").mkdir()
    project = Project.create(tmp_path / "proj", tmp_path / "images")
    try:
        assert last_event_id(project.db) == 0
    finally:
        project.close()
