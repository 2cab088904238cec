from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

# Real photographs shipped inside the scikit-image wheel (no download).
PHOTOS = (
    "astronaut",
    "chelsea",
    "coffee",
    "rocket",
    "retina",
    "horse",
    "camera",
    "coins",
    "moon",
    "brick",
    "grass",
    "motorcycle_left",
    "hubble_deep_field",
    "ihc",
)


def skimage_photo(name: str) -> Image.Image:
    import skimage.data
    from skimage import io

    folder = Path(skimage.data.__file__).parent
    path = next(folder.glob(f"{name}.*"))
    arr = io.imread(path)
    if arr.ndim == 2:
        arr = np.stack([arr] * 3, axis=-1)
    return Image.fromarray(arr[..., :3].astype(np.uint8))


@pytest.fixture(scope="session")
def backbone():
    from labeldesk.ml.backbones import load_backbone

    return load_backbone()


@pytest.fixture
def photo_root(tmp_path: Path) -> Path:
    """train/<name>/<name>.jpg for the first 10 photos; the rest under _unlabeled/."""
    root = tmp_path / "photos"
    for i, name in enumerate(PHOTOS):
        folder = root / ("train" if i < 10 else "_unlabeled") / (name if i < 10 else "")
        folder.mkdir(parents=True, exist_ok=True)
        img = skimage_photo(name)
        img.thumbnail((320, 320))
        img.save(folder / f"{name}.jpg", quality=92)
    return root
