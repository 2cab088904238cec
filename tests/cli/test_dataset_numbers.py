"""history -n and new/scan --workers take only sensible numbers: `history -n -1` used to
list every event (SQLite's LIMIT -1), `--workers -1` silently decoded in one process."""

from __future__ import annotations

import json

import pytest

from labeldesk.cli import main

BAD = [
    (["history", "P", "-n", "-1"], "-n"),
    (["new", "P", "--images", "I", "--workers", "0"], "--workers"),
    (["scan", "P", "--workers", "-1"], "--workers"),
]


@pytest.mark.parametrize(("argv", "option"), BAD, ids=[" ".join(a) for a, _ in BAD])
def test_a_bad_count_is_a_usage_error(argv, option, capsys, tmp_path):
    argv = [str(tmp_path / a) if a in ("P", "I") else a for a in argv]
    assert main([*argv, "--json"]) == 2
    document = json.loads(capsys.readouterr().out)
    assert document["kind"] == "UsageError"
    assert f"argument {option}" in document["error"]


def test_history_n_limits_the_events(project, capsys):
    assert main(["history", str(project.path), "-n", "2", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 2
    assert main(["history", str(project.path), "-n", "0", "--json"]) == 0  # 0: all
    every = json.loads(capsys.readouterr().out)
    assert main(["history", str(project.path), "-n", "100000", "--json"]) == 0
    assert every == json.loads(capsys.readouterr().out) and len(every) > 2
