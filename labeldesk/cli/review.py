"""Commands over predictions: predict, issues, review, queue (train: :mod:`.training`)."""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from labeldesk.cli._base import (
    IMAGE_PATH_HELP,
    PROJECT_HELP,
    OptionsError,
    Output,
    add_device,
    image_path,
    non_negative_int,
    open_existing,
    path_arg,
    positive_int,
    print_note,
    undo_hint,
    with_project_as_typed,
)
from labeldesk.core.display import (
    ARROW,
    counted,
    format_confidence,
    format_percent,
    format_score,
    issue_level,
    label_change,
    quoted_names,
    shown_path,
)

if TYPE_CHECKING:
    from labeldesk.core.changes import Changes
    from labeldesk.core.project import Project
    from labeldesk.ml.predictions import Predictions


# queue --strategy's names in the order --help and an unknown name's error list them
# (without importing the strategies, which load numpy: `--help` stays quick)
STRATEGY_NAMES = (
    "auto", "random", "least_confidence", "margin", "entropy", "margin_clusters",
    "uncertainty_herding", "typiclust",
)  # fmt: skip


def add_parsers(add: Callable[..., argparse.ArgumentParser]) -> None:
    p = add("predict", "predicted class and confidence for every embedded image")
    p.add_argument("project", type=path_arg, help=PROJECT_HELP)
    p.add_argument(
        "--label",
        metavar="CLASS",
        help="only images with this label (with --predicted: one confusion-matrix cell, as "
        "clicked in the app's Statistics)",
    )
    p.add_argument("--predicted", metavar="CLASS", help="only images the model puts in this class")
    p.set_defaults(handler=cmd_predict)

    p = add("issues", "likely mislabels, most suspicious first, with a suggested label")
    p.add_argument("project", type=path_arg, help=PROJECT_HELP)
    p.add_argument(
        "--all",
        action="store_true",
        help="list every labeled image (not excluded), not only flagged",
    )
    p.add_argument(
        "--crossfit",
        action="store_true",
        help="score on cross-fitted features: the backbone fine-tuned out of fold (finds more "
        "errors between look-alike classes; minutes on a GPU, hours on a CPU; cached)",
    )
    p.add_argument("--refit", action="store_true", help="--crossfit: fit again, ignore the cache")
    add_device(p, "--crossfit: where to fine-tune")
    p.set_defaults(handler=cmd_issues)

    p = add("review", "act on a likely mislabel: accept, relabel, keep, exclude or include")
    p.add_argument("project", type=path_arg, help=PROJECT_HELP)
    p.add_argument(
        "action",
        choices=["accept", "relabel", "keep", "exclude", "include"],
        help="accept: take the suggested label; relabel: give it LABEL; keep: the label is "
        "right (all three mark the image verified); exclude: leave the image out of "
        "training, scores and exports; include: take it back in (unreviewed)",
    )
    p.add_argument("path", help=IMAGE_PATH_HELP)
    p.add_argument("label", nargs="?", help="the new label (relabel only)")
    p.add_argument(
        "--crossfit",
        action="store_true",
        help="accept: take the suggestion `issues --crossfit` shows (its cached fit)",
    )
    p.set_defaults(handler=cmd_review)

    p = add("queue", "unlabeled images to label next, most useful first")
    p.add_argument("project", type=path_arg, help=PROJECT_HELP)
    p.add_argument("-n", type=positive_int, default=25, help="how many (default 25)")
    p.add_argument(
        "--strategy",
        metavar="NAME",
        default="auto",
        help=f"{STRATEGY_NAMES[0]} (default), {', '.join(STRATEGY_NAMES[1:])}",
    )
    p.add_argument(
        "--seed", metavar="N", type=non_negative_int, default=0,
        help="seed of the strategy's random choices (default 0: the same list each time)",
    )  # fmt: skip
    p.add_argument(
        "--all-splits",
        action="store_true",
        help="also offer val and test images (by default only images whose label trains "
        "the model: the train split, or no split folder)",
    )
    p.set_defaults(handler=cmd_queue)


