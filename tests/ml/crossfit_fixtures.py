"""A small project embedded with a tiny real timm network (fine-tunable in seconds)."""

from __future__ import annotations

from pathlib import Path

from helpers import write_image

from labeldesk.core.create import create_and_index
from labeldesk.core.project import Project
from labeldesk.ml.embed import embed_project

from .test_finetune_unreadable import tiny_timm_backbone

CLASSES = ("red", "green", "blue")


def embedded_colours(tmp_path: Path) -> tuple[Project, Path]:
    """train/{red,green,blue}: 6 random textures each, plus 3 unlabeled, embedded at
    32 px with timm's randomly initialised test_efficientnet (saved as a checkpoint, so a
    child process loads the same network from the store's model spec)."""
    root = tmp_path / "images"
    for n, name in enumerate(CLASSES):
        for i in range(6):
            path = root / "train" / name / f"{i}.png"
            write_image(path, size=(24, 24), fmt="PNG", seed=6 * n + i)
    for i in range(3):
        write_image(root / "_unlabeled" / f"u{i}.png", size=(24, 24), fmt="PNG", seed=100 + i)
    project, _ = create_and_index(tmp_path / "proj", root, workers=1)
    tiny_timm_backbone(tmp_path)
    embed_project(project, f"{tmp_path / 'tiny.safetensors'}:32", device="cpu")
    return project, root
