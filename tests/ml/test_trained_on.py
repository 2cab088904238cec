"""A trained head records the dataset version it trained on, and that version exports the
data as the model saw it, after later relabels."""

from __future__ import annotations

import csv
import json

from labeldesk.cli import main
from labeldesk.core.versions import get_version, list_versions
from labeldesk.interop.export import ExportOptions, export
from labeldesk.ml.models import get_version as get_model
from labeldesk.ml.train import HeadParams, train_head


def _rows(folder):
    return sorted(
        (r["label"], r["split"])
        for r in csv.DictReader((folder / "labels.csv").read_text().splitlines())
    )


def test_train_head_records_the_dataset_version_and_export_gets_it_back(clustered, tmp_path):
    project, _ = clustered
    before = export(project, tmp_path / "then", "csv")  # the data as the model will see it
    model = train_head(project, HeadParams(epochs=3))
    assert model.dataset_version == f"auto-model-{model.id}"
    version = get_version(project.db, model.dataset_version)
    assert version.automatic and version.models == (model.id,)
    assert version.label_event_id == model.label_event_id
    again = train_head(project, HeadParams(epochs=2))  # same state: the same version
    assert again.dataset_version == model.dataset_version
    assert get_version(project.db, f"model:{again.id}").models == (model.id, again.id)

    project.set_label("train/ant/ant5.png", "cow")
    project.set_splits({"train/bee/bee1.png": "test"})
    third = train_head(project, HeadParams(epochs=2))
    assert third.dataset_version == f"auto-model-{third.id}"
    assert get_model(project, third.id).dataset_version_id != model.dataset_version_id

    report = export(project, tmp_path / "model1", "csv", ExportOptions(version=f"model:{model.id}"))
    assert report.version == model.dataset_version and report.written == before.written
    assert _rows(tmp_path / "model1") == _rows(tmp_path / "then")
    export(project, tmp_path / "now", "csv")
    assert _rows(tmp_path / "model1") != _rows(tmp_path / "now")  # the relabels are not in it


