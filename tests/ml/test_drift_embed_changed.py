"""A new-folder image rewritten between drift's probe and its embedding (a folder still
being copied or synced): the new picture must not be stored under the probed content's
hash in the project's store, where every later image with those bytes would inherit it."""

from __future__ import annotations

from pathlib import Path

from helpers import write_image

from labeldesk.core.create import create_and_index
from labeldesk.core.indexed_files import hash_file
from labeldesk.ml import drift_embed
from labeldesk.ml.drift_embed import CHANGED_SINCE_READ, embed_folder
from labeldesk.ml.embed import embed_project
from labeldesk.ml.store import current_store

from .tiny_backbone import tiny_backbone


def test_a_new_image_rewritten_after_its_probe_is_listed_not_stored(tmp_path: Path, monkeypatch):
    # 16 px: below the tiny model's 32-px input, so the originals are read again
    root, new = tmp_path / "images", tmp_path / "new"
    for i in range(4):
        write_image(root / f"p{i}.png", size=(16, 16), fmt="PNG", seed=i)
    for i in range(3):
        write_image(new / f"n{i}.png", size=(16, 16), fmt="PNG", seed=100 + i)
    project, _ = create_and_index(tmp_path / "proj", root, workers=1)
    backbone = tiny_backbone()
    embed_project(project, backbone=backbone, runtime="torch", device="cpu")
    probed_hash = hash_file(new / "n0.png")
    real_list = drift_embed.list_folder

    def list_then_rewrite(*args, **kwargs):
        listed = real_list(*args, **kwargs)
        write_image(new / "n0.png", size=(16, 16), fmt="PNG", seed=999)  # a sync finishes
        return listed

    monkeypatch.setattr(drift_embed, "list_folder", list_then_rewrite)
    got = embed_folder(project, new, backbone=backbone, device="cpu", runtime="torch")

    assert {"path": "n0.png", "reason": CHANGED_SINCE_READ} in got.unreadable
    assert got.paths == ["n1.png", "n2.png"] and got.embedded == 2
    assert current_store(project).rows_for([probed_hash])[0] == -1  # nothing under its hash
    project.close()
