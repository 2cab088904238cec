"""The command that embeds: embed (here, or as a Ray Data job on a cluster)."""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from labeldesk.cli._base import (
    DEVICE_HELP,
    PROJECT_HELP,
    Output,
    TerminalProgress,
    add_device,
    open_existing,
    path_arg,
    positive_int,
    share,
    with_project_as_typed,
)
from labeldesk.cli.cluster_text import reached
from labeldesk.core.display import counted, shown_path
from labeldesk.core.model_versions import model_shown

if TYPE_CHECKING:
    from labeldesk.core.project import Project
    from labeldesk.ml.embed import EmbedReport


def add_parsers(add: Callable[..., argparse.ArgumentParser]) -> None:
    from labeldesk.ml.backbones import DEFAULT_BACKBONE

    p = add("embed", "compute embeddings for images that have none yet (resumable)")
    p.add_argument("project", type=path_arg, help=PROJECT_HELP)
    p.add_argument(
        "--model",
        metavar="NAME",
        help=f"backbone: {DEFAULT_BACKBONE} (bundled), a timm model name with cached "
        "weights, or a checkpoint ARCH@path.safetensors (default: the model of the "
        f"project's embeddings, else {DEFAULT_BACKBONE})",
    )
    p.add_argument(
        "--input-size",
        metavar="N",
        type=_input_size,
        default="auto",
        help="model input side in pixels (e.g. 160: about 2.5x faster than 224; benchmark "
        "it on your data first), or auto (default): the size of the project's embeddings "
        "of this model, else the model's own",
    )
    add_device(p, DEVICE_HELP)
    p.add_argument(
        "--batch-size",
        metavar="N",
        type=positive_int,
        help=(
            "images per batch (default: 64 with a CPU runtime, split across its streams, "
            "8 with torch on CPU, 128 on CUDA)"
        ),
    )
    p.add_argument(
        "--runtime",
        default="auto",
        choices=["auto", "torch", "openvino", "onnx"],
        help="engine that runs the model: auto (default) is openvino on the CPU, torch on a "
        "GPU; all give the same vectors, and a runtime that fails falls back to torch; on CPUs "
        "with native bf16 OpenVINO runs the blocks after the first two at bf16 "
        "(LABELDESK_CPU_PRECISION=f32 pins f32)",
    )
    ray = p.add_argument_group(
        "on a Ray cluster (pip install 'labeldesk[cluster]'; --device and --runtime are "
        "then chosen on the workers: a GPU when the cluster has one, else OpenVINO)"
    )
    ray.add_argument(
        "--ray",
        metavar="ADDRESS",
        help="embed as a Ray Data job on the cluster at ADDRESS: HOST:PORT of a head "
        "started with `ray start --head` (this machine a node of it), ray://HOST:10001 "
        "(Ray Client), or auto",
    )
    ray.add_argument(
        "--workers",
        metavar="N",
        type=positive_int,
        help="most model actors (default: one per node, or one per GPU share)",
    )
    ray.add_argument(
        "--gpus-per-worker",
        metavar="GPUS",
        type=share,
        help="GPUs each actor takes (default: 1 when the cluster has GPUs, else 0)",
    )
    ray.add_argument(
        "--remote-root",
        metavar="URI",
        help="where the workers find the image folder: a mount point on them or a URI "
        "(s3://bucket/prefix, gs://..., file:///...); default: this project's image path",
    )
    p.set_defaults(handler=cmd_embed)


def cmd_embed(args: argparse.Namespace) -> Output:
    from labeldesk.ml.backbones import with_input_size
    from labeldesk.ml.embed import embed_project
    from labeldesk.ml.errors import BackboneUnavailable
    from labeldesk.ml.input_size import choose_model_spec

    with open_existing(args.project) as project, TerminalProgress() as progress:
        model = args.model
        if args.input_size != "auto":  # the project's model unless one is named
            model = with_input_size(choose_model_spec(project, model), args.input_size)
        finishing = _say_finishing(project, model)
        if args.ray:
            return _embed_on_ray(args, project, model, progress)
        try:
            report = embed_project(
                project,
                model,
                device=args.device,
                batch_size=args.batch_size,
                progress=progress,
                runtime=args.runtime,
            )
        except BackboneUnavailable as exc:
            if finishing:  # the fine-tune's checkpoint: say how to go on without it
                raise BackboneUnavailable(f"{exc}; {_without_the_fine_tune(project)}") from exc
            raise
        kept = _still_unfinished(project, report) if finishing and report.failed else ""
        if args.model is not None and not report.cancelled:
            _say_set_aside(project, report)
        # a fine-tune's checkpoint as `models` lists it, not by its path (--json has it)
        model_name = model_shown(project.db, project.path, report.model, size=False)
    data = _as_json(report, args.project)
    if report.up_to_date:
        return Output(data, _up_to_date_text(report, model_name) + _index_text(report))
    text = embedded_text(report, model_name) + _bottleneck_text(report) + _index_text(report)
    if report.rebuilt:
        text += f"\nthe stored vectors were rebuilt: {report.rebuilt}"
    text += _failed_text(report.failed)
    if kept:
        text += f"\n{kept}"
    return Output(data, text)


