"""A fine-tune starts from the model of the project's embeddings. When that model could
not be loaded (a checkpoint moved away, a timm model's weights gone from the cache), it
quietly started from the bundled ImageNet model instead, and its re-embed then made the
project's embeddings with a model nobody chose."""

from __future__ import annotations

import pytest

from labeldesk.core.progress import CancelToken
from labeldesk.ml.embed import embed_project
from labeldesk.ml.errors import BackboneUnavailable
from labeldesk.ml.finetune import FinetuneParams, finetune
from labeldesk.ml.models import list_versions, models_dir
from labeldesk.ml.store import current_key

from .test_finetune_unreadable import tiny_timm_backbone, two_classes  # noqa: F401


def test_a_fine_tune_whose_embedding_model_is_gone_says_so_instead_of_another(
    tmp_path,
    two_classes,  # noqa: F811
):
    project, _ = two_classes
    tiny_timm_backbone(tmp_path)
    checkpoint = tmp_path / "tiny.safetensors"
    embed_project(project, f"{checkpoint}:32", device="cpu")
    key = current_key(project)
    checkpoint.rename(tmp_path / "elsewhere.safetensors")

    with pytest.raises(BackboneUnavailable, match="model of the current embeddings"):
        finetune(project, FinetuneParams(epochs=1, batch_size=4, image_size=32), device="cpu")

    assert list_versions(project) == [] and not any(models_dir(project).glob("*"))
    assert current_key(project) == key


def test_a_fine_tune_whose_re_embed_fails_says_the_version_is_saved_and_how_to_finish(
    tmp_path,
    two_classes,  # noqa: F811
    monkeypatch,
):
    """Only a cancel or Ctrl+C said so; a full disk while re-embedding left the person
    to train again, which tunes the tuned model once more."""
    import errno

    import labeldesk.ml.embed as embed_module
    from labeldesk.core.failures import describe
    from labeldesk.ml.finetune import finetune_and_reembed

    project, _ = two_classes
    tiny_timm_backbone(tmp_path)
    embed_project(project, f"{tmp_path / 'tiny.safetensors'}:32", device="cpu")

    def full_disk(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(project.path / "embeddings"))

    monkeypatch.setattr(embed_module, "embed_project", full_disk)
    with pytest.raises(OSError) as raised:
        finetune_and_reembed(
            project, FinetuneParams(epochs=1, batch_size=4, image_size=32), device="cpu"
        )
    message, kind = describe(raised.value)
    (version,) = list_versions(project)
    assert kind == "DiskFull" and "no space left" in message.lower()
    assert f"version {version.id} is saved" in message and "labeldesk embed" in message


def test_a_fine_tune_turned_down_by_embedding_with_its_base_again_is_not_gone_on_from(
    tmp_path,
    two_classes,  # noqa: F811
):
    """The next fine-tune started from the newest one whatever the person did since: one
    that made things worse, turned down by embedding with the pretrained model again,
    could never be left behind."""
    from labeldesk.ml.finetune import _starting_backbone, finetune_and_reembed

    project, _ = two_classes
    tiny_timm_backbone(tmp_path)
    spec = f"{tmp_path / 'tiny.safetensors'}:32"
    embed_project(project, spec, device="cpu")
    base = current_key(project)
    params = FinetuneParams(epochs=1, batch_size=4, image_size=32)
    tuned = finetune_and_reembed(project, params, device="cpu")
    assert current_key(project) == tuned.embedding_key != base
    assert _starting_backbone(project, CancelToken()).identity.key == tuned.embedding_key  # goes on

    embed_project(project, spec, device="cpu")  # back to the model it started from
    assert current_key(project) == base
    assert _starting_backbone(project, CancelToken()).identity.key == base  # starts over

    kept = finetune(project, params, device="cpu", then_embed=False)  # not re-embedded
    assert current_key(project) == base
    assert _starting_backbone(project, CancelToken()).identity.key == kept.embedding_key  # goes on
