"""Fine-tuning with a labeled file gone or damaged since the scan: the run skips it and
reports it, as embedding does; a run that fails leaves no empty version folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import calls_of, write_image

from labeldesk.cli.training import _describe
from labeldesk.core.create import create_and_index
from labeldesk.core.errors import LabelDeskError
from labeldesk.core.progress import CancelToken
from labeldesk.ml import embed_decode
from labeldesk.ml.backbones import Backbone, load_backbone
from labeldesk.ml.finetune import FinetuneParams, finetune
from labeldesk.ml.models import list_versions, models_dir

CHANGED = "changed since the last scan; run `labeldesk scan PROJECT`"
PARAMS = FinetuneParams(epochs=2, batch_size=4, image_size=32, train_blocks=1)


def tiny_timm_backbone(tmp_path: Path) -> Backbone:
    """timm's randomly initialised test_efficientnet as a checkpoint: a real backbone with
    blocks to freeze, saved and reloaded the way fine-tuning's own output is."""
    import timm
    import torch
    from safetensors.torch import save_file

    torch.manual_seed(0)
    model = timm.create_model("test_efficientnet", pretrained=False, num_classes=2)
    path = tmp_path / "tiny.safetensors"
    state = {k: v.contiguous() for k, v in model.state_dict().items()}
    save_file(state, str(path), metadata={"architecture": "test_efficientnet"})
    return load_backbone(str(path))


@pytest.fixture
def two_classes(tmp_path):
    """train/{red,blue}: 6 images each; val/{red,blue}: 2 each (16x16 textures)."""
    root = tmp_path / "images"
    n = 0
    for split, count in (("train", 6), ("val", 2)):
        for name in ("red", "blue"):
            for i in range(count):
                write_image(root / split / name / f"{i}.png", size=(16, 16), fmt="PNG", seed=n)
                n += 1
    project, _ = create_and_index(tmp_path / "proj", root, workers=1)
    yield project, root
    project.close()


def test_a_file_gone_or_damaged_after_the_scan_is_skipped_and_reported(
    two_classes, tmp_path, monkeypatch
):
    project, root = two_classes
    (root / "train/red/0.png").unlink()  # deleted, no rescan
    (root / "train/blue/1.png").write_bytes(b"not a picture any more")  # (changed: its size)
    (root / "val/red/0.png").unlink()
    tried: list[Path] = []  # each read begins by checking the file against the scan
    original = embed_decode.recheck_since_scan

    def counting(path, item, **kwargs):
        tried.append(path)
        return original(path, item, **kwargs)

    monkeypatch.setattr(embed_decode, "recheck_since_scan", counting)
    version = finetune(project, PARAMS, base=tiny_timm_backbone(tmp_path))
    assert version.status == "complete" and len(version.metrics["history"]) == 2
    failed = version.metrics["failed"]
    assert [f["path"] for f in failed] == ["train/blue/1.png", "train/red/0.png", "val/red/0.png"]
    assert failed[1]["reason"] == "its file is not there: moved or deleted since the last scan"
    assert failed[0]["reason"] == CHANGED
    assert version.metrics["train_images"] == 10
    assert version.metrics["eval"]["n"] == 3  # the val image that is gone is left out
    # a bad file is tried once: later epochs no longer read it
    assert tried.count(root / "train/red/0.png") == 1
    assert tried.count(root / "train/red/1.png") == 2
    assert (project.path / version.checkpoint).exists()
    # `labeldesk train --mode finetune` says so in its one-line summary too
    said = _describe(version)
    assert "2 unreadable images skipped, first train/red/0.png" in said
    assert "1 image changed since the last scan skipped, first train/blue/1.png" in said
    # its dataset version is what it could train on: not the three it could not read
    from labeldesk.core.versions import get_version, members

    listed = {p for _, p, _ in members(project.db, get_version(project.db, f"model:{version.id}"))}
    assert len(listed) == 16 - 3 and "train/red/0.png" not in listed
    assert "train/blue/0.png" in listed and "val/blue/0.png" in listed


def test_a_run_that_fails_leaves_no_version_folder(two_classes, tmp_path):
    project, root = two_classes
    for path in (root / "train").rglob("*.png"):
        path.unlink()
    # the command to copy names the project (the command line puts it as typed)
    said = r"none of the 12 labeled train images could be read .*; run `labeldesk scan PROJECT`$"
    with pytest.raises(LabelDeskError, match=said):
        finetune(project, PARAMS, base=tiny_timm_backbone(tmp_path))
    assert list(models_dir(project).iterdir()) == [] and list_versions(project) == []


