"""A comparison's first rows with its whole counts (what the app shows), and the notebook
API's ways to look at a big one without holding it: ``limit=`` and
``ld.open_version_diff`` read back a row at a time."""

from __future__ import annotations

import sqlite3

import pytest

import labeldesk as ld
from labeldesk.core import version_diff
from labeldesk.core.errors import BadArgument
from labeldesk.core.version_diff import diff, diff_head
from labeldesk.core.versions import create_version, find_state

UNLABELED = ["_unlabeled/u0.png", "_unlabeled/u1.png", "_unlabeled/u2.png"]


@pytest.fixture
def changed(project):
    """v1, then three images labeled (so put in train), two relabeled, one excluded."""
    create_version(project.db, "v1")
    project.set_labels(dict.fromkeys(UNLABELED, "dog"))
    project.set_labels({"train/cat/cat0.jpg": "dog", "val/dog/dog1.jpg": "cat"})
    project.set_status(["test/cat/cat1.jpg"], "excluded")
    return project


def test_the_head_keeps_the_whole_counts_and_the_first_rows(changed):
    a, b = find_state(changed.db, "v1"), find_state(changed.db, "current")
    whole = diff(changed.db, a, b)
    head = diff_head(changed.db, a, b, 2)
    assert whole.counts()["labels_changed"] == 5
    assert head.counts() == whole.counts()
    for kind in whole.KINDS:
        assert getattr(head, kind) == getattr(whole, kind)[:2]
    assert head.to_json()["counts"] == whole.to_json()["counts"]
    assert "  … and 3 more" in head.to_text(limit=2)
    assert head.to_text(limit=2) == whole.to_text(limit=2)


def test_the_api_limits_the_lists_not_the_counts(changed):
    whole = ld.version_diff(changed, "v1")
    limited = ld.version_diff(changed, "v1", limit=1)
    assert limited["counts"] == whole["counts"]
    assert limited["labels_changed"] == whole["labels_changed"][:1]
    assert len(whole["labels_changed"]) == 5
    nothing = ld.version_diff(changed, "v1", "current", limit=0)
    assert nothing["counts"] == whole["counts"]
    assert all(nothing[kind] == [] for kind in whole["counts"])


@pytest.mark.parametrize("limit", [-1, "2", 1.5, True])
def test_a_limit_that_is_not_a_count_of_rows_is_refused(changed, limit):
    with pytest.raises(BadArgument, match="limit must be a whole number"):
        ld.version_diff(changed, "v1", limit=limit)


def test_an_opened_diff_reads_the_same_rows_a_chunk_at_a_time(changed, monkeypatch):
    monkeypatch.setattr(version_diff, "CHUNK", 2)
    whole = ld.version_diff(changed, "v1")
    with ld.open_version_diff(changed, "v1") as listing:
        assert listing.counts == whole["counts"]
        for kind in whole["counts"]:
            assert list(listing.rows(kind)) == whole[kind]
        assert list(listing.rows("labels_changed", 2)) == whole["labels_changed"][:2]
        document = {k: list(v) if k in whole["counts"] else v for k, v in listing.document()}
        assert document == whole
    with pytest.raises(sqlite3.ProgrammingError):  # closed: its scratch file is gone
        list(listing.rows("labels_changed"))


def test_rows_of_one_label_share_its_text(changed):
    rows = ld.version_diff(changed, "v1")["labels_changed"]
    dogs = [row["new"] for row in rows if row["new"] == "dog"]
    assert len(dogs) == 4 and all(d is dogs[0] for d in dogs)


def test_an_unknown_version_is_said_before_anything_is_opened(changed):
    with pytest.raises(ld.LabelDeskError, match="v9"):
        ld.open_version_diff(changed, "v9")


def test_an_opened_diffs_rows_refuse_an_unknown_kind_or_a_negative_limit(changed):
    # (a misspelt kind was a bare KeyError at the first row read; a negative limit gave
    # every row of most kinds but all but the last of classes_renamed)
    with ld.open_version_diff(changed, "v1") as listing:
        with pytest.raises(BadArgument, match=r"no kind of change 'label_changed'.*labels_changed"):
            listing.rows("label_changed")
        for kind in ("labels_changed", "classes_renamed"):
            with pytest.raises(BadArgument, match="limit must be a whole number"):
                listing.rows(kind, -1)
        assert len(list(listing.rows("labels_changed", 2))) == 2