def _warn_missing(project: Project, typed: Path) -> None:
    """Notes on what the answers leave out (``typed``: the project as typed, for the
    commands they suggest)."""
    from labeldesk.ml.store import embedded_images
    from labeldesk.ml.unfinished import unfinished_embeddings

    missing = embedded_images(project).missing  # no vector read: a count
    if missing:
        print_note(
            f"{counted(missing, 'image')} {'has' if missing == 1 else 'have'} no "
            f"embedding yet and {'is' if missing == 1 else 'are'} left out; run "
            f"`labeldesk embed {project.path}`",
            typed,
        )
    unfinished = unfinished_embeddings(project)
    if unfinished is not None:  # these answers come from the embeddings it had
        print_note(unfinished.command_text(project), typed)


_TWO_CLASSES = "until images of at least two classes are labeled (train split)"


def cmd_predict(args: argparse.Namespace) -> Output:
    from labeldesk import api

    with open_existing(args.project) as project:
        _warn_missing(project, args.project)
        rows = api.records(api.predictions(project, label=args.label, predicted=args.predicted))
    if rows and all(r["predicted"] is None for r in rows):
        print(f"note: no predictions {_TWO_CLASSES}", file=sys.stderr)
    if not rows:
        cell = args.label is not None or args.predicted is not None
        return Output(rows, "no image in that cell" if cell else "no embedded image")
    head = (
        f"{counted(len(rows), 'image')}: the model's confidence, its prediction, the path "
        "and [the given label]"
    )
    lines = [
        f"{format_confidence(r['confidence']):>5}  {r['predicted'] or '?':<16} "
        f"{shown_path(r['path'])}  [{r['label'] or 'unlabeled'}]"
        for r in rows
    ]
    return Output(rows, "\n".join([head, *lines]))


def cmd_issues(args: argparse.Namespace) -> Output:
    from labeldesk import api

    if (args.refit or args.device != "auto") and not args.crossfit:
        raise OptionsError("--refit and --device go with --crossfit")
    with open_existing(args.project) as project:
        _warn_missing(project, args.project)
        preds, fitted = _crossfit(project, args) if args.crossfit else (None, "")
        if preds is None:  # read once here, for its pixel share too
            from labeldesk.core.progress import no_progress
            from labeldesk.core.progress_bar import TerminalProgress, stderr_is_terminal
            from labeldesk.ml.predictions import project_predictions

            # the probes' folds, when computed (seconds to minutes): bars on a terminal's
            # stderr; none in a pipe or a log, where `issues` stays quiet (no line per fold)
            with TerminalProgress() as bars:
                shown = bars if stderr_is_terminal() else no_progress
                preds = project_predictions(project, progress=shown)
        rows = api.records(api.issues(project, include_all=args.all, predictions=preds))
        expected = api.expected_errors(project, predictions=preds)
    flagged = sum(r["flagged"] for r in rows)
    if not preds.meaningful and len(preds.paths):
        print(f"note: no label is judged {_TWO_CLASSES}", file=sys.stderr)
    lines = [fitted] if fitted else []
    # the estimate counts likely errors a person verified; the flags leave them out
    kept = f" ({expected - flagged:,} more verified by a person)" if expected > flagged else ""
    # what the columns are, as `queue` and `predict` say (the first one read as a bare "0%")
    columns = (
        f": label fit (low: likely wrong), verdict, path, label {ARROW} suggestion" if rows else ""
    )
    lines += [
        f"about {counted(expected, 'label')} likely wrong; {flagged:,} flagged for review{kept}"
        f"{columns}"
    ]
    if preds.pixel_share > 0:
        from labeldesk.ml.pixel_view import share_note

        note = share_note(preds.pixel_share)
        print(f"note: {note[:1].lower()}{note[1:]}", file=sys.stderr)
    lines += [
        f"{format_score(r['score'] if r['judged'] else None):>5}  "
        f"{_level(r):<17}  {shown_path(r['path'])}  "
        f"{_label_and_suggestion(r)}{'  (flagged)' if r['flagged'] else ''}"
        for r in rows
    ]
    return Output(rows, "\n".join(lines))


def _label_and_suggestion(row: dict) -> str:
    """``'label' → 'suggestion'``, as `history` and `version diff` write a label change
    (each class quoted, :data:`ARROW`); the label alone where the model suggests it."""
    if row["suggested"] == row["label"]:
        return quoted_names([row["label"]])
    if not row["suggested"]:
        return f"{quoted_names([row['label']])} {ARROW} ? (too few labels to judge)"
    return label_change(row["label"], row["suggested"])


