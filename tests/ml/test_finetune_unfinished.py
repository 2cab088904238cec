"""A fine-tune stopped while it embeds the project with the tuned model (Ctrl+C, Cancel,
a kill: see tests/safety/test_killed_finetune.py). Its first batch of vectors made the
tuned model's half-made store the project's embeddings, so every view left out most
images although the embeddings it had were whole, and nothing said why. Now the project
keeps the embeddings it had until the tuned model's are whole, says so, and the next
plain `embed` finishes them and only then uses them."""

from __future__ import annotations

import pytest
from helpers import write_image

from labeldesk.cli import main
from labeldesk.core.progress import CancelToken, Progress
from labeldesk.ml import runtime
from labeldesk.ml.embed import embed_project
from labeldesk.ml.finetune import FinetuneParams, finetune_and_reembed
from labeldesk.ml.input_size import choose_model_spec
from labeldesk.ml.models import get_version, list_versions
from labeldesk.ml.store import current_key, project_vectors, unembedded
from labeldesk.ml.unfinished import unfinished_embeddings

from .test_finetune_unreadable import tiny_timm_backbone, two_classes  # noqa: F401

PARAMS = FinetuneParams(epochs=1, batch_size=4, image_size=32)


@pytest.fixture
def embedded(tmp_path, two_classes, monkeypatch):  # noqa: F811
    """The 16 images embedded with a tiny checkpoint at 32 px; embedding runs on PyTorch
    in batches of 8 (two batches: one stored, one not, when a run stops after the first)."""
    monkeypatch.setattr(runtime, "CPU_RUNTIME", "torch")
    project, _ = two_classes
    tiny_timm_backbone(tmp_path)
    embed_project(project, f"{tmp_path / 'tiny.safetensors'}:32", device="cpu")
    return project, current_key(project)


def stop_after_first_batch(how: str, cancel: CancelToken, batches: int = 1):
    """Stop the run once ``batches`` batches (0: none) of its embedding are computed."""

    def progress(report: Progress) -> None:
        if report.message == "embedding" and report.done >= 8 * batches:
            if how == "interrupt":
                raise KeyboardInterrupt  # Ctrl+C or SIGTERM
            cancel.cancel()  # the app's Cancel

    return progress


def left_unfinished(project):
    """A fine-tune Cancelled after its first batch of embeddings: its version."""
    cancel = CancelToken()
    finetune_and_reembed(
        project, PARAMS, device="cpu", progress=stop_after_first_batch("cancel", cancel),
        cancel=cancel,
    )  # fmt: skip
    (version,) = list_versions(project)
    assert unfinished_embeddings(project) is not None
    return version


@pytest.mark.parametrize("how", ["interrupt", "cancel"])
def test_a_fine_tune_stopped_while_embedding_leaves_the_whole_embeddings_in_use(embedded, how):
    project, before = embedded
    cancel = CancelToken()
    try:
        finetune_and_reembed(
            project,
            PARAMS,
            device="cpu",
            progress=stop_after_first_batch(how, cancel),
            cancel=cancel,
        )
    except KeyboardInterrupt as exc:
        note = " ".join(getattr(exc, "__notes__", []))
        assert "is saved" in note and f"`labeldesk embed {project.path}` finishes" in note
    (version,) = list_versions(project)

    assert current_key(project) == before  # not the tuned model's half-made store
    assert project_vectors(project).missing == 0 and unembedded(project) == 0
    unfinished = unfinished_embeddings(project)
    assert unfinished is not None and unfinished.version == version.id
    assert (unfinished.embedded, unfinished.images) == (8, 16)
    assert "(8 of 16 images)" in unfinished.command_text(project)

    # the next plain `embed` (or the app's Compute embeddings) goes on with the tuned model
    assert choose_model_spec(project) == str(project.path / version.checkpoint)
    report = embed_project(project, device="cpu")
    assert report.embedded == 8 and not report.cancelled
    assert current_key(project) == version.embedding_key
    assert project_vectors(project).missing == 0
    assert unfinished_embeddings(project) is None
    assert embed_project(project, device="cpu").up_to_date  # and stays with it


def test_embedding_the_tuned_model_by_name_also_waits_until_whole(embedded):
    """`embed --model models/<run>/model.safetensors` (what the message said before),
    stopped before it finishes, leaves the project on the embeddings it had, too."""
    project, before = embedded
    version = left_unfinished(project)
    spec = str(project.path / version.checkpoint)
    again = CancelToken()
    embed_project(
        project,
        spec,
        device="cpu",
        progress=stop_after_first_batch("cancel", again, 0),
        cancel=again,
    )
    assert current_key(project) == before
    embed_project(project, spec, device="cpu")
    assert current_key(project) == version.embedding_key
    assert unfinished_embeddings(project) is None


