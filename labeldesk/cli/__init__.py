"""Command line: parse arguments, call core functions, print text or one JSON document.

Kept thin on purpose: every command is a call into ``labeldesk.core`` (or ``ml``/``interop``)
that the GUI makes too. Progress goes to stderr; ``--json`` output goes to stdout. Each
module in this package adds its subcommands with ``add_parsers``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence

from labeldesk.cli import app, dataset, embeddings, export, review
from labeldesk.cli._base import Output
from labeldesk.core.errors import LabelDeskError

__all__ = ["Output", "build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    from labeldesk import __version__

    parser = argparse.ArgumentParser(
        prog="labeldesk",
        description="Curate image-classification datasets: index, label, find mistakes, export.",
    )
    parser.add_argument("--version", action="version", version=f"labeldesk {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, help_text: str, json_output: bool = True) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        if json_output:
            p.add_argument("--json", action="store_true", help="print one JSON document on stdout")
        return p

    for module in (dataset, embeddings, review, export, app):
        module.add_parsers(add)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        result = args.handler(args)
    except LabelDeskError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    if isinstance(result, int):
        return result
    if result is not None:
        try:
            if getattr(args, "json", False):
                json.dump(result.data, sys.stdout, indent=2, default=str)
                sys.stdout.write("\n")
            else:
                print(result.text)
            sys.stdout.flush()
        except BrokenPipeError:  # `labeldesk … | head`: the reader has all it wanted
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0
