"""Every `labeldesk` command the README quotes is one the parser knows: each command
line in its code blocks parses as written, and every `--option` quoted with a command,
in a code block or inline (`export p out --version v1`, `classes --rename`), is an
option of that command. test_readme_commands checks the command table only; an option
renamed in the code but still quoted in a later section would be copied by a user and
refused."""

from __future__ import annotations

import argparse
import re
import shlex
from pathlib import Path

import pytest

from labeldesk.cli import UsageError, build_parser

README = Path(__file__).resolve().parents[2] / "README.md"
_FLAG = re.compile(r"(?<![\w-])(--[a-z][a-z0-9-]*)")


def _subparsers(parser: argparse.ArgumentParser) -> argparse._SubParsersAction | None:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action
    return None


def _options(parser: argparse.ArgumentParser) -> set[str]:
    return {o for action in parser._actions for o in action.option_strings}


def _block_lines(text: str) -> list[str]:
    """The `labeldesk …` commands of the code blocks, one per command (a line joined by
    `&&`, `;` or a pipe gives each of its commands)."""
    found = []
    for body in re.findall(r"```\w*\n(.*?)```", text, re.S):
        for line in body.splitlines():
            for part in re.split(r"\s*(?:&&|\|\||;|\||\$\()\s*", line.strip()):
                if part.startswith("labeldesk "):
                    found.append(part)
    return found


def _inline(text: str, commands: set[str]) -> list[str]:
    """Inline code that starts with `labeldesk` or with a command's name and has more
    after it (`version create --note`, `undo --batch ID`)."""
    found = []
    for code in re.findall(r"`([^`\n]+)`", text):
        words = code.split()
        if words[0] == "labeldesk" or (words[0] in commands and len(words) > 1):
            found.append(code)
    return found


def _resolve(words: list[str]) -> tuple[list[str], set[str]]:
    """The command path the words name (`version`, `create`) and the options every parser
    on that path takes."""
    parser = build_parser()
    path, options = [], _options(parser)
    for word in words:
        sub = _subparsers(parser)
        if sub is not None and word in sub.choices:
            parser = sub.choices[word]
            path.append(word)
            options |= _options(parser)
    return path, options


@pytest.fixture(scope="module")
def text() -> str:
    return README.read_text(encoding="utf-8")


def test_the_readme_quotes_commands(text):
    # the extraction finds what it should (a README reshaped so that nothing is found
    # would make the tests below pass on nothing)
    assert len(_block_lines(text)) > 40
    commands = set(_subparsers(build_parser()).choices)  # type: ignore[union-attr]
    assert len(_inline(text, commands)) > 100


def test_every_option_quoted_with_a_command_exists(text):
    commands = set(_subparsers(build_parser()).choices)  # type: ignore[union-attr]
    unknown = []
    for quoted in _block_lines(text) + _inline(text, commands):
        command = quoted.split("  #")[0].replace("/--", " --")  # `--rename/--merge`
        words = command.split()
        if words[0] == "labeldesk":
            words = words[1:]
        path, options = _resolve(words)
        for flag in _FLAG.findall(command):
            if flag not in options:
                unknown.append(f"labeldesk {' '.join(path)}: {flag}  (in `{quoted}`)")
    assert unknown == []


def test_every_command_line_in_a_code_block_parses(text):
    parser = build_parser()
    refused = []
    for line in _block_lines(text):
        command = re.sub(r"\[[^\]]*\]", "", line)  # [OPTIONAL] parts left out
        words = shlex.split(command, comments=True)[1:]
        if words[:1] == ["--version"]:  # prints and exits; loads torch
            continue
        try:
            parser.parse_args(words)
        except UsageError as exc:
            refused.append(f"`{line}`: {exc}")
    assert refused == []