def test_another_model_chosen_meanwhile_is_a_choice_the_tuned_one_does_not_undo(embedded, tmp_path):
    """Naming a model switches on purpose (once its first vectors are stored); a plain
    `embed` then continues that model, not the unfinished fine-tune's."""
    project, before = embedded
    cancel = CancelToken()
    finetune_and_reembed(
        project,
        PARAMS,
        device="cpu",
        progress=stop_after_first_batch("cancel", cancel),
        cancel=cancel,
    )
    other = f"{tmp_path / 'tiny.safetensors'}:48"
    embed_project(project, other, device="cpu")
    chosen = current_key(project)
    assert chosen not in (before, get_version(project, list_versions(project)[0].id).embedding_key)
    assert unfinished_embeddings(project) is None
    assert choose_model_spec(project) == other


def test_a_whole_fine_tune_leaves_nothing_unfinished(embedded):
    project, _ = embedded
    version = finetune_and_reembed(project, PARAMS, device="cpu")
    assert current_key(project) == version.embedding_key
    assert unfinished_embeddings(project) is None


def test_a_fine_tune_without_re_embedding_awaits_nothing(embedded):
    project, before = embedded
    finetune_and_reembed(project, PARAMS, device="cpu", reembed=False)
    assert current_key(project) == before and unfinished_embeddings(project) is None
    assert choose_model_spec(project) != str(project.path / list_versions(project)[0].checkpoint)


def test_images_that_cannot_be_read_now_do_not_make_half_of_them_the_projects(embedded, capsys):
    """A plain `embed` that finishes the tuned model's embeddings while the images it
    still needs cannot be read (the image folder's drive is not mounted: an error that
    says so) leaves the project on the embeddings it had, which hold them: it made the
    half-made store the project's (8 of 16 images)."""
    project, before = embedded
    version = left_unfinished(project)
    root = project.root
    root.rename(root.with_name("unmounted"))
    assert main(["embed", str(project.path), "--device", "cpu"]) == 1
    said = capsys.readouterr().err
    assert f"image folder {root} is missing" in said and "none of the 8 images" in said
    assert f"run `labeldesk scan {project.path} --images NEW_FOLDER`" in said
    assert current_key(project) == before and unembedded(project) == 0
    unfinished = unfinished_embeddings(project)
    assert unfinished is not None and (unfinished.embedded, unfinished.images) == (8, 16)

    root.with_name("unmounted").rename(root)  # back: the next plain `embed` finishes them
    assert embed_project(project, device="cpu").embedded == 8
    assert current_key(project) == version.embedding_key
    assert unfinished_embeddings(project) is None


def test_an_image_the_embeddings_in_use_lack_too_does_not_hold_the_tuned_ones_back(embedded):
    """An image that cannot be read, without a vector in the embeddings in use either,
    does not keep the project off the tuned model's embeddings once the rest are made."""
    project, before = embedded
    version = left_unfinished(project)
    new = project.root / "train" / "red" / "new.png"
    write_image(new, size=(16, 16), fmt="PNG", seed=99)
    project.scan(workers=1)
    new.unlink()  # gone again, no rescan: neither embeddings have (nor can make) its vector
    assert current_key(project) == before and unembedded(project) == 1
    report = embed_project(project, device="cpu")
    assert report.embedded == 8 and len(report.failed) == 1
    assert current_key(project) == version.embedding_key
    assert unfinished_embeddings(project) is None


def test_naming_the_model_in_use_sets_an_unfinished_fine_tune_aside(embedded, tmp_path, capsys):
    """There was no way to turn an unfinished fine-tune down: every plain `embed` (and the
    app's after each rescan) went on computing it. `embed --model` with the model of the
    embeddings in use now stays on them and says how to finish the fine-tune anyway."""
    project, before = embedded
    version = left_unfinished(project)
    capsys.readouterr()
    spec = f"{tmp_path / 'tiny.safetensors'}:32"
    assert main(["models", str(project.path)]) == 0
    assert f"--model {spec}`" in capsys.readouterr().out  # the command, where one looks
    assert main(["embed", str(project.path), "--model", spec]) == 0
    err = capsys.readouterr().err
    assert f"fine-tuned model #{version.id} are set aside" in err and "--model" in err
    assert current_key(project) == before and unfinished_embeddings(project) is None
    assert choose_model_spec(project) == spec  # a plain embed: these embeddings


def test_a_damaged_checkpoint_of_the_fine_tune_is_a_clear_error_with_a_way_on(embedded, capsys):
    """A plain `embed` loading a damaged checkpoint ended in "internal error
    (SafetensorError …)", each time, in the app's Compute embeddings too."""
    project, before = embedded
    version = left_unfinished(project)
    checkpoint = project.path / version.checkpoint
    checkpoint.write_bytes(b"\x00" * 4)  # cut short by something outside LabelDesk
    capsys.readouterr()
    assert main(["embed", str(project.path)]) == 1
    err = capsys.readouterr().err
    assert "internal error" not in err and "cannot read the checkpoint" in err
    assert "set the fine-tune aside" in err and "--model" in err
    assert current_key(project) == before


def test_with_no_embeddings_before_the_note_does_not_speak_of_them():
    from labeldesk.ml.unfinished import UnfinishedEmbeddings

    text = UnfinishedEmbeddings(3, "ck", 8, 16, had_embeddings=False).text("`embed`")
    assert "has no embeddings until `embed` finishes them" in text
    assert "it had" not in text
