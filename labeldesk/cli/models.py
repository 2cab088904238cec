"""`labeldesk models`: trained versions scored on one frozen test set, compared, pinned."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from labeldesk.cli._base import PROJECT_HELP, Output, open_existing, path_arg, positive_int
from labeldesk.core.display import format_percent, shown_path
from labeldesk.core.errors import LabelDeskError

if TYPE_CHECKING:
    from labeldesk.core.project import Project
    from labeldesk.ml.models import ModelVersion


def add_parsers(add: Callable[..., argparse.ArgumentParser]) -> None:
    p = add(
        "models",
        "trained model versions, newest first, scored on the frozen test set; which one "
        "the app uses and why",
    )
    p.add_argument("project", type=path_arg, help=PROJECT_HELP)
    p.add_argument(
        "--compare",
        nargs=2,
        type=positive_int,
        metavar=("A", "B"),
        help="two versions side by side on the same test images (McNemar's test) with the "
        "images one gets right and the other wrong",
    )
    pinning = p.add_mutually_exclusive_group()
    pinning.add_argument(
        "--pin", type=positive_int, metavar="ID", help="use this head, whatever is trained"
    )
    pinning.add_argument("--unpin", action="store_true", help="lift the pin")
    p.add_argument(
        "--test-set",
        metavar="VERSION",
        help="freeze the test split of this dataset version as the test set every version "
        "is scored on (default: kept from the first evaluation)",
    )
    p.set_defaults(handler=cmd_models)


def cmd_models(args: argparse.Namespace) -> Output:
    from labeldesk.ml.model_choice import chosen_head, pin, predicting
    from labeldesk.ml.model_eval import frozen_test_set

    with open_existing(args.project) as project:
        if args.pin is not None or args.unpin:
            pin(project, None if args.unpin else args.pin)
        if args.test_set is not None:
            frozen_test_set(project, args.test_set)
        if args.compare:
            return _compare(project, *args.compare)
        return _listing(project, predicting(project), chosen_head(project))


def _listing(project: Project, chosen: Any, rule: Any) -> Output:
    """``chosen``: the head the predictions use now (``InUse``); ``rule``: the head the
    choice rule keeps (the same, unless labels changed since it was trained)."""
    from labeldesk.ml.model_eval import score_heads
    from labeldesk.ml.models import list_versions
    from labeldesk.ml.unfinished import unfinished_embeddings

    versions = list_versions(project)
    _, scores = score_heads(project, versions)
    unfinished = unfinished_embeddings(project)
    rows, lines = [], []
    for v in versions:
        row = v.to_json()
        row["in_use"] = chosen.version is not None and chosen.version.id == v.id
        row["chosen"] = rule.version is not None and rule.version.id == v.id
        row["evaluation"] = scores.get(v.id)
        row["embeddings_unfinished"] = unfinished is not None and unfinished.version == v.id
        rows.append(row)
        lines.append(describe(v, row["evaluation"], row["in_use"]))
        if row["embeddings_unfinished"] and unfinished is not None:
            lines.append(f"      {unfinished.command_text(project)}")
            lines.extend(f"      {line}" for line in _set_aside_line(project))
    if chosen.version is not None:
        lines.append(f"in use: #{chosen.version.id} ({chosen.reason})")
    elif versions:
        lines.append(f"in use: no head, the linear probe predicts ({chosen.reason})")
        if rule.version is not None:
            lines.append(f"chosen: #{rule.version.id} ({rule.reason})")
    return Output(rows, "\n".join(lines) or "no trained models yet")


_KIND_WORDS = {"finetune": "fine-tune"}


def _compare(project: Project, a: int, b: int) -> Output:
    from labeldesk.ml.model_eval import (
        compare,
        evaluation,
        frozen_test_set,
        none_in_common,
        score_version,
    )
    from labeldesk.ml.models import get_version

    test = frozen_test_set(project)
    va, vb = get_version(project, a), get_version(project, b)
    for version in (va, vb):
        if version.kind != "head":
            raise LabelDeskError(
                f"model version {version.id} is a {_KIND_WORDS.get(version.kind, version.kind)}, "
                "not a classifier head: --compare scores heads on the frozen test set; train "
                "a head on its embeddings (`labeldesk train PROJECT --mode head`) and compare "
                "that one"
            )
    sa, sb = score_version(project, va, test), score_version(project, vb, test)
    result = compare(sa, sb, test)
    data = result.to_json() | {
        "test_set": test.version,
        "evaluation_a": evaluation(sa, test),
        "evaluation_b": evaluation(sb, test),
    }
    lines = [
        f"on {result.n} images of the frozen test set ({test.version}):",
        f"  #{a}: accuracy {_pct(result.accuracy_a)}, macro-F1 "
        f"{_pct(data['evaluation_a']['macro_f1'])}",
        f"  #{b}: accuracy {_pct(result.accuracy_b)}, macro-F1 "
        f"{_pct(data['evaluation_b']['macro_f1'])}",
        f"  only #{a} right: {len(result.only_a_right)}, only #{b} right: "
        f"{len(result.only_b_right)}, {result.p_text()}"
        + (f" (#{b} is worse)" if result.b_worse else ""),
    ]
    if result.n == 0:  # say why, rather than leave a p of 1 on nothing unexplained
        lines.append(f"  {none_in_common(sa, sb)}")
    for name, paths in ((a, result.only_a_right), (b, result.only_b_right)):
        lines += [f"  only #{name} right: {shown_path(p)}" for p in paths[:10]]
        if len(paths) > 10:
            lines.append(f"  ... {len(paths) - 10} more (--json lists them all)")
    return Output(data, "\n".join(lines))


def describe(version: ModelVersion, scored: dict[str, Any] | None, used: bool) -> str:
    """One line: id, kind, when, status, then the frozen-test figures (or the run's own)."""
    import datetime as dt

    when = dt.datetime.fromtimestamp(version.created_at).strftime("%Y-%m-%d %H:%M")
    parts = [f"{'*' if used else ' '} #{version.id} {version.kind} {when} ({version.status})"]
    if version.dataset_version:
        parts.append(f"trained on {version.dataset_version}")
    if scored and scored.get("accuracy") is not None:
        parts.append(
            f"frozen test ({scored['test_set']}, n={scored['n']}): accuracy "
            f"{format_percent(scored['accuracy'])}, macro-F1 {format_percent(scored['macro_f1'])}"
            f", ECE {scored['ece']:.3f}"
        )
    else:
        parts += run_accuracies(version)
    return ", ".join(parts)


def run_accuracies(version: ModelVersion) -> list[str]:
    """The run's own accuracy figures, as `models` and `train` print them: "val accuracy
    91.2% (n=120)" (or the split it evaluated on; ", too few to measure" where it warned),
    "test accuracy …"; none that it did not measure."""
    parts = []
    for name in ("eval", "test"):
        report = version.metrics.get(name)
        if report and report.get("accuracy") is not None:
            label = version.metrics.get("evaluated_on", "val") if name == "eval" else "test"
            accuracy = format_percent(report["accuracy"])
            few = name == "eval" and version.metrics.get("eval_warning")
            note = ", too few to measure" if few else ""
            parts.append(f"{label} accuracy {accuracy} (n={report['n']}{note})")
    return parts


def _pct(value: float | None) -> str:
    return "-" if value is None else format_percent(value)


def _set_aside_line(project: Project) -> list[str]:
    """How to turn an unfinished fine-tune down and stay on the embeddings in use."""
    import shlex

    from labeldesk.ml.input_size import current_spec

    spec = current_spec(project)
    if spec is None:
        return []
    command = shlex.join(["labeldesk", "embed", str(project.path), "--model", spec])
    return [f"to stay on the embeddings in use instead (and set it aside): `{command}`"]
