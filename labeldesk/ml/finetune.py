"""Fine-tuning the backbone on the labeled images, with augmentation.

Starts from the newest fine-tuned checkpoint when there is one (else the pretrained
backbone), trains the last ``train_blocks`` blocks plus a new classifier, saves a
safetensors checkpoint after every epoch (so a cancel keeps the last finished epoch), and
records a model version. The network and its checkpoint are :mod:`.finetune_net`'s: the
checkpoint's JSON sidecar names its architecture and preprocessing, so
``load_backbone(path)`` turns it into a new embedding identity.
"""

from __future__ import annotations

import copy
import shlex
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from labeldesk.core.db import DB_FILENAME
from labeldesk.core.errors import Cancelled, LabelDeskError
from labeldesk.core.failures import check_writable
from labeldesk.core.held_signals import HeldSignals
from labeldesk.core.image_frame import image_frame
from labeldesk.core.progress import CancelToken, Progress, ProgressCallback, no_progress
from labeldesk.core.vocab import EXCLUDED, known_class_codes

from .backbones import DEFAULT_BACKBONE, Backbone, Preprocess, load_backbone
from .cachefiles import describe, stale
from .device import resolve_device
from .embed_speed import EmbedSpeed, recorded_speed
from .finetune_check import CheckCache, predict
from .finetune_clock import FinetuneClock
from .finetune_images import TrainingImages
from .finetune_net import (
    CHECKPOINT,
    classifier,
    freeze,
    is_head,
    keep_frozen_batchnorm_still,
    load_checkpoint,
    save_checkpoint,
)
from .finetune_plan import FinetunePlan
from .metrics import EvalSplit, classification_report, evaluation_split
from .models import (
    ModelVersion,
    discard_run_folder,
    latest,
    models_dir,
    new_version_dir,
    record_version,
)

if TYPE_CHECKING:
    import pandas as pd

    from labeldesk.core.project import Project

    from .embed_decode import Item

# said while an interrupted run scores the epoch it keeps: pressing again is safe
AGAIN = "Ctrl+C again skips the scoring; the epoch is kept either way"
FINE_TUNING = "fine-tuning"  # the progress message; epoch, loss, accuracy go in data
# said as the kept (or last) epoch is written to the project (also in the app, which has no
# Ctrl+C), and on stderr at a Ctrl+C then
SAVING = "saving the fine-tuned model"
SAVING_HELD = (
    "Saving the fine-tuned model: Ctrl+C again is ignored until it is saved, then the run stops"
)


@dataclass(frozen=True)
class FinetuneParams:
    epochs: int = 3
    lr: float = 3e-4  # backbone; the new classifier learns 10x faster
    weight_decay: float = 1e-4
    batch_size: int = 16
    train_blocks: int = 2  # the last N blocks learn; -1: every layer
    image_size: int | None = None  # default: the backbone's own input size
    seed: int = 0


