from __future__ import annotations

import numpy as np
import pytest
import torch

from labeldesk.ml.backbones import DEFAULT_BACKBONE, load_backbone
from labeldesk.ml.errors import BackboneUnavailable
from labeldesk.ml.preprocess import prepare, to_tensor

from .conftest import skimage_photo


def test_default_backbone_is_offline_and_recognises_a_cat(backbone, tmp_path):
    from timm.data import ImageNetInfo

    path = tmp_path / "chelsea.png"
    skimage_photo("chelsea").save(path)
    x = to_tensor(
        prepare(path, backbone.identity.preprocess)[None], backbone.identity.preprocess, "cpu"
    )
    with torch.inference_mode():
        logits = backbone.classifier(backbone.model(x))
    top5 = [ImageNetInfo().index_to_description(int(i)) for i in logits[0].topk(5).indices]
    assert {"Egyptian cat", "tabby, tabby cat", "tiger cat"} & set(top5[:3]), top5
    assert backbone.dim == 1280


def test_same_image_same_vector(backbone, tmp_path):
    path = tmp_path / "coffee.png"
    skimage_photo("coffee").save(path)
    pre = backbone.identity.preprocess
    with torch.inference_mode():
        a = backbone.model(to_tensor(prepare(path, pre)[None], pre, "cpu"))
        b = backbone.model(to_tensor(prepare(path, pre)[None], pre, "cpu"))
    assert torch.equal(a, b)


def test_identity_is_stable_and_names_the_weights(backbone):
    again = load_backbone(DEFAULT_BACKBONE)
    assert again.identity == backbone.identity
    assert len(backbone.identity.weights_sha256) == 64
    assert backbone.identity.preprocess.mean == (0.5, 0.5, 0.5)


def test_uncached_timm_model_fails_fast_with_instructions(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path))  # an empty cache
    with pytest.raises(BackboneUnavailable, match="not in the local cache"):
        load_backbone("resnet18")
    with pytest.raises(BackboneUnavailable, match="unknown model"):
        load_backbone("no_such_model_xyz")


def test_safetensors_checkpoint_round_trip(backbone, tmp_path):
    from safetensors.torch import save_file

    path = tmp_path / "ft.safetensors"
    state = {k: v.contiguous() for k, v in backbone.model.state_dict().items()}
    save_file(state, str(path), metadata={"architecture": "tf_efficientnet_lite0"})
    loaded = load_backbone(str(path))
    assert loaded.identity.weights_sha256 == backbone.identity.weights_sha256
    assert loaded.identity.architecture == "tf_efficientnet_lite0"
    x = torch.zeros(1, 3, 224, 224)
    with torch.inference_mode():
        assert torch.allclose(loaded.model(x), backbone.model(x), atol=1e-6)


def test_checkpoint_without_architecture_is_explained(backbone, tmp_path):
    from safetensors.torch import save_file

    path = tmp_path / "bare.safetensors"
    save_file({"w": torch.zeros(2)}, str(path))
    with pytest.raises(BackboneUnavailable, match="ARCH@"):
        load_backbone(str(path))


def test_pickled_checkpoints_are_not_executed(tmp_path):
    path = tmp_path / "evil.pt"

    class Boom:
        def __reduce__(self):
            return (print, ("executed",))

    torch.save({"x": Boom()}, path)
    with pytest.raises(BackboneUnavailable, match="not a plain state dict"):
        load_backbone(f"tf_efficientnet_lite0@{path}")


def test_prepare_is_square_and_uint8(photo_root, backbone):
    arr = prepare(next(photo_root.rglob("*.jpg")), backbone.identity.preprocess)
    assert arr.shape == (224, 224, 3) and arr.dtype == np.uint8


def test_timm_model_in_the_local_cache_loads_offline(tmp_path, monkeypatch):
    """A hub-cache layout as `timm.create_model(..., pretrained=True)` leaves it."""
    import timm
    from safetensors.torch import save_file

    from labeldesk.ml.backbones import cached_weights

    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    name = "mobilenetv3_small_050"
    repo = timm.models.get_pretrained_cfg(name).hf_hub_id
    folder = tmp_path / "hub" / f"models--{repo.replace('/', '--')}"
    (folder / "refs").mkdir(parents=True)
    (folder / "refs" / "main").write_text("abc123")
    snapshot = folder / "snapshots" / "abc123"
    snapshot.mkdir(parents=True)
    torch.manual_seed(1)
    source = timm.create_model(name, pretrained=False)
    save_file(
        {k: v.contiguous() for k, v in source.state_dict().items()},
        str(snapshot / "model.safetensors"),
    )
    assert cached_weights(name) == snapshot / "model.safetensors"
    loaded = load_backbone(name)
    source.reset_classifier(0)
    source.eval()
    x = torch.randn(1, 3, 224, 224)
    with torch.inference_mode():
        assert torch.allclose(loaded.model(x), source(x), atol=1e-5)
    assert loaded.identity.name == name and loaded.classifier is not None
