"""`p.set_label` / `p.set_labels` on a file the scan skips (not an image, a link out of
the image folder) wrote a label that counted nowhere (not in stats, not exported), while
`labeldesk label` and `import` refuse it. The API now refuses it too: SkippedFileError
naming the file and the scan's reason, and nothing written (all or nothing)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from helpers import make_imagefolder, write_image

import labeldesk as ld
from labeldesk.core.errors import LabelDeskError, SkippedFileError


@pytest.fixture
def with_skipped(tmp_path: Path):
    images = tmp_path / "images"
    make_imagefolder(images)
    outside = write_image(tmp_path / "elsewhere" / "o.png", fmt="PNG", seed=7)
    (images / "_unlabeled" / "link.png").symlink_to(outside)
    (images / "_unlabeled" / "notes.jpg").write_text("not an image at all\n" * 20)
    p = ld.new_project(tmp_path / "p", images, progress=False)
    found = p.images().dropna(subset=["skip_reason"])
    reasons = dict(zip(found.path, found.skip_reason, strict=True))
    assert set(reasons) == {"_unlabeled/link.png", "_unlabeled/notes.jpg"}
    yield p, reasons
    p.close()


def state(p):
    events = p.db.scalar("SELECT MAX(id) FROM label_events")
    return events, p.stats()["labeled"], p.images(include_skipped=True).label.to_dict()


def test_a_label_for_a_skipped_file_is_refused_naming_it_and_why(with_skipped):
    p, reasons = with_skipped
    before = state(p)
    with pytest.raises(SkippedFileError) as refused:
        p.set_label("_unlabeled/notes.jpg", "cat")
    said = str(refused.value)
    assert "_unlabeled/notes.jpg" in said and reasons["_unlabeled/notes.jpg"] in said
    assert "nothing written" in said and isinstance(refused.value, LabelDeskError)
    assert state(p) == before


def test_a_batch_naming_one_is_refused_whole(with_skipped):
    p, reasons = with_skipped
    before = state(p)
    with pytest.raises(SkippedFileError) as refused:
        p.set_labels({"_unlabeled/u0.png": "dog", "_unlabeled/link.png": "cat"})
    assert refused.value.skipped == {"_unlabeled/link.png": reasons["_unlabeled/link.png"]}
    assert state(p) == before  # u0.png not labeled either: all or nothing
    # the usable image alone is labeled as before
    assert p.set_labels({"_unlabeled/u0.png": "dog"}).image_ids


def test_removing_a_label_from_a_skipped_file_still_works(tmp_path):
    """A label given while the file was an image, kept when it went bad: it can go."""
    images = tmp_path / "images"
    make_imagefolder(images)
    with ld.new_project(tmp_path / "p", images, progress=False) as p:
        p.set_label("_unlabeled/u0.png", "cat")
        (images / "_unlabeled" / "u0.png").write_text("not an image any more\n" * 20)
        p.scan(progress=False)
        assert p.skip_reason("_unlabeled/u0.png")
        with pytest.raises(SkippedFileError):
            p.set_label("_unlabeled/u0.png", "dog")
        assert p.set_label("_unlabeled/u0.png", None).image_ids
        assert pd.isna(p.images().set_index("path").label["_unlabeled/u0.png"])
