"""The most used commands' `--help` ends with examples (README had them, `--help` none):
README's own command lines, each one read by the real parser and found in README.md."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from labeldesk.cli import build_parser, main
from labeldesk.cli.examples import EXAMPLES

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
SHOWN = [(command, line) for command, pairs in EXAMPLES.items() for line, _ in pairs]


def test_the_five_most_used_commands_have_examples():
    assert set(EXAMPLES) == {"new", "embed", "issues", "label", "export"}
    assert all(len(pairs) >= 2 for pairs in EXAMPLES.values())


@pytest.mark.parametrize(("command", "line"), SHOWN)
def test_each_example_is_in_help_parses_and_is_readmes_own(command, line, capsys):
    with pytest.raises(SystemExit):
        main([command, "--help"])
    helped = capsys.readouterr().out
    assert "\nexamples:\n" in helped and f"\n  {line}\n" in helped  # one line, as typed
    words = shlex.split(line)
    assert words[0] == "labeldesk" and words[1] == command
    args = build_parser().parse_args(words[1:])  # (a usage error raises)
    assert args.command == command and args.handler is not None
    assert line in README, line


def test_a_command_without_examples_has_no_examples_heading(capsys):
    with pytest.raises(SystemExit):
        main(["stats", "--help"])
    assert "examples:" not in capsys.readouterr().out


def test_the_command_list_says_version_also_checks_an_export(capsys):
    """`labeldesk --help` said "version: name the dataset as it is now, list versions,
    compare two", leaving out `version verify OUT`, the README's last step of its loop."""
    with pytest.raises(SystemExit):
        main(["--help"])
    helped = " ".join(capsys.readouterr().out.split())
    assert "version name the dataset as it is now, list versions, compare two" in helped
    assert "compare two, check an export" in helped
