"""The app caps math-library threads at one fewer than the machine's cores."""

from __future__ import annotations

import numpy  # noqa: F401  (loads OpenBLAS so the direct limit has something to act on)
from threadpoolctl import threadpool_info, threadpool_limits

from labeldesk.gui import threads


def test_reserve_a_core_sets_the_variables_and_limits_loaded_libraries(monkeypatch):
    monkeypatch.setattr(threads.os, "cpu_count", lambda: 2)
    for name in threads.THREAD_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MKL_NUM_THREADS", "2")  # a user's own choice stays
    with threadpool_limits(limits=None):  # restore the test process's limits afterwards
        assert threads.reserve_a_core() == 1
        assert threads.os.environ["OMP_NUM_THREADS"] == "1"
        assert threads.os.environ["MKL_NUM_THREADS"] == "2"
        blas = [i for i in threadpool_info() if i["user_api"] == "blas"]
        assert blas and all(i["num_threads"] == 1 for i in blas)


def test_one_core_machines_still_get_one_thread(monkeypatch):
    monkeypatch.setattr(threads.os, "cpu_count", lambda: 1)
    assert threads.background_threads() == 1
    monkeypatch.setattr(threads.os, "cpu_count", lambda: None)
    assert threads.background_threads() == 1
