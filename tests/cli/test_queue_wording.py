"""`labeldesk queue`'s header names what its percentages measure: the picking order is
not the order of the percentages, so "usefulness, most useful first" above 83 %, 97 %,
71 % read as a bug; `random` has no measure and shows none (it showed 0 % on each row)."""

from __future__ import annotations

import re

from labeldesk.cli import main
from labeldesk.cli.review import _queue_measure


def _rows(out: str) -> list[str]:
    return out.strip().splitlines()[1:]


def test_a_model_that_predicts_names_its_uncertainty(clustered, capsys):
    project, _ = clustered
    assert main(["queue", str(project.path), "-n", "4"]) == 0
    out = capsys.readouterr().out
    assert "in the order to label them" in out and "how unsure the model is" in out
    assert "usefulness" not in out
    assert all(re.match(r"^ *(<1|>99|\d+)%  ", row) for row in _rows(out))


def test_random_shows_no_percentages(clustered, capsys):
    project, _ = clustered
    assert main(["queue", str(project.path), "-n", "4", "--strategy", "random"]) == 0
    out = capsys.readouterr().out
    assert "(strategy random): path, [the model's guess]" in out
    assert len(_rows(out)) == 4 and not any("%" in row for row in _rows(out))


def test_cold_start_measures_typicality():
    assert _queue_measure("auto", cold=True) == "how typical"
    assert _queue_measure("typiclust", cold=False) == "how typical"
    assert _queue_measure("auto", cold=False) == "how unsure the model is"
    assert _queue_measure("margin", cold=True) == "how unsure the model is"
