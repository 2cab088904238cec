"""A rename or a merge keeps the images' review status; undo brings everything back."""

from __future__ import annotations

import pandas as pd

VERIFIED = ["train/cat/cat0.jpg", "train/cat/cat1.jpg"]


def states(project) -> dict[str, tuple[str | None, str | None]]:
    frame = project.images()
    pairs = zip(frame.path, frame.label.astype(object), frame.status.astype(object), strict=True)
    return {p: (None if pd.isna(lab) else lab, None if pd.isna(s) else s) for p, lab, s in pairs}


def test_rename_keeps_verified_and_undo_restores_all(project):
    project.set_status(VERIFIED, "verified")
    project.set_status(["train/cat/cat2.jpg"], "excluded")
    before = states(project)
    project.rename_class("cat", "kitten")
    after = states(project)
    for path in VERIFIED:
        assert after[path] == ("kitten", "verified")
    assert after["train/cat/cat2.jpg"] == ("kitten", "excluded")
    assert after["train/cat/cat3.jpg"] == ("kitten", None)
    project.undo()
    assert states(project) == before


def test_merge_keeps_verified_and_undo_restores_all(project):
    project.set_status(VERIFIED, "verified")
    project.set_status(["train/dog/dog0.jpg"], "verified")
    before = states(project)
    project.merge_classes("cat", "dog")
    after = states(project)
    for path in [*VERIFIED, "train/dog/dog0.jpg"]:
        assert after[path] == ("dog", "verified")
    project.undo()
    assert states(project) == before


def test_remove_clears_verified_on_the_now_unlabeled_images(project):
    project.set_status(VERIFIED, "verified")
    project.remove_class("cat")
    assert states(project)[VERIFIED[0]] == (None, None)