def finetune_and_reembed(
    project: Project,
    params: FinetuneParams = FinetuneParams(),
    *,
    device: str = "auto",
    reembed: bool = True,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> ModelVersion:
    """:func:`finetune`, then (unless cancelled or ``reembed`` is off) embed every image
    with the tuned backbone, which becomes the project's current embeddings: what
    ``labeldesk train --mode finetune`` and the app's training panel do. When the flags
    of likely mislabels were cached before, their count is reported before and after, as
    the ``"flags"`` of the last progress report (:mod:`labeldesk.ml.flag_change`)."""
    from .embed import embed_project
    from .flag_change import cached_flag_count, count_again

    cancel = cancel or CancelToken()
    flags_before = cached_flag_count(project) if reembed else None  # None: not cached
    version = finetune(
        project, params, device=device, progress=progress, cancel=cancel, then_embed=reembed
    )
    if reembed and version.checkpoint and not cancel.cancelled:
        spec = str(project.path / version.checkpoint)
        try:
            embed_project(project, spec, device=device, progress=progress, cancel=cancel)
        except KeyboardInterrupt as exc:  # Ctrl+C, SIGTERM: still one (exit 130 / 143)
            note = _unfinished(project, version)  # add_note is Python 3.11+
            exc.__notes__ = [*getattr(exc, "__notes__", []), note]
            raise
        except Cancelled as exc:
            raise Cancelled(_unfinished(project, version)) from exc
        except Exception as exc:  # a full disk, an unreadable folder: said with the way on
            note = _unfinished(project, version, "did not finish")
            exc.__notes__ = [*getattr(exc, "__notes__", []), note]
            raise
        if flags_before is not None and not cancel.cancelled:
            count_again(project, version, flags_before, progress)  # the flags' change
    return version


def _unfinished(project: Project, version: ModelVersion, how: str = "was interrupted") -> str:
    """What a fine-tune stopped as (or just after) it embedded the project with the tuned
    model kept, said from the project's state now. The version is recorded and kept; its
    embeddings, unless they are the project's already (the stop came after the switch),
    are unfinished, and the project keeps the ones it had until a plain `embed` finishes
    them (the version awaits its embeddings: :func:`labeldesk.ml.store.use_store`)."""
    from .store import current_key

    key = version.embedding_key  # (None: none recorded, so not the project's either)
    if key is not None and current_key(project) == key:
        when = "when it was interrupted" if how == "was interrupted" else "before it failed"
        return (
            f"fine-tuned model version {version.id} is saved and the project uses its "
            f"embeddings (they were finished {when})"
        )
    command = shlex.join(["labeldesk", "embed", str(project.path)])
    return (
        f"fine-tuned model version {version.id} is saved, but embedding with it {how}; "
        f"the project keeps the embeddings it had until `{command}` finishes them"
    )


def finetune(
    project: Project,
    params: FinetuneParams = FinetuneParams(),
    *,
    device: str = "auto",
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
    base: Backbone | None = None,
    then_embed: bool = False,
) -> ModelVersion:
    """Fine-tune and record a model version. ``then_embed``: the caller embeds the project
    with it next; a complete run is recorded as awaiting its embeddings, so the project
    keeps the ones it had until the new ones are whole, even if the process is killed."""
    import torch

    cancel = cancel or CancelToken()
    device = resolve_device(device)
    from .store import embeddings_dir

    # a read-only project says so now, not after minutes of training
    project.require_writable()  # a project opened read-only
    then = [embeddings_dir(project)] if then_embed else []
    check_writable(models_dir(project), *then, project.path / DB_FILENAME)
    torch.manual_seed(params.seed)
    frame = image_frame(project, include_skipped=False, ctime=True)
    classes = frame.attrs["classes"]  # read with the labels
    # its dataset version: these as read now (a file edited or removed while the run
    # trains is reported so by an export of it), less any unreadable
    indexed = [
        (int(i), str(p), h)
        for i, p, h in zip(frame.index, frame.path, frame.hash, strict=True)
        if isinstance(h, str)
    ]
    frame = frame[frame.status.ne(EXCLUDED)]
    labels = known_class_codes(frame.label, classes, frame.path.tolist())
    split = evaluation_split(
        labels,
        [s if isinstance(s, str) else None for s in frame.split],
        np.ones(len(frame), bool),
        params.seed,
    )
    if len(np.unique(labels[split.train])) < 2:
        raise LabelDeskError("fine-tuning needs labeled train images of at least two classes")
    paths = [project.image_path(p) for p in frame.path]
    label_state = frame.attrs["label_event_id"]  # read with the labels

    plan = FinetunePlan(
        epochs=params.epochs,
        train_images=len(split.train),
        batch_size=params.batch_size,
        evaluate_images=len(split.evaluate),
        evaluate_name=split.evaluate_name,
        reembed_images=len(indexed) if then_embed else 0,
        device=device,
    )  # said before it starts: on a CPU it runs for minutes to hours
    progress(Progress(0, 0, "loading backbone", {"plan": plan.text()}))
    if base is None:
        base = _starting_backbone(project, cancel)
    pre = base.identity.preprocess
    if params.image_size:
        pre = Preprocess(params.image_size, pre.mean, pre.std)
    features = copy.deepcopy(base.model)  # the caller's backbone stays as it was
    model = classifier(features, base.dim, len(classes)).to(device)
    model = model.to(memory_format=torch.channels_last)
    trainable = freeze(features, params.train_blocks) + list(model.head.parameters())
    optim = torch.optim.AdamW(
        [
            {"params": [p for p in trainable if not is_head(model, p)], "lr": params.lr},
            {"params": list(model.head.parameters()), "lr": params.lr * 10},
        ],
        weight_decay=params.weight_decay,
    )
    images = TrainingImages(paths, frame.path.tolist(), scanned=_as_scanned(frame))
    check = CheckCache(model, split.evaluate)  # each epoch's check on val
    folder = new_version_dir(project, "finetune")

    def save(epoch: int) -> None:
        save_checkpoint(model, base, classes, pre, folder, epoch)

    interrupt: KeyboardInterrupt | None = None
    held = HeldSignals(SAVING_HELD)  # while the result is written
    history: list[dict[str, float]] = []  # the epochs saved so far
    # the time the whole run has left, said with each step
    speed = _embed_speed(project, device, base.identity.architecture, pre.size)
    steps_per_epoch = -(-len(split.train) // params.batch_size)
    clock = FinetuneClock(
        params.epochs, steps_per_epoch, params.batch_size, len(split.evaluate),
        len(split.test), plan.reembed_images, speed,
    )  # fmt: skip
    try:
        # Inside `held` from the training on, so that no instruction between an epoch
        # kept and its save acts on a Ctrl+C unheld: the first one while it trains stops
        # the training (the epochs saved are kept, as Cancel keeps them); the first one
        # while the kept epoch is scored cuts the scoring short; any other one waits
        # until the result is saved
        with held:
            try:
                held.let_through()
                status = _epochs(
                    model, optim, images, labels, split, params, pre, device, save, progress,
                    cancel, history, clock, check,
                )  # fmt: skip
                held.hold()  # trained: a Ctrl+C from here cuts the scoring short
            except KeyboardInterrupt as exc:  # Ctrl+C, SIGTERM (held from here)
                held.hold()
                if not history:
                    note = (
                        "the fine-tune stopped before its first epoch finished: no model was saved"
                    )
                    exc.__notes__ = [*getattr(exc, "__notes__", []), note]
                    raise
                status, interrupt = "cancelled", exc
            if not history:
                raise LabelDeskError(
                    "cancelled before the first epoch finished: no model was saved"
                )
            metrics: dict[str, Any] = {
                "history": history,
                "train_images": len(images.usable(split.train)),  # those that could be read
                "evaluated_on": split.evaluate_name,
                "eval_warning": split.warning,  # too few images to measure on (metrics.py)
            }
            try:
                held.let_through()  # one held since the training ended acts here
                if interrupt is not None:
                    progress(Progress(0, 0, f"keeping epoch {len(history)}: scoring it ({AGAIN})"))
                load_checkpoint(model, folder)
                for name in ("eval", "test"):
                    if name == "eval":  # the frozen blocks' part as each epoch's check kept it
                        predicted, kept = check.predict(model, images, pre, device)
                    else:
                        predicted, kept = predict(model, images, split.test, pre, device)
                    if len(kept):
                        metrics[name] = classification_report(labels[kept], predicted, classes)
                held.hold()  # scored: no instruction from here to the save acts on a Ctrl+C
            except KeyboardInterrupt as exc:  # Ctrl+C (again) while scoring: the saved epoch
                held.hold()  # is kept all the same, with the scores it had by then
                status, interrupt = "cancelled", interrupt or exc
                metrics["scoring_interrupted"] = True
            held.hold()
            progress(Progress(0, 0, SAVING))
            metrics["failed"] = images.report()  # skipped, as embedding reports its failures
            tuned = load_backbone(str(folder / CHECKPOINT))
            failed = {int(frame.index[row]) for row in images.failed}
            version = record_version(
                project,
                kind="finetune",
                status=status,
                label_event_id=label_state,
                embedding_key=tuned.identity.key,
                params={
                    **asdict(params),
                    "device": device,
                    "base": base.identity.name,
                    "base_key": base.identity.key,  # what the next fine-tune may go on from
                    "reembed": then_embed,
                },
                metrics=metrics,
                checkpoint=folder / CHECKPOINT,
                classes=classes,  # as the run began: what it learned
                seen=[m for m in indexed if m[0] not in failed],
                awaits_embeddings=then_embed and status == "complete" and not cancel.cancelled,
            )
    except BaseException:
        # No version was recorded: its folder would be left behind with nothing to use it.
        try:
            discard_run_folder(folder)
        finally:
            images.close()  # its decode workers, on a GPU
        raise
    closing: KeyboardInterrupt | None = None
    try:
        images.close()  # its decode workers, on a GPU
    except KeyboardInterrupt as exc:  # Ctrl+C, SIGTERM as they stop: the version is whole
        closing = exc
    stopped = held.raised() or closing  # Ctrl+C or SIGTERM while it was saved: it stops now
    if stopped is not None and interrupt is None:
        if not isinstance(stopped, KeyboardInterrupt):
            raise stopped
        if then_embed and version.status == "complete" and not cancel.cancelled:
            # recorded to be embedded with next, as a Ctrl+C as that began would leave it
            note = _unfinished(project, version)
            stopped.__notes__ = [*getattr(stopped, "__notes__", []), note]
            raise stopped
        interrupt = stopped
    if interrupt is not None:  # recorded: the command still stops (exit 130 / 143)
        note = _kept_note(project, version, params.epochs)
        interrupt.__notes__ = [*getattr(interrupt, "__notes__", []), note]
        raise interrupt
    return version


def _as_scanned(frame: pd.DataFrame) -> list[Item | None]:
    """Each row's file as the scan recorded it, for :class:`TrainingImages` to leave out
    one changed since (trained on, its label would name a picture it no longer holds)."""
    import pandas as pd

    return [
        (h, p, 0, int(size), int(mtime), None if pd.isna(ctime) else int(ctime))
        if isinstance(h, str) and pd.notna(size) and pd.notna(mtime)
        else None
        for h, p, size, mtime, ctime in zip(
            frame.hash, frame.path, frame["size"], frame.mtime_ns, frame.ctime_ns, strict=True
        )
    ]


def _kept_note(project: Project, version: ModelVersion, epochs: int) -> str:
    """What an interrupted fine-tune kept, and how to go on from it."""
    history = version.metrics.get("history") or []
    done = len(history)
    # the epoch's own check: the same model on the same images as the "eval" report
    accuracy = (version.metrics.get("eval") or {}).get("accuracy")
    if accuracy is None and history:
        accuracy = history[-1].get("eval_accuracy")
    figure = ""
    if accuracy is not None:
        where = version.metrics.get("evaluated_on", "val")
        figure = f"{where} accuracy {accuracy:.0%}"
    if version.metrics.get("scoring_interrupted"):
        figure += ("; " if figure else "") + "not scored on test: interrupted while scoring"
    figure = f" ({figure})" if figure else ""
    command = shlex.join(["labeldesk", "train", str(project.path), "--mode", "finetune"])
    return (
        f"fine-tuned model version {version.id} keeps epoch {done} of {epochs}{figure}; "
        f"the project keeps the embeddings it had; `{command}` goes on from it"
    )


def _epochs(
    model: Any,
    optim: Any,
    images: TrainingImages,
    labels: np.ndarray,
    split: EvalSplit,
    params: FinetuneParams,
    pre: Preprocess,
    device: str,
    save: Callable[[int], None],
    progress: ProgressCallback,
    cancel: CancelToken,
    history: list[dict[str, float]],
    clock: FinetuneClock,
    check: CheckCache,
) -> str:
    """Train, saving a checkpoint after each epoch; each epoch goes into ``history`` once
    saved (an interrupt from then on keeps it). Returns the run's status. Each report
    says the time the whole run has left (``clock``'s estimate)."""
    import torch

    use_amp = device == "cuda"
    scaler = torch.amp.GradScaler("cuda", enabled=use_amp)
    started = time.perf_counter()
    seen = 0
    steps_per_epoch = -(-len(split.train) // params.batch_size)
    for epoch in range(1, params.epochs + 1):
        model.train()
        keep_frozen_batchnorm_still(model.features)
        rng = np.random.default_rng(params.seed + epoch)
        order = rng.permutation(split.train)
        total, count = 0.0, 0
        size = params.batch_size
        batches = images.batches(
            (order[step * size : (step + 1) * size] for step in range(steps_per_epoch)),
            pre,
            device,
            rng=rng,
        )
        for step, (x, rows) in enumerate(batches):
            if cancel.cancelled:
                break
            if len(rows):  # else every image of this batch was unreadable
                y = torch.from_numpy(labels[rows]).to(device)
                with torch.autocast("cuda", dtype=torch.float16, enabled=use_amp):
                    loss = torch.nn.functional.cross_entropy(model(x), y)
                optim.zero_grad()
                scaler.scale(loss).backward()
                scaler.step(optim)
                scaler.update()
                total += float(loss.detach()) * len(rows)
                count += len(rows)
                seen += len(rows)
            rate = seen / (time.perf_counter() - started)
            done = (epoch - 1) * steps_per_epoch + step + 1
            running = {"epoch": epoch, "loss": total / max(count, 1), "images_per_s": rate}
            running |= clock.data(done)  # the time the whole run has left
            data = {"unit": "step", "epochs": params.epochs, **running}
            data["evaluated_on"] = split.evaluate_name  # "val", or "holdout": no val split
            progress(Progress(done, params.epochs * steps_per_epoch, FINE_TUNING, data))
        if cancel.cancelled:
            return "cancelled"  # the checkpoint on disk is the last completed epoch
        if not count:
            first = images.report()[0]
            raise LabelDeskError(
                f"none of the {len(split.train)} labeled train images could be read "
                f"(first: {first['path']}: {first['reason']}); run `labeldesk scan PROJECT`"
            )
        entry = {"epoch": epoch, "loss": total / count}
        checking = time.perf_counter()
        predicted, kept = check.predict(model, images, pre, device)
        clock.checked(len(split.evaluate), time.perf_counter() - checking, check.ran_whole)
        if len(kept):
            entry["eval_accuracy"] = float((predicted == labels[kept]).mean())
        done, steps = epoch * steps_per_epoch, params.epochs * steps_per_epoch
        closing = {"unit": "step", "epochs": params.epochs, **entry}  # with its accuracy
        closing["evaluated_on"] = split.evaluate_name
        closing |= clock.data(done)
        progress(Progress(done, steps, FINE_TUNING, closing))
        save(epoch)
        history.append(entry)  # saved: an interrupt from here on keeps it
    return "complete"


def _embed_speed(project: Project, device: str, architecture: str, size: int) -> EmbedSpeed | None:
    """The speed of the last embedding run of the current embeddings, when the tuned model
    would embed as fast (same device, engine, architecture and input size)."""
    from .runtime import resolve_runtime
    from .store import current_key, embeddings_dir

    key = current_key(project)
    speed = recorded_speed(embeddings_dir(project) / key) if key else None
    runtime = resolve_runtime("auto", device)  # what embed_project runs it with
    return speed if speed and speed.matches(device, runtime, architecture, size) else None


def _continued(project: Project) -> ModelVersion | None:
    """The newest fine-tune, where the project goes on from it: the project uses its
    embeddings (or is still to: its re-embedding was cut short), or it never re-embedded
    (cancelled, ``--no-reembed``) and the project still uses the embeddings it started
    from. None when the project was embedded with another model since: the person
    turned the fine-tune down (embedding with the pretrained model again starts over)."""
    from labeldesk.core.model_versions import awaiting_embeddings

    from .store import current_key

    previous = latest(project, "finetune")
    if previous is None or not previous.checkpoint:
        return None
    now = current_key(project)
    if (
        now is None
        or now == previous.embedding_key
        or awaiting_embeddings(project.db) == (previous.id)
    ):
        return previous
    base_key = previous.params.get("base_key")
    if base_key is None:  # recorded before LabelDesk kept it: goes on from it, as then
        return previous
    re_embedded = previous.status == "complete" and previous.params.get("reembed", True)
    return None if re_embedded or base_key != now else previous


def _starting_backbone(project: Project, cancel: CancelToken) -> Backbone:
    """The fine-tuned checkpoint the project goes on from (:func:`_continued`), else the
    backbone of the current embeddings. Nothing has been written yet: a Cancel during the
    load may end the child at once (only the loads are in that stretch: finding the
    embeddings' model may rewrite a damaged ``spec.json``)."""
    previous = _continued(project)
    if previous is not None and previous.checkpoint:
        path = project.path / previous.checkpoint
        if path.exists():
            try:
                with cancel.may_be_killed():
                    return load_backbone(str(path))
            except Exception as exc:  # a damaged checkpoint: safetensors/torch/timm errors
                stale(path, describe(exc), "starting from the embeddings' model instead")
    from .errors import BackboneUnavailable
    from .store import current_key, current_store, model_spec

    if current_key(project) is None:  # nothing embedded yet: the default model
        with cancel.may_be_killed():
            return load_backbone(DEFAULT_BACKBONE)
    spec = model_spec(current_store(project))
    try:
        with cancel.may_be_killed():
            return load_backbone(spec)
    except BackboneUnavailable as exc:
        # Not another model in its place: the tuned one would become the project's
        # embeddings, made by a model nobody chose
        raise BackboneUnavailable(
            f"fine-tuning starts from the model of the current embeddings ({spec}), which "
            f"cannot be loaded: {exc}; make it available again, or embed with another "
            f"model first (`labeldesk embed {project.path} --model NAME`)"
        ) from exc
