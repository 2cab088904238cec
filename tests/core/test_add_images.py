"""Copying new images into a project as unlabeled: nothing overwritten, nothing outside."""

from __future__ import annotations

import os

import pandas as pd
import pytest
from helpers import write_image

from labeldesk.core.add_images import batch_folder_name, copy_unlabeled
from labeldesk.core.create import create_and_index
from labeldesk.core.errors import LabelDeskError


def test_copies_become_unlabeled_images_and_the_source_is_untouched(tmp_path):
    root, new = tmp_path / "images", tmp_path / "new batch!"
    write_image(root / "cat" / "a.png", fmt="PNG")
    for rel in ("x.png", "sub/y.png"):
        write_image(new / rel, fmt="PNG", seed=3)
    before = sorted(p.relative_to(new).as_posix() for p in new.rglob("*"))
    project, _ = create_and_index(tmp_path / "p", root, workers=1)
    try:
        batch = batch_folder_name(new)
        assert batch == "new_batch"
        added = copy_unlabeled(project.root, new, ["x.png", "sub/y.png"], batch)
        assert added.paths == ["_unlabeled/new_batch/x.png", "_unlabeled/new_batch/sub/y.png"]
        assert added.skipped == []
        project.scan()
        frame = project.images().set_index("path")
        assert pd.isna(frame.loc["_unlabeled/new_batch/sub/y.png", "label"])
        assert sorted(p.relative_to(new).as_posix() for p in new.rglob("*")) == before

        again = copy_unlabeled(project.root, new, ["x.png"], batch)  # never overwrites
        assert again.paths == ["_unlabeled/new_batch/x-2.png"]
    finally:
        project.close()


def test_paths_leaving_the_folder_links_and_missing_files_are_skipped(tmp_path):
    root, new = tmp_path / "images", tmp_path / "new"
    write_image(new / "ok.png", fmt="PNG")
    write_image(tmp_path / "secret.png", fmt="PNG")
    os.symlink(tmp_path / "secret.png", new / "link.png")
    rels = ["../secret.png", "/etc/passwd", "link.png", "gone.png", "ok.png"]
    added = copy_unlabeled(root, new, rels, "new")
    assert added.paths == ["_unlabeled/new/ok.png"]
    assert [r for r, _ in added.skipped] == rels[:4]
    assert not (root / "secret.png").exists() and not (root / "_unlabeled/new/link.png").exists()
    with pytest.raises(LabelDeskError, match="folder name"):
        copy_unlabeled(root, new, ["ok.png"], "../escape")
