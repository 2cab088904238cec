"""`labeldesk issues` shows its predictions' progress (the probes' folds, seconds to
minutes on a big project) as bars on stderr where stderr is a terminal; in a pipe or a log
it stays quiet (see test_quiet_terminal.py), and stdout is the same either way (one JSON
document with --json)."""

from __future__ import annotations

import json

import pytest

from labeldesk.cli import main
from labeldesk.core import progress_bar

from .test_train_progress import FakeBar, bars  # noqa: F401  (bars: a fixture)


def issues(project, capsys, *extra: str) -> tuple[str, str]:
    assert main(["issues", str(project.path), *extra]) == 0
    captured = capsys.readouterr()
    return captured.out, captured.err


def test_a_terminal_shows_each_probe_fold_and_stdout_is_the_same(clustered, bars, capsys):  # noqa: F811
    project, _ = clustered
    out, _ = issues(project, capsys)
    probe = [b for b in bars if b.desc == "probe"]
    assert probe and all((b.n_at_close, b.total, b.unit) == (5, 5, "fold") for b in probe)
    assert all("pass" not in b.postfix for b in probe)  # the bar's name says the pass
    bars.clear()
    again, _ = issues(project, capsys)  # read from the cache: nothing fitted, no bar
    assert (bars, again) == ([], out)


@pytest.mark.parametrize("terminal", [True, False])
def test_json_stdout_is_one_document_and_no_terminal_gets_no_progress(
    clustered,
    bars,  # noqa: F811
    capsys,
    monkeypatch,
    terminal,
):
    monkeypatch.setattr(progress_bar, "stderr_is_terminal", lambda: terminal)
    project, _ = clustered
    out, err = issues(project, capsys, "--json")
    assert bool(bars) is terminal
    assert "probe" not in err  # no plain progress lines either
    cached, _ = issues(project, capsys, "--json")
    assert json.loads(out) == json.loads(cached)