def test_version_list_shows_the_models_trained_on_each(clustered, capsys):
    project, _ = clustered
    model = train_head(project, HeadParams(epochs=2))
    assert main(["version", str(project.path), "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(v["name"], v["models"], v["automatic"]) for v in listed] == [
        (f"auto-model-{model.id}", [model.id], True)
    ]
    assert main(["models", str(project.path), "--json"]) == 0
    models = json.loads(capsys.readouterr().out)
    assert models[0]["dataset_version"] == f"auto-model-{model.id}"
    assert [v.name for v in list_versions(project.db)] == [f"auto-model-{model.id}"]


def test_a_heads_version_lists_only_the_images_it_could_train_on(clustered):
    """An image labeled but not embedded yet was not trained on: `export --version
    model:N` must not hand it out as part of what the head saw."""
    from helpers import write_image

    from labeldesk.core.versions import members

    project, _ = clustered
    write_image(project.root / "train" / "cow" / "late.png", size=(8, 8), fmt="PNG", seed=999)
    project.scan(workers=1)  # labeled cow by its folder, no vector yet
    model = train_head(project, HeadParams(epochs=2))

    listed = {
        path for _, path, _ in members(project.db, get_version(project.db, f"model:{model.id}"))
    }
    assert "train/cow/late.png" not in listed
    assert "train/cow/cow0.png" in listed and "_unlabeled/u0.png" in listed


def test_a_label_set_while_a_head_starts_is_not_recorded_as_trained_on(clustered, monkeypatch):
    """Another window (another connection) labels an image after the run has read its
    labels: the run's label state must name the labels it read, not the newer one."""
    from labeldesk.core.project import Project
    from labeldesk.core.version_state import items_at
    from labeldesk.ml import row_labels, train

    project, _ = clustered
    path = "train/cow/cow5.png"
    real_split, real_codes = train.evaluation_split, row_labels.known_class_codes
    seen: dict[str, str | None] = {}

    def split_while_someone_labels(*args, **kwargs):
        other = Project(project.path)
        other.set_label(path, "bee")
        other.close()
        return real_split(*args, **kwargs)

    def spy(labels, classes, paths):
        seen.update(zip(paths, labels, strict=True))
        return real_codes(labels, classes, paths)

    monkeypatch.setattr(train, "evaluation_split", split_while_someone_labels)
    monkeypatch.setattr(row_labels, "known_class_codes", spy)
    model = train_head(project, HeadParams(epochs=2), device="cpu")

    assert seen[path] == "cow"  # what the head learned
    state = {
        i.path: i.label
        for i in items_at(project.db, get_version(project.db, model.dataset_version))
    }
    assert state[path] == "cow"  # what its dataset version says it learned
    assert project.images().set_index("path").label[path] == "bee"  # and now


def test_a_snapshot_does_not_see_a_write_made_during_it(project):
    from labeldesk.core.project import Project

    with project.db.snapshot() as conn:
        before = conn.execute("SELECT label FROM images WHERE path = ?", ("train/cat/cat0.jpg",))
        assert before.fetchone()[0] == "cat"
        other = Project(project.path)
        other.set_label("train/cat/cat0.jpg", "dog")
        other.close()
        during = conn.execute("SELECT label FROM images WHERE path = ?", ("train/cat/cat0.jpg",))
        assert during.fetchone()[0] == "cat"
    assert project.images().set_index("path").label["train/cat/cat0.jpg"] == "dog"


def test_predictions_are_never_cached_under_labels_they_were_not_computed_from(
    clustered, monkeypatch
):
    """A label set from another window between reading the labels and reading the newest
    event once cached the old labels' probabilities under the new state's key: every
    later view served them until the next label."""
    import glob
    from pathlib import Path

    import numpy as np

    from labeldesk.core.project import Project
    from labeldesk.ml import predictions, row_labels
    from labeldesk.ml.store import embeddings_dir

    project, _ = clustered
    real_codes = row_labels.known_class_codes
    raced: list[bool] = []

    def codes_while_someone_labels(*args, **kwargs):  # just after the labels were read
        if not raced:
            raced.append(True)
            other = Project(project.path)
            for i in range(8):
                other.set_label(f"train/ant/ant{i}.png", "cow")
            other.close()
        return real_codes(*args, **kwargs)

    monkeypatch.setattr(row_labels, "known_class_codes", codes_while_someone_labels)
    predictions.project_predictions(project)  # read before the labels changed
    again = predictions.project_predictions(project)
    for f in glob.glob(str(embeddings_dir(project) / "*" / "predictions-*.npz")):
        Path(f).unlink()
    fresh = predictions.project_predictions(project)
    assert np.allclose(again.probs, fresh.probs)
    assert np.array_equal(again.labels, fresh.labels)


def test_a_heads_version_is_the_folder_as_the_run_began(clustered, tmp_path):
    """A file edited in place, and one removed, while the head trained (a scan from
    another window): the model learned them as they were, so `export --version model:N`
    reports both, instead of writing the new bytes under the old label and leaving the
    removed one out unsaid."""
    import os

    from helpers import write_image

    project, _ = clustered
    edited, gone = "train/bee/bee3.png", "train/cow/cow4.png"
    changed: list[int] = []

    def meanwhile(_progress):
        if not changed:
            changed.append(1)
            write_image(project.root / edited, size=(8, 8), fmt="PNG", seed=4242)
            os.remove(project.root / gone)
            project.scan(workers=1)

    model = train_head(project, HeadParams(epochs=2), progress=meanwhile)
    report = export(project, tmp_path / "out", "csv", ExportOptions(version=f"model:{model.id}"))
    assert {m["path"]: m["reason"] for m in report.missing} == {
        edited: "its content changed since the version",
        gone: "removed from the folder since",
    }
    assert not (tmp_path / "out" / "images" / edited).exists()
