"""A review pass while a rescan moves or removes its images: the pass follows moved
images by id, drops removed ones (counted as gone) and can always finish."""

from __future__ import annotations

import pytest

from browse.review_items import CAT0, CAT1, CAT2, issues, label_of


@pytest.mark.parametrize(
    "key",
    [
        lambda s: s.accept(),
        lambda s: s.keep(),
        lambda s: s.exclude(),
        lambda s: s.assign("dog"),
    ],
    ids=["accept", "keep", "exclude", "number"],
)
def test_a_key_on_a_removed_image_drops_it_and_the_pass_finishes(project, key):
    session = issues(project, CAT0, CAT1)
    session.accept()
    (project.root / CAT1).unlink()
    project.scan(workers=1)  # the session is not told: the key finds out
    assert session.current is not None and session.current.path == CAT1
    text = key(session)
    assert text == f"{CAT1} is no longer in the image folder: left out of this review"
    assert session.finished
    assert (session.reviewed, session.remaining, session.gone) == (1, 0, [CAT1])
    assert session.counter_text() == "reviewed 1 / remaining 0 · 1 gone from the folder"
    assert label_of(project, CAT0) == "dog"  # the key decided nothing else


def test_after_a_scan_moved_images_are_followed_and_removed_ones_dropped(project):
    session = issues(project, CAT0, CAT1, CAT2)
    session.keep()  # CAT0 decided, CAT1 on screen
    (project.root / CAT0).rename(project.root / "train/cat/renamed0.jpg")
    (project.root / CAT1).unlink()
    (project.root / CAT2).rename(project.root / "train/cat/renamed2.jpg")
    project.scan(workers=1)
    session.follow_scan()
    assert [item.path for item in session.items] == [
        "train/cat/renamed0.jpg",
        "train/cat/renamed2.jpg",
    ]
    assert session.decisions == {"train/cat/renamed0.jpg": "keep"}  # still reviewed
    assert session.current is not None and session.current.path == "train/cat/renamed2.jpg"
    assert (session.reviewed, session.remaining, session.gone) == (1, 1, [CAT1])
    session.accept()
    assert label_of(project, "train/cat/renamed2.jpg") == "dog"
    assert session.finished
    assert session.undo() == "Undid “train/cat/renamed2.jpg → dog”"
    assert label_of(project, "train/cat/renamed2.jpg") == "cat"
    assert session.current is not None and session.current.path == "train/cat/renamed2.jpg"


def test_a_key_on_a_moved_image_acts_on_it_at_its_new_path(project):
    session = issues(project, CAT0, CAT1)
    (project.root / CAT0).rename(project.root / "train/cat/moved.jpg")
    project.scan(workers=1)
    assert session.accept() == "train/cat/moved.jpg → dog"
    assert label_of(project, "train/cat/moved.jpg") == "dog"
    assert session.current is not None and session.current.path == CAT1
    assert session.gone == []


def test_the_image_on_screen_stays_when_a_scan_removes_another(project):
    session = issues(project, CAT0, CAT1, CAT2)
    (project.root / CAT2).unlink()
    project.scan(workers=1)
    shown = session.current
    session.follow_scan()
    assert session.current is shown and session.index == 0
    assert session.counter_text() == "reviewed 0 / remaining 2 · 1 gone from the folder"


def test_items_missing_when_the_pass_starts_are_gone_from_the_start(project):
    session = issues(project, "train/cat/not-there.jpg", CAT0)
    assert [item.path for item in session.items] == [CAT0]
    assert session.gone == ["train/cat/not-there.jpg"]
    assert session.current is not None and session.current.path == CAT0


def test_a_file_replaced_in_place_loses_the_suggestion_made_for_its_old_picture(project):
    """A rescan keeps the id (and path) of a file edited or replaced in place: Enter must
    not give the new picture the class the model saw in the old one."""
    from helpers import write_image

    from labeldesk.browse.review_session import ReviewItem, ReviewSession

    session = issues(project, CAT0, CAT1)
    queue = ReviewSession(project, "queue", [ReviewItem("_unlabeled/u0.png", None, "dog", 0.5)])
    write_image(project.root / CAT0, size=(64, 48), seed=4242)  # another picture
    write_image(project.root / "_unlabeled/u0.png", size=(32, 32), seed=4243, fmt="PNG")
    project.scan(workers=1)
    for each in (session, queue):
        each.follow_scan()
        assert each.current is not None and each.current.suggested is None
        assert each.accept().startswith("No prediction for this image yet")
    assert label_of(project, CAT0) == "cat" and label_of(project, "_unlabeled/u0.png") is None
    session.keep()  # the person still decides it, by looking
    assert session.current is not None and session.current.suggested == "dog"  # CAT1: as made