def _level(row: dict) -> str:
    """The word for an issues row: a flagged label's score word; a label merely listed
    (``--all``) never "likely wrong" (see :func:`issue_level`)."""
    score = row["score"] if row["judged"] else None
    return issue_level(score, flagged=row["flagged"], verified=bool(row.get("verified")))


def _crossfit(project: Project, args: argparse.Namespace) -> tuple[Predictions, str]:
    """(predictions on cross-fitted features, the line saying how they came)."""
    from labeldesk.core.progress_bar import TerminalProgress
    from labeldesk.ml.crossfit import crossfit_predictions

    with TerminalProgress() as progress:
        preds, fit = crossfit_predictions(
            project, device=args.device, refit=args.refit, progress=progress
        )
    how = "fitted now" if fit.fitted_now else "from the cache"
    line = f"scored on cross-fitted features ({how}, {len(fit.vectors):,} images)"
    skipped = _skipped(fit.failed, args.project)
    if args.json:  # their rows say only "judged": false; why goes to stderr
        for part in skipped:
            print(f"note: {part}", file=sys.stderr)
    return preds, "; ".join([line, *skipped])


def _skipped(failed: list[dict[str, str]], project: object) -> list[str]:
    """What the cross-fit could not embed (those images are not judged): the unreadable
    ones, and apart from them those changed since the last scan (their labels name the
    pictures the scan saw), with the command that indexes them again."""
    from labeldesk.ml.embed_decode import CHANGED

    changed = [f for f in failed if f["reason"] == CHANGED]
    unreadable = [f for f in failed if f["reason"] != CHANGED]
    parts = []
    if unreadable:
        first = unreadable[0]
        parts.append(
            f"{len(unreadable)} unreadable, first {shown_path(first['path'])}: "
            f"{with_project_as_typed(first['reason'], project)}"
        )
    if changed:
        parts.append(
            f"{counted(len(changed), 'image')} changed since the last scan, not judged, "
            f"first {shown_path(changed[0]['path'])} "
            f"({with_project_as_typed('run `labeldesk scan PROJECT`', project)})"
        )
    return parts


def cmd_queue(args: argparse.Namespace) -> Output:
    from labeldesk import api
    from labeldesk.ml.strategies import STRATEGIES, UnknownStrategyError

    try:  # an unknown name is a usage error, as an unknown --format of export is
        STRATEGIES.get(args.strategy)
    except UnknownStrategyError:  # (the registry's order is its modules' import order)
        known = [n for n in STRATEGY_NAMES if n in STRATEGIES]
        known += [n for n in STRATEGIES if n not in known]  # one a plug-in registered
        raise OptionsError(
            f"--strategy: unknown query strategy {args.strategy!r}; use one of {', '.join(known)}"
        ) from None
    with open_existing(args.project) as project:
        _warn_missing(project, args.project)
        found = api.queue(
            project, args.n, strategy=args.strategy, seed=args.seed, all_splits=args.all_splits
        )
    rows, held_out = api.records(found), found.attrs["held_out"]
    if held_out:
        left = _held_out_note(held_out, args.project)
        if not rows:
            return Output(rows, f"nothing left to label in the train split; {left}")
        print(f"note: {left}", file=sys.stderr)
    if not rows:
        return Output(rows, "nothing left to label")
    measure = _queue_measure(args.strategy, cold=all(r["predicted"] is None for r in rows))
    head = (
        f"{counted(len(rows), 'unlabeled image')} to label next, in the order to label them "
        f"(strategy {args.strategy}): {measure + ', ' if measure else ''}path, "
        "[the model's guess]"
    )
    lines = (
        (f"{format_percent(r['score']):>5}  " if measure else "")
        + f"{shown_path(r['path'])}  [{r['predicted'] or '?'}]"
        for r in rows
    )
    return Output(rows, "\n".join([head, *lines]))


def _held_out_note(held_out: dict[str, int], project: Path) -> str:
    """Why the queue leaves out val and test images, and how to get them."""
    from labeldesk.ml.queue import held_out_text

    command = f"labeldesk queue {shlex.quote(str(project))} --all-splits"
    return (
        f"{held_out_text(held_out)} {'has' if sum(held_out.values()) == 1 else 'have'} no "
        "label and are not offered: labels there measure "
        f"the model, they do not train it (`{command}` offers them too)"
    )