def embedded_text(report: EmbedReport, model_name: str) -> str:
    """The run's summary line: "2,000 images embedded with MODEL at 224 px on cpu
    (openvino) in …; 2,000 usable images in the project", counts written as `new` and
    `stats` write them (it said "2000 images embedded")."""
    precision = "" if report.precision == "f32" else ", " + report.precision
    return (
        f"{counted(report.embedded, 'image')} embedded with {model_name} at "
        f"{report.input_size} px on {report.device} ({report.runtime}{precision}) in "
        f"{report.seconds:.1f} s ({report.images_per_s:.1f} img/s); "
        f"{_copies(report.copies)}{counted(report.total, 'usable image')} in the project"
    )


def _index_text(report: EmbedReport) -> str:
    """The line for the similar-image search's index built at the end of the run (above
    20,000 images), so that the first `labeldesk similar` answers at once."""
    if report.index_s is None:
        return ""
    return f"\nsearch index for similar images ready in {report.index_s:.1f} s"


def _failed_text(failed: list[dict[str, str]]) -> str:
    """The images left out, the unreadable apart from those changed since the last scan:
    those were read well enough, and a scan (not a fix of the file) takes them in. All
    600 of a folder copied back with new times were "600 could not be read"."""
    changed = [f for f in failed if f["reason"].startswith("changed since the last scan")]
    unreadable = [f for f in failed if f not in changed]
    text = ""
    for rows, head in (
        (unreadable, f"{len(unreadable):,} could not be read:"),
        (changed, f"{counted(len(changed), 'image')} changed since the last scan, not embedded:"),
    ):
        if rows:
            text += f"\n{head}" + "".join(
                f"\n  {shown_path(f['path'])}: {f['reason']}" for f in rows[:20]
            )
            if len(rows) > 20:
                text += f"\n  … and {len(rows) - 20:,} more"
    return text


def _say_finishing(project: Project, model: str | None) -> bool:
    """A plain `embed` goes on with a fine-tune's unfinished embeddings: say so (True)."""
    from labeldesk.ml.unfinished import unfinished_embeddings

    unfinished = None if model is not None else unfinished_embeddings(project)
    if unfinished is not None:
        print(
            f"note: finishing the embeddings of fine-tuned model #{unfinished.version} "
            f"({unfinished.embedded or 0:,} of {unfinished.images or 0:,} images done); "
            "the project uses them once every image has one",
            file=sys.stderr,
        )
    return unfinished is not None


def _say_set_aside(project: Project, report: EmbedReport) -> None:
    """``--model`` named the model of the embeddings in use: a fine-tune's unfinished
    embeddings are set aside (a plain `embed` no longer finishes them); say so."""
    from labeldesk.ml.store import current_key
    from labeldesk.ml.unfinished import set_aside

    if report.key != current_key(project):
        return
    aside = set_aside(project)
    if aside is not None:
        command = shlex.join(["labeldesk", "embed", str(project.path), "--model", aside.spec])
        print(
            f"note: the unfinished embeddings of fine-tuned model #{aside.version} are set "
            f"aside: the project stays on these; `{command}` would finish them",
            file=sys.stderr,
        )


def _without_the_fine_tune(project: Project) -> str:
    """How to go on with the embeddings in use when the awaited fine-tune's checkpoint
    cannot be loaded."""
    from labeldesk.ml.input_size import current_spec

    spec = current_spec(project)
    if spec is None:
        command = shlex.join(["labeldesk", "embed", str(project.path), "--model", "NAME"])
        return f"to embed with another model: `{command}`"
    command = shlex.join(["labeldesk", "embed", str(project.path), "--model", spec])
    return f"to stay on the embeddings in use and set the fine-tune aside: `{command}`"


