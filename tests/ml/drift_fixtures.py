"""Image folders for drift tests: classes of small pictures whose tiny-backbone vectors
(the image pooled to 4x4x3, tests/ml/tiny_backbone.py) differ by class, a project embedded
with that backbone (registered under a name, so the CLI finds it too), and new folders
drawn like the project, with a new class, or with inverted images."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageOps

from labeldesk.core.create import create_and_index
from labeldesk.core.project import Project
from labeldesk.ml.backbones import BACKBONES
from labeldesk.ml.embed import embed_project
from ml.tiny_backbone import tiny_backbone

TINY = "drift-tiny"
SIDE = 32
RUN = {"device": "cpu", "runtime": "torch", "permutations": 200}  # a report's options here


def register_tiny() -> None:
    if TINY not in BACKBONES:
        BACKBONES.register(TINY)(tiny_backbone)


def class_patterns(n_classes: int, seed: int = 0) -> np.ndarray:
    """A 4x4 RGB layout per class (values 40..215), the same for every folder."""
    rng = np.random.default_rng(seed)
    return rng.uniform(40, 215, size=(n_classes, 4, 4, 3))


def picture(pattern: np.ndarray, rng: np.random.Generator) -> Image.Image:
    """The pattern blown up to SIDE px, with per-cell jitter and pixel noise."""
    cells = pattern + rng.normal(0, 30, size=pattern.shape)
    big = np.kron(cells, np.ones((SIDE // 4, SIDE // 4, 1)))
    big = big + rng.normal(0, 12, size=big.shape)
    return Image.fromarray(np.clip(big, 0, 255).astype(np.uint8))


def write_class(folder: Path, pattern: np.ndarray, count: int, seed: int, stem: str) -> list[str]:
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    names = []
    for i in range(count):
        name = f"{stem}{i:03d}.png"
        picture(pattern, rng).save(folder / name)
        names.append(name)
    return names


def make_project(tmp_path: Path, n_classes: int = 3, per_class: int = 60) -> Project:
    """train/<class>/ (per_class each) + test/<class>/ (10 each), embedded with the tiny
    backbone (torch runtime)."""
    register_tiny()
    patterns = class_patterns(n_classes + 1)
    root = tmp_path / "images"
    for c in range(n_classes):
        write_class(root / "train" / f"c{c}", patterns[c], per_class, seed=100 + c, stem="tr")
        write_class(root / "test" / f"c{c}", patterns[c], 10, seed=200 + c, stem="te")
    project, _ = create_and_index(tmp_path / "proj", root, workers=1)
    embed_project(project, TINY, device="cpu", runtime="torch")
    return project


def new_folder(
    target: Path,
    *,
    n_classes: int = 3,
    per_class: int = 20,
    new_class: int = 0,
    inverted: int = 0,
    seed: int = 1,
) -> tuple[Path, list[str]]:
    """New images drawn like the project's (per_class of each class, other noise), plus
    ``new_class`` images of a class the project lacks and ``inverted`` inverted copies of
    fresh project-like images. Returns the folder and the paths of the shifted images."""
    patterns = class_patterns(n_classes + 1)
    shifted: list[str] = []
    for c in range(n_classes):
        write_class(target / f"c{c}", patterns[c], per_class, seed=1000 * seed + c, stem="n")
    if new_class:
        names = write_class(target / "other", patterns[n_classes], new_class, seed + 7, "x")
        shifted += [f"other/{n}" for n in names]
    rng = np.random.default_rng(seed + 11)
    (target / "odd").mkdir(parents=True, exist_ok=True)
    for i in range(inverted):
        img = ImageOps.invert(picture(patterns[i % n_classes], rng))
        img.save(target / "odd" / f"inv{i:03d}.png")
        shifted.append(f"odd/inv{i:03d}.png")
    return target, shifted


def project_fixture(folder_name: str) -> Callable[..., Iterator[Project]]:
    """A module-scoped fixture ``project``: :func:`make_project` in a new folder of that
    name, made once for the test module that says ``project = project_fixture(name)``
    (the drift tests share it, each module with a project of its own)."""

    @pytest.fixture(scope="module", name="project")
    def made_once(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Project]:
        project = make_project(tmp_path_factory.mktemp(folder_name))
        yield project
        project.close()

    return made_once
