"""The `labeldesk` command's exit: with a ``ray.init`` given up on still in Ray's hands,
it leaves at once, skipping the interpreter's teardown, in which Ray's threads could
crash the process (exit -11 after it had said "nothing was written"); else as usual."""

from __future__ import annotations

import pytest

from labeldesk import cli
from labeldesk.ml import ray_cluster


def test_with_a_ray_init_left_to_ray_the_process_leaves_at_once(monkeypatch):
    left: list[int] = []
    monkeypatch.setattr(ray_cluster, "left_to_ray", lambda: True)
    monkeypatch.setattr(cli.os, "_exit", left.append)
    with pytest.raises(SystemExit):  # (the stand-in for os._exit returns)
        cli.leave(1)
    assert left == [1]


def test_otherwise_it_exits_as_usual(monkeypatch):
    monkeypatch.setattr(cli.os, "_exit", lambda code: pytest.fail("left without teardown"))
    with pytest.raises(SystemExit) as ended:
        cli.leave(3)
    assert ended.value.code == 3
