"""Every option of every command says what it does in `--help` (`queue --seed`, `train
--mode` and the `--device` options printed their bare names; `version P create --json`
and the other `version` actions' `--json` did too)."""

from __future__ import annotations

import argparse
from collections.abc import Iterator

from labeldesk.cli import build_parser


def _commands(
    parser: argparse.ArgumentParser, prefix: str = ""
) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    """Every command and every action of one (`version create`), with its name."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, command in action.choices.items():
                yield f"{prefix}{name}", command
                yield from _commands(command, f"{prefix}{name} ")


def test_every_option_has_a_help_text():
    bare = [
        f"{name} {action.option_strings[-1]}"
        for name, command in _commands(build_parser())
        for action in command._actions
        if action.option_strings and not action.help and action.dest != "help"
    ]
    assert bare == []


def test_the_actions_of_version_are_listed():
    assert {name for name, _ in _commands(build_parser())} >= {
        "version create",
        "version list",
        "version diff",
    }


def test_every_argument_has_a_help_text():
    """`labeldesk stats --help` listed `project` with nothing beside it, `review --help`
    its five actions without a word on what each does."""
    bare = [
        f"{name} {action.dest}"
        for name, command in _commands(build_parser())
        for action in command._actions
        if not action.option_strings
        and not isinstance(action, argparse._SubParsersAction)
        and not action.help
    ]
    assert bare == []


def test_an_unknown_option_shows_the_commands_usage(capsys):
    """`labeldesk stats P --bogus` printed `usage: labeldesk [-h] [--version] COMMAND ...`,
    the top level's, where the options of `stats` are what the person needs."""
    from labeldesk.cli import main

    assert main(["stats", "somewhere", "--bogus"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: labeldesk stats [-h] [--json] project"), err
    assert "error: unrecognized arguments: --bogus" in err


def test_every_image_path_argument_says_which_paths_it_takes():
    """`label`, `similar`, `review` and `history` take an image's path relative to the
    image folder, from the current folder (tab completion) or in full, as the README
    says; their --help said only "image path relative to the image folder"."""
    helps = {
        name: action.help or ""
        for name, command in _commands(build_parser())
        for action in command._actions
        if action.dest == "path" and not action.option_strings
    }
    assert set(helps) == {"label", "similar", "review", "history"}
    for name, text in helps.items():
        assert "relative to the image folder" in text, name
        assert "from the current folder" in text and "full path" in text, name
