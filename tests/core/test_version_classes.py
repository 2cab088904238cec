"""Each dataset version records its ordered class list; a training run reuses an earlier
version only when the class list is the same too (a class added without a label change
makes a different dataset for the model's head)."""

from __future__ import annotations

from labeldesk.core import model_versions
from labeldesk.core.labels import last_event_id
from labeldesk.core.versions import create_version, get_version, list_versions


def _record_model(project, label_event_id=None, classes=None):
    return model_versions.add_model_version(
        project.db,
        kind="head",
        status="complete",
        label_event_id=last_event_id(project.db) if label_event_id is None else label_event_id,
        embedding_key="k",
        params={},
        metrics={},
        checkpoint=None,
        classes=classes,
    )


def test_a_version_records_the_class_list_in_order(project):
    project.add_classes(["bird"])
    project.rename_class("cat", "feline")
    v1 = create_version(project.db, "v1")
    assert v1.classes == ("feline", "dog", "bird") == tuple(project.classes())
    project.remove_class("dog")
    assert get_version(project.db, "v1").classes == ("feline", "dog", "bird")
    assert list_versions(project.db)[0].to_json()["classes"] == ["feline", "dog", "bird"]


def test_a_training_run_reuses_a_version_only_with_the_same_classes(project):
    create_version(project.db, "named")
    project.add_classes(["bird"])  # no label event: the label state is the same
    model = _record_model(project)
    trained_on = get_version(project.db, f"model:{model}")
    assert trained_on.name == f"auto-model-{model}" and trained_on.automatic
    assert trained_on.classes == ("cat", "dog", "bird")
    again = _record_model(project)  # same state and classes: the same version
    assert get_version(project.db, f"model:{again}") == get_version(
        project.db, f"auto-model-{model}"
    )
    assert get_version(project.db, "named").classes == ("cat", "dog")


def test_a_run_records_the_classes_it_began_with_not_a_rename_during_it(project):
    began = project.classes()  # ["cat", "dog"]: what the run's head learns
    state = last_event_id(project.db)
    project.rename_class("cat", "feline")  # while it trains
    model = _record_model(project, label_event_id=state, classes=began)
    assert get_version(project.db, f"model:{model}").classes == tuple(began)
