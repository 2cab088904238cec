"""After a fine-tune, `stats` and `embed` named the model by its checkpoint's full path
(*all 16 images embedded (/home/…/models/20261206-…-finetune/model.safetensors)*);
they name it as `models` lists it now, *fine-tuned model #1*, the path left to --json
and to the commands that take it (`embed --model PATH`)."""

from __future__ import annotations

import json

from labeldesk.cli import main
from labeldesk.core.model_versions import model_shown
from labeldesk.ml import runtime
from labeldesk.ml.finetune import finetune_and_reembed
from labeldesk.ml.models import list_versions

from .test_finetune_unfinished import PARAMS, embedded  # noqa: F401
from .test_finetune_unreadable import tiny_timm_backbone, two_classes  # noqa: F401


def test_stats_and_embed_name_the_fine_tune_as_models_does(embedded, capsys, monkeypatch):  # noqa: F811
    monkeypatch.setattr(runtime, "CPU_RUNTIME", "torch")
    project, _ = embedded
    phases: list[str] = []
    finetune_and_reembed(project, PARAMS, device="cpu", progress=lambda p: phases.append(p.message))
    (version,) = list_versions(project)
    checkpoint = str(project.path / version.checkpoint)
    # its re-embedding's phase, a line in a log (it named the path there too)
    assert f"loading fine-tuned model #{version.id}" in phases
    proj = str(project.path)
    assert main(["stats", proj]) == 0
    said = capsys.readouterr().out
    assert f"embeddings: all 16 images embedded (fine-tuned model #{version.id})" in said
    assert ".safetensors" not in said
    assert main(["embed", proj]) == 0
    assert capsys.readouterr().out.strip() == (
        f"All 16 images already have embeddings (fine-tuned model #{version.id} at 32 px): "
        "nothing to compute"
    )
    assert main(["embed", proj, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["model"].startswith(checkpoint)  # the path
    assert main(["stats", proj, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["embeddings"]["model"].startswith(checkpoint)


def test_a_checkpoint_is_named_by_its_run_however_the_spec_spells_it(embedded, monkeypatch):  # noqa: F811
    monkeypatch.setattr(runtime, "CPU_RUNTIME", "torch")
    project, _ = embedded
    finetune_and_reembed(project, PARAMS, device="cpu", reembed=False)
    (version,) = list_versions(project)
    db, root = project.db, project.path
    path = root / version.checkpoint
    name = f"fine-tuned model #{version.id}"
    assert model_shown(db, root, str(path)) == name
    assert model_shown(db, root, f"{path}:48") == f"{name} at 48 px"
    assert model_shown(db, root, f"{path}:48", size=False) == name
    assert model_shown(db, root, f"tf_efficientnet_lite0@{path}") == name
    assert model_shown(db, root, version.checkpoint) == name  # relative to the project
    other = str(root.parent / "tiny.safetensors")  # a checkpoint of no run: as it is
    assert model_shown(db, root, f"{other}:32") == f"{other}:32"
    assert model_shown(db, root, "efficientnet_lite0") == "efficientnet_lite0"
