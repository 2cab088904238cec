"""Advice for a usage error caused by a name that begins with '-'.

argparse reads ``labeldesk label P -odd.png cat`` (or the class ``-neg``) as options it
does not know and says only "unrecognized arguments" or "the following arguments are
required": nothing tells the person that such a name goes after ``--``. This walks the
command line as argparse would (options and the values they take, positionals, the
``version`` actions) and, when a word that begins with '-' sits where a positional could
go, says so with the command rewritten: options first, then ``--`` before that name. A
value of an option (``--csv -fixes.csv``) is joined to it with ``=`` instead.
"""

from __future__ import annotations

import argparse
import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field

# what argparse reads as a negative number, hence as a positional (a class `-1`)
_NEGATIVE_NUMBER = re.compile(r"^-\d+$|^-\d*\.\d+$")


@dataclass
class _Walk:
    """A command line split as argparse reads it."""

    prefix: list[str] = field(default_factory=list)  # up to the command (or its action)
    options: list[str] = field(default_factory=list)  # the command's options and values
    names: list[str] = field(default_factory=list)  # its positionals, in order
    # the command's words as given, with `--csv -x.csv` written `--csv=-x.csv`: None
    # while no option was given a value that begins with '-'
    joined: list[str] | None = None
    given: list[str] = field(default_factory=list)  # the command's words as given
    slots: float = 0  # how many positionals the command takes
    # the words after `--` (all names to argparse), None when there is no `--`, and the
    # command's parser they belong to
    after_dashes: list[str] | None = None
    command: argparse.ArgumentParser | None = None

    def descend(self, word: str) -> None:
        """``word`` chose a command (or ``version``'s action): what came before it stays
        before it (options first)."""
        self.prefix += [*self.options, *self.names, word]
        self.options, self.names, self.given, self.joined = [], [], [], None

    def add_option(self, word: str, values: list[str], takes_one: bool) -> None:
        if takes_one and values and _is_dashed(values[0]) and self.joined is None:
            self.joined = [*self.given, f"{word}={values[0]}"]
        elif self.joined is not None:
            self.joined += [word, *values]
        self.options += [word, *values]
        self.given += [word, *values]

    def add_name(self, word: str) -> None:
        self.names.append(word)
        self.given.append(word)
        if self.joined is not None:
            self.joined.append(word)

    def example(self) -> str | None:
        """The command line with ``--`` before the first name that begins with '-' (the
        options before the names: Python 3.11 reads no positional after ``--`` that
        follows an option), or None when there is none or it has more names than fit."""
        first = next((i for i, name in enumerate(self.names) if _is_dashed(name)), None)
        if first is None or len(self.names) > self.slots:
            return None
        names = [*self.names[:first], "--", *self.names[first:]]
        return shlex.join(["labeldesk", *self.prefix, *self.options, *names])

    def joined_example(self) -> str | None:
        """The command line with an option's value that begins with '-' joined by ``=``."""
        if self.joined is None:
            return None
        return shlex.join(["labeldesk", *self.prefix, *self.joined])

    def options_first_example(self) -> str | None:
        """The command line with the command's options given after ``--`` (read as names
        there) moved before it, or None when there are none or the names left do not
        fit (a file truly named ``-k`` goes after ``--``)."""
        if self.after_dashes is None or self.command is None:
            return None
        moved: list[str] = []
        names: list[str] = []
        rest = self.after_dashes
        i = 0
        while i < len(rest):
            word = rest[i]
            i += 1
            action = _option(self.command, word)
            if action is None or isinstance(action, argparse._HelpAction):
                names.append(word)
                continue
            values = rest[i : i + _values_taken(action, word, rest[i:])]
            moved += [word, *values]
            i += len(values)
        if not moved or len(self.names) + len(names) > self.slots:
            return None
        words = [*self.prefix, *self.options, *moved, *self.names, "--", *names]
        return shlex.join(["labeldesk", *words])


