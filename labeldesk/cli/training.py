"""The command that trains: train (a classifier head, or a fine-tuned backbone)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING

from labeldesk.cli._base import (
    DEVICE_HELP,
    PROJECT_HELP,
    OptionsError,
    Output,
    add_device,
    non_negative_int,
    open_existing,
    path_arg,
    positive_int,
    with_project_as_typed,
)
from labeldesk.cli.models import run_accuracies
from labeldesk.core.display import counted, shown_path

if TYPE_CHECKING:
    from labeldesk.core.progress import Progress
    from labeldesk.core.project import Project
    from labeldesk.ml.model_choice import InUse
    from labeldesk.ml.models import ModelVersion


def add_parsers(add: Callable[..., argparse.ArgumentParser]) -> None:
    p = add("train", "train a classifier head on the embeddings, or fine-tune the backbone")
    p.add_argument("project", type=path_arg, help=PROJECT_HELP)
    p.add_argument(
        "--mode", choices=["head", "finetune"], default="head",
        help="head (default): a classifier on the embeddings, seconds; finetune: the "
        "backbone's last blocks too, then the project is embedded again with it",
    )  # fmt: skip
    p.add_argument(
        "--epochs", metavar="N", type=positive_int, help="default: 100 (head), 3 (finetune)"
    )
    p.add_argument(
        "--train-blocks",
        metavar="N",
        type=_train_blocks,
        help="finetune: how many of the last backbone blocks learn (default 2; -1: all)",
    )
    p.add_argument(
        "--no-reembed",
        action="store_true",
        help="finetune: do not re-embed the dataset with the fine-tuned backbone",
    )
    add_device(p, DEVICE_HELP)
    p.set_defaults(handler=cmd_train)


def _train_blocks(value: str) -> int:
    """--train-blocks: a number of blocks, or -1 (every layer)."""
    if value.strip() == "-1":
        return -1
    try:
        return non_negative_int(value)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a number of blocks (0 or more) or -1 (every layer)"
        ) from None


def cmd_train(args: argparse.Namespace) -> Output:
    from labeldesk.cli._base import TerminalProgress

    if args.mode == "head" and (args.train_blocks is not None or args.no_reembed):
        raise OptionsError("--train-blocks and --no-reembed go with --mode finetune")

    with open_existing(args.project) as project, TerminalProgress() as progress:
        if args.mode == "head":
            from labeldesk.ml.model_choice import train_and_choose
            from labeldesk.ml.train import HeadParams

            head = HeadParams(epochs=args.epochs or HeadParams.epochs)
            version, chosen = train_and_choose(project, head, device=args.device, progress=progress)
            used = chosen.version is not None and chosen.version.id == version.id
            head_in_use = chosen.version.id if chosen.version else None
            data = version.to_json() | {
                "in_use": used,
                "in_use_reason": chosen.reason,
                "head_in_use": head_in_use,
            }
            text = _describe(version) + (
                f"\nin use: #{chosen.version.id} ({chosen.reason})" if chosen.version else ""
            )
            return _warned(version, data, text)
        else:
            from labeldesk.ml.finetune import FinetuneParams, finetune_and_reembed
            from labeldesk.ml.model_choice import predicting

            blocks = FinetuneParams.train_blocks if args.train_blocks is None else args.train_blocks
            tune = FinetuneParams(epochs=args.epochs or FinetuneParams.epochs, train_blocks=blocks)
            before = predicting(project).version  # the head of the embeddings it had
            flags: dict[str, int] = {}  # likely mislabels flagged before and after

            def report(update: Progress) -> None:
                if update.data and isinstance(update.data.get("flags"), dict):
                    flags.update(update.data["flags"])
                progress(update)

            version = finetune_and_reembed(
                project,
                tune,
                device=args.device,
                reembed=not args.no_reembed,
                progress=report,
            )
            # re-embedded, the heads of the old embeddings stop predicting: say what does
            now = predicting(project)
            data = _failed_as_typed(version.to_json(), args.project) | {
                "in_use": False,  # a fine-tune is a backbone, never the head in use
                "in_use_reason": now.reason,
                "head_in_use": now.version.id if now.version else None,
                "flags": flags or None,  # {"before", "after"}: only when counted before
            }
            lines = [_describe(version), _in_use_line(now), _flags_line(flags)]
            if version.status == "complete" and now.version is None:
                lines.append(_whether_it_helped(project, version, before))
            return _warned(version, data, "\n".join(line for line in lines if line))


def _failed_as_typed(data: dict, project: object) -> dict:
    """``data`` (a fine-tune's record) with the command a skipped image's reason names
    (``run `labeldesk scan PROJECT```) naming the project as typed, as the text does."""
    failed = data["metrics"].get("failed")
    if not failed:
        return data
    rows = [{**row, "reason": with_project_as_typed(row["reason"], project)} for row in failed]
    return data | {"metrics": data["metrics"] | {"failed": rows}}


def _whether_it_helped(project: Project, version: ModelVersion, before: ModelVersion | None) -> str:
    """How to see whether a fine-tune helped, once the project uses its embeddings: its
    own figures are those of its own classifier, which predicts nothing afterwards."""
    from labeldesk.ml.store import current_key

    if current_key(project) != version.embedding_key:
        return ""  # not re-embedded (--no-reembed): nothing changed yet
    where = project.path  # (the command line writes it as typed)
    beside = f" beside #{before.id}'s, the head of the embeddings before" if before else ""
    return (
        f"did it help? `labeldesk train {where}` trains a head on the new embeddings "
        f"(seconds); `labeldesk models {where}` then lists its frozen test accuracy{beside}"
    )


def _flags_line(flags: dict[str, int]) -> str:
    """The flags' count before and after the re-embedding ("" when not counted)."""
    from labeldesk.ml.flag_change import FlagChange

    return FlagChange(**flags).text() if flags else ""


def _in_use_line(now: InUse) -> str:
    """What predicts now, in the words of `labeldesk models`."""
    if now.version is not None:
        return f"in use: #{now.version.id} ({now.reason})"
    return f"in use: no head, the linear probe predicts ({now.reason})"


def _warned(version: ModelVersion, data: dict, text: str) -> Output:
    """The run's output with its warnings (a val split too small to measure it): a
    ``warning:`` line, and ``"warnings"`` in JSON, as ``new`` and ``scan`` give theirs."""
    warning = version.metrics.get("eval_warning")
    warnings = [warning] if warning else []
    return Output(
        data | {"warnings": warnings}, "\n".join([text, *(f"warning: {w}" for w in warnings)])
    )


def _describe(version: ModelVersion) -> str:
    import datetime as dt

    when = dt.datetime.fromtimestamp(version.created_at).strftime("%Y-%m-%d %H:%M")
    parts = [f"#{version.id} {version.kind} {when} ({version.status})"]
    parts += run_accuracies(version)
    from labeldesk.ml.embed_decode import CHANGED

    failed = version.metrics.get("failed") or []  # fine-tuning's skipped images
    changed = [f for f in failed if f["reason"] == CHANGED]
    unreadable = [f for f in failed if f["reason"] != CHANGED]
    if unreadable:
        parts.append(
            f"{counted(len(unreadable), 'unreadable image')} skipped, "
            f"first {shown_path(unreadable[0]['path'])}"
        )
    if changed:  # their labels were given to the pictures the scan saw
        parts.append(
            f"{counted(len(changed), 'image')} changed since the last scan skipped, "
            f"first {shown_path(changed[0]['path'])} (run `labeldesk scan PROJECT`)"
        )
    return ", ".join(parts)
