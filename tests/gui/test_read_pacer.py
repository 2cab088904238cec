"""The map on screen reads the project again no sooner than its last read allows: a read
of T seconds is followed by a pause of 3T (at most a minute) before a change is read, so a
colleague labeling keeps at most a quarter of a core busy. At 1M images (a read: ~9 s of
CPU) the map read back to back for as long as they labeled (bench_map_follow.py)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QObject, QRectF
from PySide6.QtGui import QBrush

from labeldesk.gui import map_view
from labeldesk.gui.map_view import MapView
from labeldesk.gui.read_pacer import GAP_FACTOR, MAX_GAP_S, ReadPacer
from labeldesk.gui.session import OUTSIDE_CHANGES
from labeldesk.gui.tile_delegate import class_color
from labeldesk.ml.map_data import relabeled


class Clock:
    """A clock the test moves (no test waits for real seconds)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_pause_after_a_read_is_a_multiple_of_how_long_it_took(qapp):
    owner, clock = QObject(), Clock()
    pacer = ReadPacer(owner, clock)
    assert pacer.wait_s() == 0
    pacer.want()
    pacer.read_started()
    assert not pacer.wanted and pacer.running
    clock.now += 2
    pacer.busy()  # a colouring that followed the read: the same spell of work
    clock.now += 1
    pacer.idle()
    assert not pacer.running
    assert pacer.wait_s() == GAP_FACTOR * 3
    clock.now += GAP_FACTOR * 3
    assert pacer.wait_s() == 0
    pacer.read_started()
    clock.now += 1000  # a read slowed down by a busy machine
    pacer.idle()
    assert pacer.wait_s() == MAX_GAP_S


@pytest.fixture
def project(clustered_clean):
    """The clustered project, no planted errors (here, not the image folder's project)."""
    return clustered_clean


def test_a_quick_colouring_in_the_pause_after_a_long_read_keeps_that_pause(qapp):
    """Label fit chosen during the 30 s pause after a 10 s read takes a fraction of a
    second: its own short pause replaced the read's, and a change was read at once."""
    owner, clock = QObject(), Clock()
    pacer = ReadPacer(owner, clock)
    pacer.read_started()
    clock.now += 10
    pacer.idle()
    assert pacer.wait_s() == 30
    clock.now += 1
    pacer.busy()  # the colouring
    clock.now += 0.1
    pacer.idle()
    assert pacer.wait_s() == pytest.approx(28.9)  # the read's pause, not 0.3 s
    clock.now += 28.9
    pacer.busy()  # a long one (a busy machine): the longer pause is its own
    clock.now += 20
    pacer.idle()
    assert pacer.wait_s() == MAX_GAP_S


def map_paused_after_a_long_read(qtbot, project, monkeypatch) -> tuple[MapView, Clock, list[int]]:
    """A map on screen whose reads take 10 s (of a clock the test moves), read again
    for a colleague's label: the next read waits 30 s. Also the reads made."""
    clock, reads = Clock(), []
    real = map_view.map_points

    def read(*args, **kwargs):
        points = real(*args, **kwargs)
        reads.append(1)
        clock.now += 10  # each read takes 10 s
        return points

    monkeypatch.setattr(map_view, "map_points", read)
    widget = MapView(project, method="pca")
    qtbot.addWidget(widget)
    widget._pacer.clock = clock
    widget.resize(900, 700)
    widget.show()
    qtbot.waitExposed(widget)
    with qtbot.waitSignal(widget.mapReady, timeout=15000):
        widget.refresh()  # the first read (it may fit the map) sets no pause:
    project.set_label("train/bee/bee1.png", "cow")  # as a colleague, seen by the poll
    with qtbot.waitSignal(widget.mapReady, timeout=15000):
        widget.project_changed(OUTSIDE_CHANGES)  # read at once
    qtbot.waitUntil(lambda: not widget._pacer.running, timeout=15000)
    assert len(reads) == 2
    return widget, clock, reads


def test_a_change_soon_after_a_long_read_is_read_when_the_pause_is_over(
    qtbot, project, monkeypatch
):
    widget, clock, reads = map_paused_after_a_long_read(qtbot, project, monkeypatch)
    n = len(widget.data.paths)
    project.set_label("train/ant/ant3.png", "cow")
    widget.project_changed(OUTSIDE_CHANGES)
    assert len(reads) == 2 and widget.job is None  # not read at once: after the pause
    assert widget.status.text() == f"{n} images (updating again in 30 s)"
    widget.project_changed(OUTSIDE_CHANGES)  # another: read with the first
    clock.now += 30
    with qtbot.waitSignal(widget.mapReady, timeout=15000):
        widget._pacer.due.emit()  # (its timer's signal)
    assert len(reads) == 3
    row = widget.data.paths.index("train/ant/ant3.png")
    cow = class_color(widget.data.classes.index("cow")).name()
    assert (
        QBrush(widget.raster.in_row_order(widget.scatter.data["brush"])[row]).color().name() == cow
    )
    widget.shutdown()


def test_the_wait_shown_is_brought_up_to_date_by_a_label_written_here(qtbot, project, monkeypatch):
    """A label written in this window restyles its point at once, with no read: the
    status line went on saying how long the wait was before it."""
    widget, clock, reads = map_paused_after_a_long_read(qtbot, project, monkeypatch)
    n = len(widget.data.paths)
    project.set_label("train/ant/ant3.png", "cow")  # a colleague's
    widget.project_changed(OUTSIDE_CHANGES)
    assert widget.status.text() == f"{n} images (updating again in 30 s)"
    clock.now += 12
    widget.project_changed(project.set_label("train/cow/cow1.png", "ant"))  # a key here
    row = widget.data.paths.index("train/cow/cow1.png")
    assert widget.data.labels[row] == widget.data.classes.index("ant")  # restyled, no read
    assert widget.status.text() == f"{n} images (updating again in 18 s)"
    clock.now += 8
    widget.select_rect(QRectF(-1e9, -1e9, 2e9, 2e9))  # a selection says so, and the wait
    assert widget.status.text() == f"{n} of {n} images selected (updating again in 10 s)"
    clock.now += 9
    widget.project_changed(project.set_label("train/cow/cow1.png", "bee"))
    assert widget.status.text() == f"{n} of {n} images selected"  # 1 s: not said
    assert len(reads) == 2
    widget.shutdown()


def test_labels_written_here_change_only_their_points(project):
    from labeldesk.ml.map_data import map_points

    points = map_points(project, "pca")
    ids = project.ids_for(["train/ant/ant3.png", "train/bee/bee1.png"])
    ant3, bee1 = ids["train/ant/ant3.png"], ids["train/bee/bee1.png"]
    labels = relabeled(points, {ant3: "cow", bee1: None, 10**9: "ant"})  # (not on the map)
    assert labels is not None
    changed = {int(points.ids[i]): int(labels[i]) for i in (labels != points.labels).nonzero()[0]}
    assert changed == {ant3: points.classes.index("cow"), bee1: -1}
    assert relabeled(points, {ant3: "ant"}) is points.labels  # nothing new: the same array
    assert relabeled(points, {ant3: "newt"}) is None  # a class the map lacks: read it
