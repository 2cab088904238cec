from __future__ import annotations

import pandas as pd
import pytest

from labeldesk.core.errors import NothingToUndoError, UnknownClassError, UnknownPathError
from labeldesk.core.labels import state_as_of


def label_of(project, path):
    label = project.images().set_index("path").label[path]
    return None if pd.isna(label) else label


def test_set_label_records_an_event_and_updates_state(project):
    project.set_label("_unlabeled/u0.png", "cat")
    assert label_of(project, "_unlabeled/u0.png") == "cat"
    event = project.history("_unlabeled/u0.png")[0]
    assert (event.old_label, event.new_label, event.source) == (None, "cat", "human")
    assert event.created_at > 0


def test_each_change_records_who_made_it(project, monkeypatch, capsys):
    import json

    from labeldesk.cli import main
    from labeldesk.core import labels

    monkeypatch.setenv("LABELDESK_USER", "alice")
    project.set_label("_unlabeled/u0.png", "cat")
    monkeypatch.delenv("LABELDESK_USER")
    monkeypatch.setattr(labels.getpass, "getuser", lambda: "bob")  # the account name
    project.set_label("_unlabeled/u1.png", "dog")
    assert project.history("_unlabeled/u0.png")[0].author == "alice"
    assert project.history("_unlabeled/u1.png")[0].author == "bob"

    def no_account() -> str:
        raise OSError("no passwd entry")

    monkeypatch.setattr(labels.getpass, "getuser", no_account)
    project.set_label("_unlabeled/u1.png", "cat")
    assert project.history("_unlabeled/u1.png")[0].author is None
    assert main(["history", str(project.path), "_unlabeled/u0.png", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["author"] == "alice"


def test_unknown_class_is_refused_unless_allowed(project):
    with pytest.raises(UnknownClassError, match="bird"):
        project.set_label("_unlabeled/u0.png", "bird")
    assert label_of(project, "_unlabeled/u0.png") is None
    project.set_label("_unlabeled/u0.png", "bird", create_class=True)
    assert project.classes() == ["cat", "dog", "bird"]


def test_bulk_labels_apply_all_or_nothing(project):
    with pytest.raises(UnknownPathError) as err:
        project.set_labels({"_unlabeled/u0.png": "cat", "nope.jpg": "dog"})
    assert err.value.paths == ["nope.jpg"]
    assert label_of(project, "_unlabeled/u0.png") is None


def test_undo_reverts_the_last_batch_then_the_one_before(project):
    project.set_labels({"_unlabeled/u0.png": "cat", "_unlabeled/u1.png": "dog"})
    project.set_label("train/cat/cat0.jpg", "dog", source="suggestion")
    project.undo()
    assert label_of(project, "train/cat/cat0.jpg") == "cat"
    assert label_of(project, "_unlabeled/u1.png") == "dog"
    project.undo()
    assert label_of(project, "_unlabeled/u0.png") is None
    assert label_of(project, "_unlabeled/u1.png") is None
    # Only the folder import is left: a plain undo leaves it alone, on request it goes too.
    with pytest.raises(NothingToUndoError):
        project.undo()
    project.undo(sources=("import", "human", "suggestion"))
    assert project.images().label.isna().all()
    with pytest.raises(NothingToUndoError):
        project.undo(sources=("import",))


def test_past_state_can_be_rebuilt(project):
    project.set_label("train/cat/cat0.jpg", "dog")
    mark = project.history(limit=1)[0].id
    project.set_label("train/cat/cat0.jpg", "cat")
    project.set_label("train/dog/dog0.jpg", "cat")
    ids = project.ids_for(["train/cat/cat0.jpg", "train/dog/dog0.jpg"])
    past = state_as_of(project.db, mark)  # (label, status, split)
    assert past[ids["train/cat/cat0.jpg"]][0] == "dog"
    assert past[ids["train/dog/dog0.jpg"]][0] == "dog"
    assert state_as_of(project.db, 0)[ids["train/dog/dog0.jpg"]][0] is None


def test_verified_is_cleared_when_the_label_changes_and_excluded_is_kept(project):
    project.set_status(["train/cat/cat0.jpg"], "verified")
    project.set_status(["train/cat/cat1.jpg"], "excluded")
    project.set_labels({"train/cat/cat0.jpg": "dog", "train/cat/cat1.jpg": "dog"})
    frame = project.images().set_index("path")
    assert frame.status.isna()["train/cat/cat0.jpg"]
    assert frame.status["train/cat/cat1.jpg"] == "excluded"
    project.undo()
    assert project.images().set_index("path").status["train/cat/cat0.jpg"] == "verified"


def test_no_op_changes_write_no_batch(project):
    written = project.set_label("train/cat/cat0.jpg", "cat")
    assert written.batch_id is None and written.image_ids == () and not written


def test_labeled_image_without_split_counts_as_train(project):
    project.set_label("_unlabeled/u2.png", "dog")
    stats = project.stats()
    assert stats["classes"]["dog"]["train"] == 5
    assert stats["splits"]["none"] == 2
