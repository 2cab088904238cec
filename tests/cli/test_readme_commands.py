"""README's "Using the command line" table is what a new user copies: every command the
parser has is shown there (`version` was not), and every line there is one the parser
takes as written (an option renamed in the code but not in the README would fail here)."""

from __future__ import annotations

import argparse
import re
import shlex
from pathlib import Path

from labeldesk.cli import build_parser

README = Path(__file__).resolve().parents[2] / "README.md"


def _table() -> list[str]:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Using the command line") :]
    block = section[section.index("```bash") + len("```bash") :]
    return [line for line in block[: block.index("```")].splitlines() if line.strip()]


def _words(line: str) -> list[str]:
    command = re.sub(r"\[[^\]]*\]", "", line)  # [PATH]: optional, left out
    words = shlex.split(command, comments=True)
    assert words[0] == "labeldesk", line
    return words[1:]


def test_every_command_is_in_the_readme_table():
    parser = build_parser()
    [commands] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    shown = {_words(line)[0] for line in _table()}
    assert set(commands.choices) - shown == set()


def test_every_line_of_the_readme_table_parses_as_written():
    parser = build_parser()
    for line in _table():
        args, extras = parser.parse_known_args(_words(line))
        assert extras == [], line
        assert args.command == _words(line)[0]