def _queue_measure(strategy: str, *, cold: bool) -> str:
    """What a queue row's percentage measures: each pick's typicality (against the batch's
    most typical) while nothing predicts, the model's uncertainty after; ``random`` has
    none. The order is the picking order, so the percentages need not fall down the list."""
    if strategy == "random":
        return ""
    if strategy == "typiclust" or (strategy == "auto" and cold):
        return "how typical"
    return "how unsure the model is"


def cmd_review(args: argparse.Namespace) -> Output:
    from labeldesk.core import review

    with open_existing(args.project) as project:
        if args.label and args.action != "relabel":  # `keep PATH shirt` kept the old label
            raise OptionsError(
                f"{args.action} takes no LABEL; to give the image another label: "
                f"labeldesk review {args.project} relabel {args.path} {args.label}"
            )
        path = image_path(project, args.path)
        if args.action == "relabel":
            if not args.label:
                raise OptionsError("relabel needs the new LABEL")
            changed = _relabel(project, path, args.label, args.project)
        elif args.action == "accept":
            suggested, judged = _suggestion(project, path, crossfit=args.crossfit)
            # the suggestion answers the label it judged: a label changed meanwhile (by a
            # person in the app, while the issues were computed) is kept, not overwritten
            changed = review.accept(project, path, suggested, shown=judged)
        else:
            if args.crossfit:
                raise OptionsError("--crossfit goes with accept")
            changed = getattr(review, args.action)(project, path)
        state = project.image_states(project.ids_for([path]).values())[0]
    batch = changed.batch_id  # what `labeldesk undo` takes back (None: nothing changed)
    data = {"path": path, "label": state.label, "status": state.status, "batch": batch}
    said = f"{shown_path(path)}: {state.label or 'unlabeled'} ({state.status or 'unreviewed'})"
    return Output(data, said + undo_hint(args.project, batch))


def _relabel(project: Project, path: str, label: str, typed: object) -> Changes:
    """`review relabel`: a class the project lacks is refused with the command that adds
    it, as `label` refuses it (it named only the known classes)."""
    from labeldesk.core import review
    from labeldesk.core.classes import class_name_problem
    from labeldesk.core.errors import UnknownClassError

    if class_name_problem(label) is not None:  # (no class to add: its own words)
        return review.relabel(project, path, label)
    try:
        return review.relabel(project, path, label)
    except UnknownClassError as exc:
        add = shlex.join(["labeldesk", "classes", str(typed), "--add", label.replace(",", "\\,")])
        raise UnknownClassError(f"{exc}; add it first (`{add}`)") from None


def _suggestion(project: Project, path: str, *, crossfit: bool) -> tuple[str, str | None]:
    """(the suggestion `review accept` takes, the label it judged): the one `issues`
    lists, or with ``crossfit`` the one `issues --crossfit` lists. Without it, an image
    the cached cross-fit suggests another label for (or none) is refused: the person may
    have read either list."""
    from labeldesk.core.errors import LabelDeskError
    from labeldesk.ml.crossfit import cached_predictions

    fitted = cached_predictions(project)
    if crossfit and fitted is None:
        raise LabelDeskError(
            f"no cross-fit covers every embedded image: run `labeldesk issues "
            f"{project.path} --crossfit` first"
        )
    suggested, judged = _issue_of(project, path, fitted if crossfit else None)
    if suggested is None:
        raise LabelDeskError(
            f"{shown_path(path)} has no suggestion (is it labeled and embedded, "
            "with enough labels of its class to judge it?)"
        )
    if not crossfit and fitted is not None:
        other, _ = _issue_of(project, path, fitted)
        if other != suggested:
            crossfitted = f"suggests {other!r}" if other else "has no suggestion"
            raise LabelDeskError(
                f"{shown_path(path)}: `issues` suggests {suggested!r} and `issues --crossfit` "
                f"{crossfitted}; accept the cross-fitted one with `review accept --crossfit`, "
                "or give the label with `review relabel PATH LABEL`"
            )
    return suggested, judged


def _issue_of(
    project: Project, path: str, preds: Predictions | None
) -> tuple[str | None, str | None]:
    """(the suggestion for ``path``, its label) as ``preds`` judge it (None: the
    project's predictions); no suggestion when it is not judged."""
    from labeldesk.ml.issues import label_issues

    found = label_issues(project, include_all=True, preds=preds)
    match = [i for i in found if i.path == path]
    return (match[0].suggested, match[0].label) if match else (None, None)
