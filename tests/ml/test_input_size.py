"""The bundled model's input size: smaller for collections of small images, kept once chosen."""

from __future__ import annotations

import json

import numpy as np
import pytest
from helpers import write_image

from labeldesk.cli import main
from labeldesk.core.create import create_and_index
from labeldesk.ml.backbones import (
    DEFAULT_BACKBONE,
    Backbone,
    ModelIdentity,
    Preprocess,
    load_backbone,
    split_input_size,
    with_input_size,
)
from labeldesk.ml.errors import BackboneUnavailable
from labeldesk.ml.input_size import choose_model_spec
from labeldesk.ml.store import SPEC_NAME, current_store, model_spec, open_model_store, use_store


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("efficientnet_lite0:160", ("efficientnet_lite0", 160)),
        ("efficientnet_lite0", ("efficientnet_lite0", None)),
        ("hf-hub:timm/resnet18.a1_in1k", ("hf-hub:timm/resnet18.a1_in1k", None)),
        (r"C:\models\tuned.safetensors", (r"C:\models\tuned.safetensors", None)),
        (
            "tf_efficientnet_lite0@/m/x.safetensors:96",
            ("tf_efficientnet_lite0@/m/x.safetensors", 96),
        ),
    ],
)
def test_a_numeric_suffix_is_the_input_size(spec, expected):
    assert split_input_size(spec) == expected


def test_sizes_out_of_range_are_refused_and_a_size_replaces_an_earlier_one():
    with pytest.raises(BackboneUnavailable, match="out of range"):
        split_input_size("efficientnet_lite0:8")
    assert with_input_size("efficientnet_lite0:160", 128) == "efficientnet_lite0:128"


def _project_of(tmp_path, size, n=6, name="p"):
    root = tmp_path / f"images-{name}"
    for i in range(n):
        write_image(root / "a" / f"{i}.png", size=size, fmt="PNG", seed=i)
    project, _ = create_and_index(tmp_path / name, root, workers=1)
    return project


def _fake_default(size: int) -> Backbone:
    identity = ModelIdentity(DEFAULT_BACKBONE, "fake", "0" * 64, Preprocess(size=size))
    return Backbone(model=None, identity=identity, dim=4)


def test_a_project_keeps_the_model_and_size_of_the_embeddings_it_has(tmp_path):
    project = _project_of(tmp_path, (28, 28))
    try:
        assert choose_model_spec(project) == DEFAULT_BACKBONE  # nothing yet: the bundled one
        store = open_model_store(project, f"{DEFAULT_BACKBONE}:160", _fake_default(160))
        use_store(project, store.folder.name)
        # an empty store decides nothing
        assert choose_model_spec(project) == DEFAULT_BACKBONE
        with store.writer(store.folder, 4) as w:
            w.append(["ab" * 16], np.ones((1, 4), np.float32))
        assert choose_model_spec(project) == f"{DEFAULT_BACKBONE}:160"
        assert choose_model_spec(project, DEFAULT_BACKBONE) == f"{DEFAULT_BACKBONE}:160"
        # an explicit size, and another model, are taken as given
        assert choose_model_spec(project, f"{DEFAULT_BACKBONE}:224") == f"{DEFAULT_BACKBONE}:224"
        assert choose_model_spec(project, "resnet18") == "resnet18"
    finally:
        project.close()


def test_a_damaged_spec_file_is_rebuilt_with_the_input_size(tmp_path):
    project = _project_of(tmp_path, (28, 28))
    try:
        store = open_model_store(project, f"{DEFAULT_BACKBONE}:160", _fake_default(160))
        use_store(project, store.folder.name)
        store = current_store(project)
        (store.folder / SPEC_NAME).write_text("{not json")
        assert model_spec(store) == f"{DEFAULT_BACKBONE}:160"
        assert json.loads((store.folder / SPEC_NAME).read_text())["spec"].endswith(":160")
    finally:
        project.close()


def test_the_sized_model_is_a_new_identity_with_the_same_weights(backbone):
    sized = load_backbone(f"{DEFAULT_BACKBONE}:160")
    assert sized.identity.preprocess.size == 160
    assert sized.identity.weights_sha256 == backbone.identity.weights_sha256
    assert sized.identity.key != backbone.identity.key
    assert load_backbone(f"{DEFAULT_BACKBONE}:224").identity == backbone.identity


def test_embed_keeps_the_input_size_it_was_given_until_told_otherwise(tmp_path, capsys):
    project = _project_of(tmp_path, (28, 28), n=4)
    path, root = str(project.path), project.root
    project.close()
    assert main(["embed", path, "--input-size", "8", "--json"]) == 2
    assert "input-size" in capsys.readouterr().out

    assert main(["embed", path, "--input-size", "96", "--runtime", "torch", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["model"] == f"{DEFAULT_BACKBONE}:96" and report["embedded"] == 4
    assert report["input_size"] == 96
    identity = (tmp_path / "p" / "embeddings" / report["key"] / "identity.json").read_text()
    assert json.loads(identity)["identity"]["preprocess"]["size"] == 96

    # a new image, then a plain embed (as the app runs after a scan): same model and size
    write_image(root / "a" / "new.png", size=(28, 28), fmt="PNG", seed=99)
    assert main(["scan", path, "--json"]) == 0
    capsys.readouterr()
    assert main(["embed", path, "--runtime", "torch", "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert (again["model"], again["key"], again["embedded"]) == (report["model"], report["key"], 1)