def test_a_cancel_before_the_first_epoch_leaves_no_version_folder(two_classes, tmp_path):
    project, _ = two_classes
    token = CancelToken()
    token.cancel()
    with pytest.raises(LabelDeskError, match="no model was saved"):
        finetune(project, PARAMS, base=tiny_timm_backbone(tmp_path), cancel=token)
    assert list(models_dir(project).iterdir()) == []


def test_a_label_set_while_a_fine_tune_starts_is_not_recorded_as_trained_on(
    two_classes, tmp_path, monkeypatch
):
    """As for heads: the run's label state is the one its labels were read in."""
    from labeldesk.core.project import Project
    from labeldesk.core.version_state import items_at
    from labeldesk.core.versions import get_version
    from labeldesk.ml import finetune as finetune_module

    project, _ = two_classes
    real_split = finetune_module.evaluation_split

    def split_while_someone_labels(*args, **kwargs):
        other = Project(project.path)
        other.set_label("train/red/0.png", "blue")
        other.close()
        return real_split(*args, **kwargs)

    monkeypatch.setattr(finetune_module, "evaluation_split", split_while_someone_labels)
    version = finetune(project, PARAMS, base=tiny_timm_backbone(tmp_path))

    dataset = get_version(project.db, version.dataset_version)
    assert {i.path: i.label for i in items_at(project.db, dataset)}["train/red/0.png"] == "red"
    assert project.images().set_index("path").label["train/red/0.png"] == "blue"


def test_its_version_is_the_folder_as_the_run_began(two_classes, tmp_path):
    """A file edited in place while the fine-tune ran (and a scan from another window
    saw it): the run leaves it out from then on (changed since the scan it read), and
    `export --version model:N` does not write the new bytes under the label the run
    learned for the old ones."""
    from labeldesk.interop.export import ExportOptions, export

    project, root = two_classes
    edited = "train/red/2.png"
    changed: list[int] = []

    def meanwhile(progress):
        if progress.total and not changed:  # once the epochs begin
            changed.append(1)
            write_image(root / edited, size=(16, 16), fmt="PNG", seed=4242)
            project.scan(workers=1)

    version = finetune(project, PARAMS, base=tiny_timm_backbone(tmp_path), progress=meanwhile)
    assert changed
    out = tmp_path / "out"
    report = export(project, out, "csv", ExportOptions(version=f"model:{version.id}"))
    assert [f["path"] for f in version.metrics["failed"]] == [edited]
    assert edited not in {m["path"] for m in report.missing}  # not in the version
    assert not (out / "images" / edited).exists()


def test_a_file_overwritten_since_the_scan_is_skipped_as_embedding_skips_it(two_classes, tmp_path):
    """Its label was given to the picture the scan saw: trained on the new one, the run
    learned that label for a picture no one labeled. A file whose change time alone
    moved (new permissions), its bytes the scan's, is trained on as before."""
    import os

    project, root = two_classes
    write_image(root / "train/red/2.png", size=(16, 16), fmt="PNG", seed=4242)  # no rescan
    kept = root / "train/blue/3.png"
    os.chmod(kept, 0o600)  # only its change time moves
    version = finetune(project, PARAMS, base=tiny_timm_backbone(tmp_path))
    assert version.metrics["failed"] == [{"path": "train/red/2.png", "reason": CHANGED}]
    assert version.metrics["train_images"] == 11
    assert "1 image changed since the last scan skipped, first train/red/2.png" in _describe(
        version
    )
    from labeldesk.core.versions import get_version, members

    listed = {p for _, p, _ in members(project.db, get_version(project.db, f"model:{version.id}"))}
    assert "train/red/2.png" not in listed and "train/blue/3.png" in listed


def test_a_file_whose_change_time_alone_moved_is_hashed_once_a_run(
    two_classes, tmp_path, monkeypatch
):
    """A folder copied keeping the files' times (``cp -p``) gives every file a new change
    time: its bytes decide whether it is the picture the scan saw. They were read once
    per run, not in every epoch (before: 3 epochs read the train images' bytes 3 times,
    and the val images' at each epoch's check too). A file rewritten during the run
    still counts as changed: its change time moves again."""
    import os

    project, root = two_classes
    files = sorted(root.rglob("*.png"))
    for path in files:
        os.chmod(path, 0o600)  # only the change time moves
    hashed = calls_of(monkeypatch, embed_decode, "hash_file")
    params = FinetuneParams(epochs=3, batch_size=4, image_size=32, train_blocks=1)
    version = finetune(project, params, base=tiny_timm_backbone(tmp_path))
    assert len(version.metrics["history"]) == 3 and not version.metrics.get("failed")
    assert version.metrics["train_images"] == 12 and version.metrics["eval"]["n"] == 4
    assert sorted(hashed) == files  # each file once: 16 hashes, not 3 x 16 (or more)