def dash_hint(parser: argparse.ArgumentParser, argv: Sequence[str]) -> str:
    """ "; a name that begins with '-' goes after --, e.g. `…`" for ``argv`` when a word
    in it that begins with '-' is likely a name argparse took for an option; else ""."""
    walk = _walk(parser, list(argv))
    if walk is None:
        return ""
    if walk.after_dashes is not None:  # the names are after -- already
        moved = walk.options_first_example()
        return "" if moved is None else f"; options go before --, e.g. `{moved}`"
    example = walk.example()
    if example is not None:
        return f"; a name that begins with '-' goes after --, e.g. `{example}`"
    joined = walk.joined_example()
    if joined is not None:
        return f"; a value that begins with '-' is joined to its option by =, e.g. `{joined}`"
    return ""


def _walk(parser: argparse.ArgumentParser, argv: list[str]) -> _Walk | None:
    """``argv`` split for :func:`dash_hint` (the words after ``--`` kept aside); None
    when it names no command."""
    walk = _Walk()
    current, positionals = parser, _positionals(parser)
    i = 0
    while i < len(argv):
        word = argv[i]
        i += 1
        if word == "--":
            if current is parser:
                return None
            walk.after_dashes, walk.command = argv[i:], current
            break
        action = _option(current, word)
        if action is not None:
            values = argv[i : i + _values_taken(action, word, argv[i:])]
            walk.add_option(word, values, action.nargs in (None, 1))
            i += len(values)
            continue
        sub = positionals[0] if positionals else None
        if isinstance(sub, argparse._SubParsersAction) and word in sub.choices:
            walk.descend(word)
            current = sub.choices[word]
            positionals = _positionals(current)
            walk.slots = sum(_slots(a) for a in positionals)
            continue
        if current is parser:
            return None  # a word before any command: not this module's case
        walk.add_name(word)
        if positionals and _slots(positionals[0]) == 1:
            positionals = positionals[1:]
    return walk if walk.prefix else None


def _positionals(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    return [a for a in parser._actions if not a.option_strings]


def _slots(action: argparse.Action) -> float:
    """How many words a positional takes at most (a subcommand's: counted as its own)."""
    if isinstance(action, argparse._SubParsersAction):
        return 0
    if action.nargs in ("*", "+", argparse.REMAINDER):
        return float("inf")
    return action.nargs if isinstance(action.nargs, int) else 1


def _option(parser: argparse.ArgumentParser, word: str) -> argparse.Action | None:
    """The option ``word`` names for ``parser`` (exactly, ``--opt=value``, a long option's
    unique prefix, or a short one with its value attached: ``-n5``), else None."""
    if not word.startswith("-") or word == "-" or _NEGATIVE_NUMBER.match(word):
        return None
    known = parser._option_string_actions
    name = word.split("=", 1)[0] if word.startswith("--") else word
    if name in known:
        return known[name]
    if word.startswith("--"):
        matches = {a for s, a in known.items() if s.startswith("--") and s.startswith(name)}
        return matches.pop() if len(matches) == 1 else None
    return known.get(word[:2]) if len(word) > 2 else None


def _values_taken(action: argparse.Action, word: str, rest: list[str]) -> int:
    """How many of the next words (``rest``) ``action`` takes as its values."""
    attached = "=" in word if word.startswith("--") else len(word) > 2
    if attached or action.nargs == 0:
        return 0
    if isinstance(action.nargs, int):
        return action.nargs
    if action.nargs is None:
        return 1
    optional_value = action.nargs == "?" and bool(rest) and not rest[0].startswith("-")
    return 1 if optional_value else 0


def _is_dashed(word: str) -> bool:
    """A word argparse takes for an option though it may be a name: one dash, then text
    (a file ``-odd.png``, a class ``-neg``); not ``-``, a negative number, nor ``--x``
    (a mistyped long option, far more often than a name)."""
    return (
        word.startswith("-")
        and not word.startswith("--")
        and len(word) > 1
        and not _NEGATIVE_NUMBER.match(word)
    )
