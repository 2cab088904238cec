"""An embedding run on a project whose every usable image has a vector ends at once,
saying so, without loading the model (it took seconds, then said "0 computed")."""

from __future__ import annotations

import json

import pytest
from helpers import write_image

from labeldesk.cli import main
from labeldesk.ml import embed as embed_module
from labeldesk.ml.embed import embed_project
from ml.fake_embeddings import make_clustered_project


@pytest.fixture
def embedded(tmp_path, monkeypatch):
    """A project whose every image has a vector of the fake model "fake"; loading a
    model fails the test."""

    def no_model(*_args, **_kwargs):
        raise AssertionError("the model was loaded")

    monkeypatch.setattr(embed_module, "load_backbone", no_model)
    monkeypatch.setattr(embed_module, "load_runner", no_model)
    project, _ = make_clustered_project(tmp_path)
    yield project
    project.close()


def test_a_fully_embedded_project_is_reported_without_loading_the_model(embedded):
    usable = len(embedded.images())
    report = embed_project(embedded, device="cpu")
    assert report.up_to_date and not report.cancelled
    assert (report.embedded, report.total, report.failed) == (0, usable, [])
    assert report.model == "fake" and report.device == "" and report.input_size == 224
    assert report.up_to_date_text() == f"All {usable:,} images already have embeddings"
    assert report.to_json()["up_to_date"] is True


def test_the_cli_says_so_too(embedded, capsys):
    usable = len(embedded.images())
    assert main(["embed", str(embedded.path), "--device", "cpu"]) == 0
    out = capsys.readouterr().out
    assert f"All {usable:,} images already have embeddings (fake at 224 px)" in out
    assert main(["embed", str(embedded.path), "--device", "cpu", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["embedded"] == 0 and document["total"] == usable
    assert document["up_to_date"] is True


def test_an_image_without_a_vector_or_another_model_needs_a_real_run(embedded):
    from labeldesk.ml.embed import nothing_to_embed

    assert nothing_to_embed(embedded, "fake") is not None
    # Another model (or input size) than the current embeddings': only it knows its store.
    assert nothing_to_embed(embedded, "efficientnet_lite0") is None
    assert nothing_to_embed(embedded, "fake:160") is None
    write_image(embedded.root / "_unlabeled" / "new.png", size=(8, 8), fmt="PNG", seed=999)
    embedded.scan()
    assert nothing_to_embed(embedded, "fake") is None
    with pytest.raises(AssertionError, match="the model was loaded"):
        embed_project(embedded, device="cpu")  # one image lacks a vector: a real run


def test_embeddings_whose_model_cannot_be_told_need_a_real_run(embedded):
    """spec.json damaged and the identity naming no known model: the default model is
    chosen, whose store only the loaded model knows, so the run loads it."""
    from labeldesk.ml.embed import nothing_to_embed
    from labeldesk.ml.input_size import choose_model_spec
    from labeldesk.ml.store import current_store

    (current_store(embedded).folder / "spec.json").write_text("{")
    spec = choose_model_spec(embedded)
    assert spec == "efficientnet_lite0"
    assert nothing_to_embed(embedded, spec) is None


@pytest.fixture
def no_ray(embedded, monkeypatch):
    """``embedded``, where starting Ray or loading the model for a Ray job fails the test
    (--ray loaded the model and joined the cluster, then found nothing to do)."""
    from labeldesk.ml import ray_embed

    def no_cluster(*_args, **_kwargs):
        raise AssertionError("Ray was started or the model loaded")

    for name in ("import_ray", "check_reachable", "connect", "load_backbone"):
        monkeypatch.setattr(ray_embed, name, no_cluster)
    return embedded


def test_on_ray_too_a_fully_embedded_project_ends_before_ray_or_the_model(no_ray, capsys):
    from labeldesk.ml.ray_embed import embed_on_ray

    usable = len(no_ray.images())
    report = embed_on_ray(no_ray, address="127.0.0.1:1")
    assert report.up_to_date and (report.embedded, report.total) == (0, usable)
    assert report.model == "fake" and report.input_size == 224
    assert main(["embed", str(no_ray.path), "--device", "cpu"]) == 0
    local = capsys.readouterr().out
    assert main(["embed", str(no_ray.path), "--ray", "127.0.0.1:1"]) == 0
    assert capsys.readouterr().out == local  # the same words as a local run's
    assert main(["embed", str(no_ray.path), "--ray", "127.0.0.1:1", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["up_to_date"] is True and document["embedded"] == 0
    assert (document["engine"], document["address"]) == ("ray", "127.0.0.1:1")


def test_a_run_with_nothing_to_do_names_no_engine_it_did_not_run(no_ray, capsys):
    """It said `"runtime": "openvino", "precision": "f32"` (and the device), though no
    engine ran, and the vectors may have been made with another (f32+bf16): null now,
    local and on Ray alike; the text says nothing was computed."""
    assert embed_project(no_ray, device="cpu").to_json()["runtime"] is None
    for extra in ([], ["--ray", "127.0.0.1:1"]):
        assert main(["embed", str(no_ray.path), "--device", "cpu", "--json", *extra]) == 0
        document = json.loads(capsys.readouterr().out)
        assert document["up_to_date"] is True
        assert (document["runtime"], document["precision"], document["device"]) == (None,) * 3
        assert document["model"] == "fake" and document["input_size"] == 224
    assert main(["embed", str(no_ray.path), "--device", "cpu"]) == 0
    text = capsys.readouterr().out
    assert "nothing to compute" in text and "openvino" not in text and "f32" not in text
