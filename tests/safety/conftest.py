from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from safety.killed_runs import REPO, run, tree

FASHION = REPO / "sample_data" / "fashion"


def copy_fashion(to: Path, every: int = 1) -> Path:
    """The bundled sample (600 28x28 PNGs in train/test/_unlabeled), or every Nth file."""
    files = sorted(p for p in FASHION.rglob("*.png"))
    for path in files[::every]:
        dest = to / path.relative_to(FASHION)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, dest)
    return to


@pytest.fixture
def small(tmp_path: Path) -> tuple[Path, Path, dict[str, str]]:
    """(project, image folder, the folder's tree) for 60 of the sample's images."""
    images = copy_fashion(tmp_path / "images", every=10)
    run(["new", tmp_path / "proj", "--images", images])
    return tmp_path / "proj", images, tree(images)


def theirs(folder: Path) -> dict[str, str]:
    """A folder holding a person's files, some named as LabelDesk names its own."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "notes.txt").write_text("mine")
    (folder / "other" / "sub").mkdir(parents=True)
    (folder / "other" / "sub" / "a.png").write_bytes(b"not an export")
    lookalike = folder / ".out.partial-1-abcdef"  # named like a staging folder, not one
    lookalike.mkdir()
    (lookalike / "keep.txt").write_text("mine too")
    return tree(folder)