def _still_unfinished(project: Project, report: EmbedReport) -> str:
    """Why a finishing run whose images could not all be read left the project on the
    embeddings it had (they hold those images): "" when it did not."""
    from labeldesk.ml.unfinished import unfinished_embeddings

    unfinished = None if report.cancelled else unfinished_embeddings(project, count=False)
    if unfinished is None:
        return ""
    return (
        f"the project keeps the embeddings it had: they hold images that could not be read "
        f"now; make those readable again (or run `labeldesk scan {project.path}` if they "
        f"are gone), then `labeldesk embed {project.path}` finishes the embeddings of "
        f"fine-tuned model #{unfinished.version}"
    )


def _as_json(report: EmbedReport, project: object) -> dict[str, Any]:
    """The report for ``--json``: a command a reason names (``run `labeldesk scan
    PROJECT```) names the project as typed, as the text does."""
    data = report.to_json()
    data["failed"] = [
        {**row, "reason": with_project_as_typed(row["reason"], project)} for row in data["failed"]
    ]
    return data


def _bottleneck_text(report: EmbedReport) -> str:
    """A line when decoding the images, not the model, limited the run."""
    share = report.decode_limited()
    if share is None:
        return ""
    return f"\ndecoding the images limited this run: the model waited for them {share:.0%} of it"


def _copies(n: int) -> str:
    """What the summary says of images embedded as identical copies of others."""
    if not n:
        return ""
    more = "1 more is an identical copy" if n == 1 else f"{n:,} more are identical copies"
    return f"{more} of them and share{'s its vector' if n == 1 else ' their vectors'}; "


def _up_to_date_text(report: EmbedReport, model_name: str) -> str:
    """What a run with nothing to do prints, local or on Ray: the model was not loaded
    (nor Ray started), so there is no engine or speed to tell. ``model_name``: the
    report's model as `models` names a fine-tune (:func:`model_shown`)."""
    return (
        f"{report.up_to_date_text()} ({model_name} at {report.input_size} px): nothing to compute"
    )


def _embed_on_ray(
    args: argparse.Namespace, project: Project, model: str | None, progress: TerminalProgress
) -> Output:
    from labeldesk.ml.ray_embed import embed_on_ray

    report = embed_on_ray(
        project,
        model,
        address=args.ray,
        workers=args.workers,
        gpus_per_worker=args.gpus_per_worker,
        remote_root=args.remote_root,
        batch_size=args.batch_size,
        progress=progress,
    )
    model_name = model_shown(project.db, project.path, report.model, size=False)
    if report.up_to_date:  # found before Ray started or the model loaded
        return Output(report.to_json(), _up_to_date_text(report, model_name) + _index_text(report))
    text = (
        f"{counted(report.embedded, 'image')} embedded with {model_name} at "
        f"{report.input_size} px on the Ray cluster at {reached(report)} "
        f"({counted(report.nodes, 'node')}, up to {counted(report.workers, 'worker')}, "
        f"{report.device}, {report.runtime}) in "
        f"{report.seconds:.1f} s ({report.images_per_s:.1f} img/s); "
        f"{counted(report.total, 'usable image')} in the project"
    )
    if report.timing is not None:  # the start (the workers loading the model) and the rate
        text += f"\n{report.timing.text()}"
    text += "".join(f"\nnote: {line}" for line in report.notices) + _index_text(report)
    if report.cancelled:
        text += "\ncancelled: the finished batches are kept; run it again to continue"
    text += _failed_text(report.failed)
    return Output(_as_json(report, args.project), text)


def _input_size(value: str) -> str | int:
    """--input-size: ``auto`` or a whole number of pixels in the range a model accepts."""
    from labeldesk.ml.backbones import MAX_INPUT_SIZE, MIN_INPUT_SIZE

    if value == "auto":
        return value
    if not value.isdigit() or not MIN_INPUT_SIZE <= int(value) <= MAX_INPUT_SIZE:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not auto or a size from {MIN_INPUT_SIZE} to {MAX_INPUT_SIZE} px"
        )
    return int(value)
