"""A project embedded with a checkpoint of its own (a fine-tuned model under ``models/``)
keeps finding it after the project folder is moved: the store records it relative to the
project, and an absolute path an older version recorded is looked for in the project."""

from __future__ import annotations

import json
import shutil

from helpers import write_image

from labeldesk.core.create import create_and_index
from labeldesk.core.project import open_project
from labeldesk.ml.embed import embed_project
from labeldesk.ml.store import SPEC_NAME, current_store, model_spec

from .test_finetune_unreadable import tiny_timm_backbone


def embedded_with_own_checkpoint(tmp_path):
    root = tmp_path / "images"
    for i in range(4):
        write_image(root / ("cat" if i % 2 else "dog") / f"{i}.png", size=(24, 24), seed=i)
    project, _ = create_and_index(tmp_path / "proj", root, workers=1)
    tiny_timm_backbone(tmp_path)
    checkpoint = project.path / "models" / "run1" / "model.safetensors"
    checkpoint.parent.mkdir(parents=True)
    shutil.copy(tmp_path / "tiny.safetensors", checkpoint)
    embed_project(project, f"{checkpoint}:32", device="cpu")
    folder = current_store(project).folder
    project.close()
    return root, folder.name


def test_a_moved_project_embeds_new_images_with_its_own_checkpoint(tmp_path):
    root, key = embedded_with_own_checkpoint(tmp_path)
    moved = tmp_path / "elsewhere" / "proj"
    shutil.move(tmp_path / "proj", moved)
    spec = json.loads((moved / "embeddings" / key / SPEC_NAME).read_text())
    assert spec == {"spec": "models/run1/model.safetensors:32", "in_project": True}
    write_image(root / "cat" / "new.png", size=(24, 24), seed=9)
    with open_project(moved) as project:
        project.scan(workers=1)
        report = embed_project(project, device="cpu")  # the current model: its checkpoint
        assert report.failed == [] and report.embedded == 1
        assert current_store(project).folder.name == key  # the same store, continued
        assert model_spec(current_store(project)) == f"{moved}/models/run1/model.safetensors:32"


def test_an_absolute_checkpoint_recorded_before_is_found_in_the_moved_project(tmp_path):
    root, key = embedded_with_own_checkpoint(tmp_path)
    old = tmp_path / "proj" / "models" / "run1" / "model.safetensors"
    moved = tmp_path / "moved"
    shutil.move(tmp_path / "proj", moved)
    spec_file = moved / "embeddings" / key / SPEC_NAME
    spec_file.write_text(json.dumps({"spec": f"{old}:32"}))  # as older versions wrote it
    with open_project(moved) as project:
        assert model_spec(current_store(project)) == f"{moved}/models/run1/model.safetensors:32"
        write_image(root / "dog" / "new.png", size=(24, 24), seed=8)
        project.scan(workers=1)
        assert embed_project(project, device="cpu").embedded == 1
