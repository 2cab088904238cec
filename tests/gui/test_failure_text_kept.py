"""The app's code never makes plain text of a FailureText by accident (an f-string, a
prefix, ``.format``): the text made would lose the disk the failure found full, which
the window's full-disk notice watches, and mypy cannot see it (a FailureText is a str).
Text shown on a form alone asks for the plain words by name (``f"{x!s}"``); text said
otherwise keeps the disk (``said.reworded(f"Cross-fit: {said}")``). See
:mod:`gui.failure_text_uses` for what the check follows."""

from __future__ import annotations

from pathlib import Path

import pytest

import labeldesk.gui
from gui.failure_text_uses import plain_text_made, plain_text_made_in


def test_no_failure_text_is_made_plain_text_in_the_app():
    found = plain_text_made_in(Path(labeldesk.gui.__file__).parent)
    assert not found, "\n".join(map(str, found))


HEAD = """
from labeldesk.gui.full_disk import FailureText, said as with_disk
from labeldesk.gui.workers import write_failure
"""


@pytest.mark.parametrize(
    "body",
    [
        "def f(exc):\n    notify(f'Failed: {with_disk(\"x\", exc)}')",
        "def f(job, exc):\n    text = job.describe(exc)\n    notify('Failed: ' + text)",
        "def f(exc):\n    text = write_failure(exc)\n    notify('Failed: {}'.format(text))",
        "def f(message: FailureText):\n    notify('Failed: %s' % message)",
        "def f(message: 'FailureText | None'):\n    message += '.'",
        "class V:\n    def go(self, job, exc):\n        self._failed(job.describe(exc))\n"
        "    def _failed(self, message: str):\n        notify(f'Failed: {message}')",
        "def f(said: FailureText):\n    notify(said.reworded('x') + '!')",
    ],
)
def test_the_check_finds_each_way_of_making_plain_text(body):
    assert len(plain_text_made(HEAD + body)) == 1


@pytest.mark.parametrize(
    "body",
    [
        "def f(job, exc, other):\n    text = job.describe(exc) if other else 'x'\n"
        "    notify(f'Failed: {text}')",
        "def f(job, exc, other):\n    notify('Failed: ' + (other or job.describe(exc)))",
        "def f(job, exc):\n    notify('; '.join([job.describe(exc), 'then stopped']))",
        "def f(job, a, b):\n    said = []\n    said.append(job.describe(a))\n"
        "    said.append(job.describe(b))\n    notify('; '.join(said))",
        "def f(job, exc):\n    said = (job.describe(exc),)\n    notify(f'Failed: {said[0]}')",
        "def f(job, excs):\n    said = set()\n    for exc in excs:\n"
        "        said.add(job.describe(exc))\n    for text in said:\n        notify(f'- {text}')",
        "def f(job, excs):\n    said = [job.describe(exc) for exc in excs]\n"
        "    notify([f'- {text}' for text in said])",
    ],
)
def test_the_check_follows_one_through_a_choice_and_a_container(body):
    """Either side of ``if``/``else`` and ``or``, and a list, tuple or set given one in
    the same function: not followed before."""
    assert len(plain_text_made(HEAD + body)) == 1


@pytest.mark.parametrize(
    "body",
    [
        "def f(said: FailureText, name):\n    notify(said.reworded(f'{name}: {said}'))",
        "def f(job, exc):\n    notify(with_disk(f'Nothing added: {job.describe(exc)}', exc))",
        "def f(message: FailureText):\n    label.setText(f'Failed: {message!s}')",
        "def f(message: FailureText):\n    label.setText('Failed: ' + str(message))",
        "def f(message: str):\n    notify(f'Failed: {message}')",  # handed none
        "def f(rows):\n    notify(f'{rows.describe()} applied')",  # (a count's describe)
        "def f(job, exc):\n    notify(with_disk('; '.join([job.describe(exc), 'x']), exc))",
        "def f(job, exc):\n    said = [job.describe(exc)]\n    notify(f'{len(said)} failed')",
        "def f(names):\n    notify('; '.join(names))",  # (holds none)
    ],
)
def test_the_check_leaves_text_that_keeps_the_disk_or_asks_for_plain_words(body):
    assert plain_text_made(HEAD + body) == []
