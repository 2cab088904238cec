"""Every write returns a Changes naming what it changed, and publishes it on the project."""

from __future__ import annotations

import threading

import pytest

from labeldesk.core import changes
from labeldesk.core.changes import Changes, ProjectEvents


@pytest.fixture
def heard(project):
    events: list[Changes] = []
    project.events.subscribe(events.append)
    return events


def test_a_label_write_names_its_batch_and_only_the_images_it_changed(project, heard):
    ids = project.ids_for(["_unlabeled/u0.png", "train/cat/cat0.jpg"])
    written = project.set_labels({"_unlabeled/u0.png": "dog", "train/cat/cat0.jpg": "cat"})
    assert written.kind == changes.LABEL and written.batch_id is not None
    assert written.image_ids == (ids["_unlabeled/u0.png"],)  # cat0 was a cat already
    assert not written.classes_changed
    assert heard == [written]
    assert project.batch_image_ids(written.batch_id) == list(written.image_ids)


def test_a_no_op_is_falsy_and_not_published(project, heard):
    written = project.set_status(["train/cat/cat0.jpg"], None)
    assert not written and written.batch_id is None
    assert heard == []


def test_a_new_class_from_a_label_says_classes_changed(project, heard):
    written = project.set_label("_unlabeled/u0.png", "bird", create_class=True)
    assert written.classes_changed and "bird" in project.classes()
    assert project.set_label("_unlabeled/u1.png", "bird").classes_changed is False


def test_status_and_split_writes_have_their_kind(project, heard):
    assert project.set_status(["train/cat/cat0.jpg"], "excluded").kind == changes.STATUS
    assert project.set_splits({"train/cat/cat0.jpg": "test"}).kind == changes.SPLIT
    assert [c.kind for c in heard] == [changes.STATUS, changes.SPLIT]


def test_a_class_rename_lists_the_relabeled_images(project, heard):
    cats = set(project.images().query("label == 'cat'").index)
    written = project.rename_class("cat", "kitten")
    assert written.kind == changes.CLASS and written.classes_changed
    assert set(written.image_ids) == cats and heard == [written]
    added = project.add_classes(["owl"])
    assert added == ["owl"] and heard[-1].classes_changed
    assert heard[-1].batch_id is not None  # an undoable step of its own


def test_a_class_edit_names_the_classes_it_renamed_or_merged(project, heard):
    """What a view keyed by class name needs to follow it (the model's flags)."""
    renamed = project.rename_class("cat", "Kätzchen")
    assert renamed.renamed == (("cat", "Kätzchen"),) and renamed.merged == ()
    merged = project.merge_classes("Kätzchen", "dog")
    assert merged.merged == (("Kätzchen", "dog"),) and merged.renamed == ()
    removed = project.remove_class("dog")
    assert removed.renamed == removed.merged == ()  # its images are unlabeled: no new name


def test_undo_and_redo_of_a_rename_name_the_class_renamed(project, monkeypatch):
    monkeypatch.setenv("LABELDESK_USER", "alice")
    project.rename_class("cat", "kitten")
    assert project.undo().renamed == (("kitten", "cat"),)
    redone = project.redo()
    assert redone.renamed == (("cat", "kitten"),)
    project.set_label("_unlabeled/u0.png", "kitten")  # the new name used since
    undone = project.undo(batch_id=redone.batch_id)
    assert undone.renamed == ()  # kitten stays beside cat: not a rename back


def test_undo_is_published_with_the_images_it_changed_back(project, heard, monkeypatch):
    monkeypatch.setenv("LABELDESK_USER", "alice")
    first = project.set_label("_unlabeled/u0.png", "cat")
    monkeypatch.setenv("LABELDESK_USER", "bob")
    project.set_label("_unlabeled/u1.png", "dog")
    undone = project.undo(author="alice")  # alice's newest batch, whoever runs it
    assert undone.kind == changes.UNDO and undone.undone_batch_id == first.batch_id
    assert undone.image_ids == first.image_ids and heard[-1] is undone
    assert undone.batch_id is not None and undone.batch_id != first.batch_id
    labels = project.images().set_index("path").label
    assert labels["_unlabeled/u1.png"] == "dog"  # bob's stands


def test_a_scan_is_published_as_everything_changed(project, heard):
    project.scan(workers=1)
    assert [c.kind for c in heard] == [changes.SCAN] and heard[0].all_images


def test_a_failing_listener_does_not_stop_the_write_or_the_others(project, heard):
    def broken(_: Changes) -> None:
        raise RuntimeError("a view that broke")

    project.events.subscribe(broken)
    later: list[Changes] = []
    project.events.subscribe(later.append)
    written = project.set_label("_unlabeled/u0.png", "cat")
    assert heard == [written] and later == [written]
    assert project.images().set_index("path").label["_unlabeled/u0.png"] == "cat"


def test_unsubscribe_stops_the_calls_and_is_safe_twice():
    hub = ProjectEvents()
    got: list[Changes] = []
    stop = hub.subscribe(got.append)
    hub.publish(Changes(kind=changes.LABEL, batch_id=1, image_ids=(3,)))
    stop()
    stop()
    hub.publish(Changes(kind=changes.LABEL, batch_id=2, image_ids=(4,)))
    assert [c.batch_id for c in got] == [1]


def test_publish_from_several_threads_reaches_every_listener():
    hub = ProjectEvents()
    got: list[int] = []
    lock = threading.Lock()

    def listen(c: Changes) -> None:
        with lock:
            got.append(c.image_ids[0])

    hub.subscribe(listen)
    threads = [
        threading.Thread(
            target=lambda n=n: hub.publish(Changes(kind=changes.STATUS, image_ids=(n,)))
        )
        for n in range(20)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(got) == list(range(20))


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="unknown kind"):
        Changes(kind="relabel")
