"""The network a fine-tune trains (for :mod:`labeldesk.ml.finetune`, and the cross-fit's
probes in :mod:`labeldesk.ml.crossfit_fit`): the backbone's features with a new linear
classifier, which of its layers learn (the last blocks; frozen BatchNorm layers keep their
running statistics), and the checkpoint it is saved as after each epoch, a safetensors
file in timm's own key layout beside a JSON sidecar naming its architecture and
preprocessing, so that ``load_backbone(path)`` turns it into a new embedding identity.
Torch is imported lazily, as the callers do.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .backbones import Backbone, Preprocess
from .models import write_json, write_weights

CHECKPOINT = "model.safetensors"


def classifier(features: Any, dim: int, n_classes: int) -> Any:
    """backbone features -> linear classifier, as one module (torch imported lazily)."""
    import torch

    class Classifier(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.features = features
            self.head = torch.nn.Linear(dim, n_classes)

        def forward(self, x: Any) -> Any:
            return self.head(self.features(x))

    return Classifier()


def is_head(model: Any, param: Any) -> bool:
    return any(param is p for p in model.head.parameters())


def freeze(net: Any, train_blocks: int) -> list[Any]:
    """Freeze all but the last ``train_blocks`` blocks (and what follows them; more than
    the model has: all its blocks, the stem still frozen); return the parameters that
    learn. Models without a ``blocks`` sequence train every layer."""
    params = list(net.parameters())
    blocks = getattr(net, "blocks", None)
    if train_blocks < 0 or blocks is None:
        for p in params:
            p.requires_grad_(True)
        return params
    for p in params:
        p.requires_grad_(False)
    learn: list[Any] = []
    first = max(0, len(blocks) - train_blocks)  # more than it has: every block
    for block in list(blocks)[first:] if train_blocks else []:
        learn += list(block.parameters())
    after = False
    for name, child in net.named_children():  # conv_head, norms, ... after the blocks
        if after:
            learn += list(child.parameters())
        after = after or name == "blocks"
    for p in learn:
        p.requires_grad_(True)
    return learn


def keep_frozen_batchnorm_still(net: Any) -> None:
    """Frozen layers keep their running statistics: BatchNorm in eval mode there."""
    import torch

    for module in net.modules():
        if isinstance(module, torch.nn.modules.batchnorm._BatchNorm) and not any(
            p.requires_grad for p in module.parameters()
        ):
            module.eval()


def save_checkpoint(
    model: Any, base: Backbone, classes: list[str], pre: Preprocess, folder: Path, epoch: int
) -> None:
    """Backbone + classifier weights in timm's own key layout, written atomically."""
    state = {k: v.detach().cpu().contiguous() for k, v in model.features.state_dict().items()}
    state["classifier.weight"] = model.head.weight.detach().cpu().contiguous()
    state["classifier.bias"] = model.head.bias.detach().cpu().contiguous()
    meta = {
        "architecture": base.identity.architecture,
        "name": f"{base.identity.name}-ft-{folder.name}",
        "num_classes": len(classes),
        "classes": classes,
        "epoch": epoch,
        "preprocess": {"size": pre.size, "mean": list(pre.mean), "std": list(pre.std)},
    }
    header = {k: v if isinstance(v, str) else json.dumps(v) for k, v in meta.items()}
    write_weights(folder / CHECKPOINT, state, header)
    write_json(folder / "model.json", meta)


def load_checkpoint(model: Any, folder: Path) -> None:
    from safetensors.torch import load_file

    state = load_file(str(folder / CHECKPOINT))
    model.head.weight.data.copy_(state.pop("classifier.weight"))
    model.head.bias.data.copy_(state.pop("classifier.bias"))
    model.features.load_state_dict(state, strict=False)
