"""``shown_ids``: a write meant for the image a person saw at a path is refused, nothing
written, once the path holds another image (a scan followed swapped files)."""

from __future__ import annotations

import pytest

from labeldesk.core import labels as label_store
from labeldesk.core.errors import ImageMovedError, UnknownPathError

A, B = "train/cat/cat0.jpg", "train/cat/cat1.jpg"


def test_a_path_that_holds_another_image_writes_nothing(project):
    ids = project.ids_for([A, B])
    with pytest.raises(ImageMovedError, match="nothing written") as err:
        project.set_labels({A: "dog"}, shown_ids={A: ids[B]})
    assert isinstance(err.value, UnknownPathError) and err.value.paths == [A]
    with pytest.raises(ImageMovedError):
        project.set_status([A], "excluded", shown_ids={A: ids[B]})
    with pytest.raises(ImageMovedError, match="another picture than the one shown"):
        project.set_splits({A: "test"}, shown_ids={A: ids[B]})
    assert project.images().set_index("path").split[A] == "train"
    states = {s.image_id: (s.label, s.status) for s in project.image_states(ids.values())}
    assert states == {ids[A]: ("cat", None), ids[B]: ("cat", None)}


def test_the_check_holds_inside_the_write(project):
    """A move committed between the lookup and the write is caught in the transaction."""
    ids = project.ids_for([A, B])
    change = [label_store.Change(ids[A], label="dog")]
    with pytest.raises(ImageMovedError):
        label_store.apply_changes(project.db, change, source="human", at={ids[A]: B})
    assert project.image_states([ids[A]])[0].label == "cat"
    batch, changed = label_store.apply_changes(project.db, change, source="human", at={ids[A]: A})
    assert batch is not None and changed == [ids[A]]
