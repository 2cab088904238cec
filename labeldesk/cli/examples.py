"""The "examples:" at the end of the most used commands' ``--help``: README's own
command lines (tests/cli/test_help_examples.py parses each one with the real parser and
finds it in README.md, so neither can drift from the other)."""

from __future__ import annotations

import argparse

__all__ = ["EXAMPLES", "ExamplesFormatter", "epilog"]

# command: (the command line as README writes it, what it does)
EXAMPLES: dict[str, tuple[tuple[str, str], ...]] = {
    "new": (
        ("labeldesk new myproj --images ~/data/pets", "create a project and index the folder"),
        (
            "labeldesk new myproj --images ~/data/pets --labels labels.csv --classes cat,dog,bird",
            "the labels from a file, the classes named first",
        ),
    ),
    "embed": (
        ("labeldesk embed myproj", "embeddings for every image (incremental, resumable)"),
        ("labeldesk embed myproj --ray 127.0.0.1:6379", "on the machines of a Ray cluster"),
    ),
    "issues": (
        ("labeldesk issues myproj", "likely mislabels, most suspicious first"),
        ("labeldesk issues myproj --crossfit", "the same on cross-fitted features (GPU; cached)"),
    ),
    "label": (
        (
            "labeldesk label myproj train/cat/001.jpg dog",
            "relabel one image ('-' removes the label)",
        ),
        ("labeldesk label myproj --csv fixes.csv", "many labels, all or nothing"),
    ),
    "export": (
        (
            "labeldesk export myproj ~/clean-pets --exclude-flagged",
            "curated copy: OUT/<split>/<class>/<file>",
        ),
        (
            "labeldesk export p out --version v1 --format csv",
            "a copy to train from (or: imagefolder, parquet, hf, …)",
        ),
    ),
}

_HEADING = "examples:"


def epilog(command: str) -> str | None:
    """The "examples:" text of ``command``'s ``--help``, or None (a command without)."""
    if command not in EXAMPLES:
        return None
    lines = [_HEADING]
    for line, what in EXAMPLES[command]:
        lines += [f"  {line}", f"      {what}"]
    return "\n".join(lines)


class ExamplesFormatter(argparse.HelpFormatter):
    """argparse's help, with the examples kept line by line (argparse rewraps any other
    text into one paragraph, which ran the command lines together)."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if text.startswith(_HEADING + "\n"):
            return "\n".join(indent + line for line in text.splitlines())
        return super()._fill_text(text, width, indent)
