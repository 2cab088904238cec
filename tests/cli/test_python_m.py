"""`python -m labeldesk` runs the command once: a process it starts with "spawn" imports
labeldesk/__main__.py again (as __mp_main__) and must not run the command in there too
(the app opened on a damaged project said 'Model insights failed unexpectedly: An attempt
has been made to start a new process before the current process has finished its
bootstrapping phase')."""

from __future__ import annotations

import runpy

import pytest

import labeldesk.cli


def test_the_command_runs_only_where_labeldesk_is_the_main_module(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[tuple] = []
    monkeypatch.setattr(labeldesk.cli, "run", lambda *args: calls.append(args))
    runpy.run_module("labeldesk", run_name="__mp_main__")  # as a spawned child imports it
    assert calls == []
    runpy.run_module("labeldesk", run_name="__main__")  # python -m labeldesk
    assert calls == [()]
