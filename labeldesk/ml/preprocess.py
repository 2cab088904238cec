"""Turning image files into model-ready pixel arrays, off the model's thread."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from labeldesk.core.imageio import load_rgb

from .backbones import Preprocess


def prepare(path: Path, pre: Preprocess) -> np.ndarray:
    """Decode, resize the short side to ``pre.size``, centre-crop: uint8 array (size, size, 3).

    JPEGs decode at a reduced DCT scale that still covers the target, so a 12 MP photo
    costs little more than a thumbnail.
    """
    size = pre.size
    img = load_rgb(path, draft=(size, size))
    width, height = img.size
    scale = size / min(width, height)
    new = (max(size, round(width * scale)), max(size, round(height * scale)))
    if new != img.size:
        img = img.resize(new, Image.Resampling.BILINEAR, reducing_gap=None)
    left, top = (new[0] - size) // 2, (new[1] - size) // 2
    img = img.crop((left, top, left + size, top + size))
    return np.array(img, dtype=np.uint8)  # a writable copy, as torch.from_numpy wants


def to_tensor(batch: np.ndarray, pre: Preprocess, device: str) -> Any:
    """uint8 (N, H, W, 3) -> normalised float (N, 3, H, W) in channels_last on ``device``."""
    import torch

    x = torch.from_numpy(batch).to(device, non_blocking=True)
    x = x.permute(0, 3, 1, 2).float().div_(255.0)
    mean = torch.tensor(pre.mean, device=device).view(1, 3, 1, 1)
    std = torch.tensor(pre.std, device=device).view(1, 3, 1, 1)
    x = (x - mean) / std
    return x.contiguous(memory_format=torch.channels_last)
