"""A stand-in backbone that embeds in microseconds: tests of the vector store's life
(checks, rebuilds, full disks) run the real runner without EfficientNet on CPU."""

from __future__ import annotations

from labeldesk.ml.backbones import Backbone, ModelIdentity, Preprocess

DIM = 48


def tiny_backbone(seen: list[int] | None = None) -> Backbone:
    """Features: the image pooled to 4×4×3, centred. Different random-texture images get
    nearly orthogonal vectors; the same image always the same one. ``seen`` collects
    the size of each batch the network is given."""
    import torch

    class Pooled(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            if seen is not None:
                seen.append(len(x))
            feats = torch.nn.functional.adaptive_avg_pool2d(x, 4).flatten(1)
            return feats - feats.mean(dim=1, keepdim=True)

    identity = ModelIdentity("tiny", "pooled", "0" * 64, Preprocess(size=32))
    return Backbone(model=Pooled().eval(), identity=identity, dim=DIM)
