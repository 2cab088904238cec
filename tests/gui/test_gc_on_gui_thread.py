"""Cyclic garbage is collected on the GUI thread, never on a job's worker thread: a
collection frees whatever the garbage holds, Qt objects included, in the thread that
runs it, and a widget or timer destroyed on a worker thread while the GUI thread uses
it can crash the app (an xdist worker died with "Garbage-collecting" on a job's thread
under heavy load). Before, a job that allocated (any job that loads a model) set off
the collection on its own thread."""

from __future__ import annotations

import gc
import threading

from labeldesk.gui.workers import Job


class _Tagged:
    """Cyclic garbage that notes the thread it is freed on."""

    def __init__(self, freed_on: list[str]):
        self.freed_on = freed_on
        self.me = self

    def __del__(self) -> None:
        self.freed_on.append(threading.current_thread().name)


def test_garbage_made_on_the_gui_thread_is_freed_there_while_a_job_allocates(qtbot):
    freed_on: list[str] = []
    made = threading.Event()

    def allocate(*, progress, cancel) -> None:
        made.wait(30)
        for _ in range(200_000):  # past the young generation's threshold many times
            cycle: list[object] = []
            cycle.append(cycle)

    job = Job(allocate, "Allocating")
    job.start()
    _Tagged(freed_on)  # a page let go of: garbage only a collection frees
    made.set()
    qtbot.waitUntil(job.let_go.is_set, timeout=60_000)
    qtbot.waitUntil(lambda: freed_on != [], timeout=10_000)  # the GUI thread's timer
    assert freed_on == [threading.main_thread().name]


def test_the_collector_collects_the_generation_past_its_threshold(qapp):
    from labeldesk.gui.gc_on_gui_thread import GuiThreadCollector

    collector = GuiThreadCollector(qapp)
    try:
        assert not gc.isenabled()
        collector.timer.stop()
        freed_on: list[str] = []
        _Tagged(freed_on)
        young = gc.get_threshold()[0]
        junk = [[] for _ in range(young + 10)]  # the young generation's count passes it
        assert freed_on == []  # nothing collects it on its own
        assert collector.collect_due() >= 0
        assert freed_on == [threading.main_thread().name]
        del junk
        gc.enable()  # a library turned it back on: off again at the next tick
        collector.collect_due()
        assert not gc.isenabled()
    finally:
        collector.timer.stop()
        collector.deleteLater()


def test_garbage_that_reached_the_oldest_generation_is_freed_within_minutes(qapp):
    # a tick collects one generation at most, so at the raised thresholds the oldest
    # generation's own count would take hours of busy ticks: the clock collects it too
    from labeldesk.gui import gc_on_gui_thread
    from labeldesk.gui.gc_on_gui_thread import GuiThreadCollector

    collector = GuiThreadCollector(qapp)
    thresholds = gc.get_threshold()
    try:
        collector.timer.stop()
        now = [1000.0]
        collector.clock = lambda: now[0]
        collector.last_full = now[0]
        gc.set_threshold(2_000, 10, 10_000)  # as relax_gc leaves them
        freed_on: list[str] = []
        kept = _Tagged(freed_on)
        gc.collect(1)  # a survivor: the cycle now lives in the oldest generation
        del kept  # and is let go of there
        assert freed_on == []
        assert gc.get_count()[2] > 0
        collector.collect_due()
        assert freed_on == []  # not yet: it has not been long
        now[0] += gc_on_gui_thread.FULL_EVERY_S
        assert collector.collect_due() == 2
        assert freed_on == [threading.main_thread().name]
        assert collector.last_full == now[0]
        assert collector.collect_due() != 2  # nothing new in the oldest since
    finally:
        gc.set_threshold(*thresholds)
        collector.timer.stop()
        collector.deleteLater()
