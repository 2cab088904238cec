"""Every option of every command says what it does in `--help` (`queue --seed`, `train
--mode` and the `--device` options printed their bare names)."""

from __future__ import annotations

import argparse

from labeldesk.cli import build_parser


def _commands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    raise AssertionError("no commands")


def test_every_option_has_a_help_text():
    bare = [
        f"{name} {action.option_strings[-1]}"
        for name, command in _commands(build_parser()).items()
        for action in command._actions
        if action.option_strings and not action.help and action.dest != "help"
    ]
    assert bare == []
