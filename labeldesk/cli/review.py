"""Commands over predictions: predict, issues, queue."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from labeldesk.cli._base import Output, open_existing


def add_parsers(add: Callable[..., argparse.ArgumentParser]) -> None:
    p = add("predict", "predicted class and confidence for every embedded image")
    p.add_argument("project", type=Path)
    p.set_defaults(handler=cmd_predict)


def _warn_missing(project) -> None:  # type: ignore[no-untyped-def]
    from labeldesk.ml.store import project_vectors

    missing = project_vectors(project).missing
    if missing:
        print(
            f"note: {missing} image(s) have no embedding yet and are left out; run "
            f"`labeldesk embed {project.path}`",
            file=sys.stderr,
        )


def cmd_predict(args: argparse.Namespace) -> Output:
    from labeldesk.ml.predictions import project_predictions

    with open_existing(args.project) as project:
        _warn_missing(project)
        rows = project_predictions(project).to_json()
    text = "\n".join(f"{r['confidence']:.3f}  {r['predicted']:<16} {r['path']}" for r in rows)
    return Output(rows, text)
