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


def test_an_idle_app_ticks_ever_less_often_and_at_200_ms_again_once_it_allocates(qapp):
    # five wake-ups a second of an app doing nothing, before: each tick now finds the
    # counts (about) as the last one left them, and waits twice as long for the next
    from labeldesk.gui import gc_on_gui_thread
    from labeldesk.gui.gc_on_gui_thread import GuiThreadCollector

    collector = GuiThreadCollector(qapp)
    try:
        collector.timer.stop()
        counts = [(5, 1, 0)]  # nothing in the oldest generation: no full collection due
        collector.counts = lambda: counts[0]
        collector.left = counts[0]
        intervals = []
        for _ in range(6):
            assert collector.collect_due() == -1
            intervals.append(collector.timer.interval())
        busy, idle = gc_on_gui_thread.INTERVAL_MS, gc_on_gui_thread.IDLE_INTERVAL_MS
        assert intervals == [min(busy * 2**k, idle) for k in range(1, 7)]
        assert intervals[-1] == idle > busy
        counts[0] = (7, 1, 0)  # a few objects kept (the app's look at its database)
        collector.collect_due()
        assert collector.timer.interval() == idle
        young = gc.get_threshold()[0]
        counts[0] = (7 + young // 10, 1, 0)  # work: allocating (not yet due a collection)
        assert collector.collect_due() == -1
        assert collector.timer.interval() == busy
        collector.collect_due()  # quiet again
        assert collector.timer.interval() == busy * 2
        collector.wake()  # a job starts
        assert collector.timer.interval() == busy
    finally:
        collector.timer.stop()
        collector.deleteLater()


def test_an_idle_tick_waits_no_longer_than_the_next_full_collection(qapp):
    from labeldesk.gui import gc_on_gui_thread
    from labeldesk.gui.gc_on_gui_thread import GuiThreadCollector

    collector = GuiThreadCollector(qapp)
    try:
        collector.timer.stop()
        now = [1000.0]
        collector.clock = lambda: now[0]
        collector.last_full = now[0] - gc_on_gui_thread.FULL_EVERY_S + 1.0  # due in 1 s
        collector.counts = lambda: (0, 0, 1)  # something reached the oldest generation
        collector.left = (0, 0, 1)
        for _ in range(6):  # the wait would have grown to IDLE_INTERVAL_MS
            collector.collect_due()
        assert collector.timer.interval() <= 1000
        now[0] += 1.0
        assert collector.collect_due() == 2  # on time
    finally:
        collector.timer.stop()
        collector.deleteLater()


def test_a_job_s_start_brings_the_busy_interval_back(qapp):
    # a job allocates on its worker thread, where no collection runs: its garbage must
    # not wait for an idle app's long tick
    from labeldesk.gui import gc_on_gui_thread

    collector = gc_on_gui_thread.install()
    assert collector is not None
    counts = collector.counts
    try:
        collector.counts = lambda: (0, 0, 0)  # nothing allocated, nothing due
        collector.left = (0, 0, 0)
        for _ in range(6):
            collector.collect_due()
        assert collector.timer.interval() == gc_on_gui_thread.IDLE_INTERVAL_MS
        assert gc_on_gui_thread.install() is collector  # as every job's start calls it
        assert collector.timer.interval() == gc_on_gui_thread.INTERVAL_MS
    finally:
        collector.counts = counts
        collector.wake()
