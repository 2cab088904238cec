"""The embedding map on screen follows the project as the browser and Statistics do: it
stayed as it was until the page was left and shown again, so after a rescan it still
showed (and selected) removed images and moved ones under their old paths, kept the old
label colours, and never showed images embedded meanwhile."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator

import numpy as np
import pytest
from helpers import write_image
from ml.fake_embeddings import DIM
from PySide6.QtCore import QRectF
from PySide6.QtGui import QBrush

from labeldesk.core.project import open_project
from labeldesk.gui import map_view
from labeldesk.gui.map_colors import point_codes
from labeldesk.gui.map_view import MapView
from labeldesk.gui.session import OUTSIDE_CHANGES
from labeldesk.gui.tile_delegate import class_color
from labeldesk.ml import child_jobs, projection
from labeldesk.ml.embed import EmbedReport
from labeldesk.ml.store import current_store
from labeldesk.ml.vectors import VectorStore

MOVED, TO = "train/ant/ant3.png", "train/bee/zz-was-ant3.png"
GONE = "train/cow/cow4.png"
NEW = "_unlabeled/new.png"


@pytest.fixture
def fits(monkeypatch) -> list[int]:
    """UMAP stands in as PCA, in this process; how many images each fit placed."""
    placed: list[int] = []
    pca = projection.METHODS["pca"]

    def fit(vectors, seed):
        placed.append(len(vectors))
        return pca(vectors, seed)

    monkeypatch.setitem(projection.METHODS, "umap", fit)
    monkeypatch.setattr(projection, "ISOLATED", set())
    return placed


@pytest.fixture
def shown_map(qtbot, window, clustered, fits) -> MapView:
    project, _ = clustered
    assert window.open_project(project.path)
    window.show_map()
    widget = window.pages.map
    assert widget is not None
    qtbot.waitUntil(lambda: widget.data is not None and widget.job is None, timeout=15000)
    assert fits == [len(widget.data.paths)]
    return widget


def positions(widget: MapView) -> dict[str, tuple[float, float]]:
    data = widget.data
    return {p: (float(x), float(y)) for p, (x, y) in zip(data.paths, data.xy, strict=True)}


def colour_of(widget: MapView, path: str) -> str:
    row = widget.data.paths.index(path)
    return QBrush(widget.raster.in_row_order(widget.scatter.data["brush"])[row]).color().name()


def test_after_a_rescan_removed_images_leave_the_map_and_moved_ones_keep_their_point(
    qtbot, window, clustered, shown_map, fits
):
    widget, (project, _) = shown_map, clustered
    moved_id = project.ids_for([MOVED])[MOVED]
    before = positions(widget)
    gone_x, gone_y = before[GONE]
    os.rename(project.root / MOVED, project.root / TO)
    (project.root / GONE).unlink()
    job = window.rescan()
    assert job is not None
    qtbot.waitUntil(lambda: not job.running, timeout=20000)
    qtbot.waitUntil(lambda: GONE not in widget.data.paths, timeout=15000)
    qtbot.waitUntil(lambda: widget.job is None, timeout=15000)
    expected = {TO if p == MOVED else p: xy for p, xy in before.items() if p != GONE}
    assert positions(widget) == expected  # each image where it was: the view stays
    data = widget.data
    assert data.paths[list(data.ids).index(moved_id)] == TO  # the same image
    assert len(widget.scatter.data) == len(data.paths)
    assert fits == [len(before)]  # read from the cached map: not fitted again
    widget.select_rect(QRectF(gone_x - 1e-4, gone_y - 1e-4, 2e-4, 2e-4))  # where it was
    assert GONE not in widget.selected


def test_labels_changed_while_the_map_is_shown_recolour_it(qtbot, window, shown_map):
    widget = shown_map
    assert colour_of(widget, MOVED) == class_color(0).name()  # ant
    window.session.project.set_label(MOVED, "cow")  # as a key, an undo or a class edit
    cow = class_color(widget.data.classes.index("cow")).name()
    qtbot.waitUntil(lambda: colour_of(widget, MOVED) == cow, timeout=15000)


def test_images_embedded_while_the_map_is_shown_appear_on_it(
    qtbot, window, clustered, shown_map, fits, monkeypatch
):
    widget, (project, _) = shown_map, clustered
    write_image(project.root / NEW, size=(8, 8), fmt="PNG", seed=999)
    job = window.rescan()
    qtbot.waitUntil(lambda: not job.running, timeout=20000)
    qtbot.waitUntil(lambda: widget.job is None, timeout=15000)
    assert NEW not in widget.data.paths  # not embedded yet

    def embed(project_path, *args, **kwargs) -> EmbedReport:
        digest = project.images().set_index("path").loc[NEW, "hash"]
        with VectorStore.writer(current_store(project).folder, DIM) as writer:
            writer.append([digest], np.full((1, DIM), DIM**-0.5, dtype=np.float32))
        return EmbedReport("fake", "k", "cpu", embedded=1, total=1, seconds=0.1)

    monkeypatch.setattr(child_jobs, "embed_in_child", embed)
    job = window.compute_embeddings()
    assert job is not None
    qtbot.waitUntil(lambda: not job.running, timeout=20000)
    qtbot.waitUntil(lambda: NEW in widget.data.paths, timeout=15000)
    assert fits[-1] == len(widget.data.paths)  # fitted again, with the new image


def test_a_hidden_map_waits_to_be_shown(qtbot, window, clustered, shown_map):
    widget, (project, _) = shown_map, clustered
    window.show_browser()
    (project.root / GONE).unlink()
    job = window.rescan()
    qtbot.waitUntil(lambda: not job.running, timeout=20000)
    assert widget.job is None  # no work for a page nobody looks at
    window.show_map()
    qtbot.waitUntil(lambda: GONE not in widget.data.paths, timeout=15000)


def test_a_map_shown_for_the_first_time_is_in_view(shown_map):
    """The view fits the map's points, not what the scatter held before them: fitted to
    the empty scatter, a first map was drawn outside the view (a blank page)."""
    widget = shown_map
    (x0, x1), (y0, y1) = widget.viewbox.viewRange()
    xs, ys = widget.data.xy[:, 0], widget.data.xy[:, 1]
    assert x0 <= xs.min() and xs.max() <= x1 and y0 <= ys.min() and ys.max() <= y1
    assert x1 - x0 < 2 * (xs.max() - xs.min()) + 1e-3  # fitted, not a far wider range


# -- not back to back: a read takes ~9 s of CPU at 1M images (bench_map_follow.py) ------
class Reads:
    """The map's reads, counted; with ``hold`` set, a read waits (having read the
    project: what happens meanwhile is newer than its result) until ``release``."""

    def __init__(self, monkeypatch):
        self.count = 0
        self.hold = False
        self.held, self.release = threading.Event(), threading.Event()
        real = map_view.map_points

        def read(*args, **kwargs):
            points = real(*args, **kwargs)
            self.count += 1
            if self.hold:
                self.held.set()
                self.release.wait(30)
            return points

        monkeypatch.setattr(map_view, "map_points", read)

    def held_read(self, qtbot, start) -> None:
        """``start()`` a read and wait until it has read the project and is held."""
        self.hold, self.held = True, threading.Event()
        start()
        qtbot.waitUntil(self.held.is_set, timeout=15000)
        self.hold = False


@pytest.fixture
def reads(monkeypatch, shown_map) -> Iterator[Reads]:
    counted = Reads(monkeypatch)
    yield counted
    counted.release.set()  # (never a worker left waiting)


def colleague_labels(project, labels: dict[str, str]) -> None:
    """Another process's writes (its own connection: this window's session hears of them
    only from its look for other processes' writes)."""
    with open_project(project.path) as other:
        other.set_labels(labels)


def test_a_label_written_here_is_shown_at_once_without_a_read(qtbot, window, shown_map, reads):
    widget = shown_map
    window.session.project.set_label(MOVED, "cow")  # as a key, or Edit → Undo
    cow = class_color(widget.data.classes.index("cow")).name()
    assert colour_of(widget, MOVED) == cow  # at once: it waited for a whole read
    assert widget.job is None
    qtbot.wait(300)
    assert reads.count == 0  # the map's points were not read again for it


def test_changes_seen_during_a_read_make_one_more_read(qtbot, window, clustered, shown_map, reads):
    widget, (project, _) = shown_map, clustered
    session = window.session
    reads.held_read(qtbot, lambda: session.changed.emit(OUTSIDE_CHANGES))
    wanted = {"train/ant/ant1.png": "bee", "train/bee/bee2.png": "cow", GONE: "ant"}
    for path, label in wanted.items():  # a colleague labels while the map reads
        colleague_labels(project, {path: label})
        assert session.check_outside_writes()
    reads.release.set()
    qtbot.waitUntil(lambda: reads.count == 2 and widget.job is None, timeout=15000)
    qtbot.wait(300)
    assert reads.count == 2  # one read for all three
    for path, label in wanted.items():
        assert colour_of(widget, path) == class_color(widget.data.classes.index(label)).name()


def test_a_label_written_here_during_a_read_is_not_undone_by_it(qtbot, window, shown_map, reads):
    widget = shown_map
    reads.held_read(qtbot, lambda: window.session.changed.emit(OUTSIDE_CHANGES))
    window.session.project.set_label(MOVED, "cow")  # after the held read read the labels
    cow = class_color(widget.data.classes.index("cow")).name()
    assert colour_of(widget, MOVED) == cow
    reads.release.set()
    qtbot.waitUntil(lambda: widget.job is None, timeout=15000)
    assert colour_of(widget, MOVED) == cow  # not the ant the read found
    qtbot.wait(300)
    assert reads.count == 1  # and no read again for it


def test_a_hidden_map_reads_nothing_until_shown_again(qtbot, window, clustered, shown_map, reads):
    widget, (project, _) = shown_map, clustered
    session = window.session
    reads.held_read(qtbot, lambda: session.changed.emit(OUTSIDE_CHANGES))
    colleague_labels(project, {MOVED: "cow"})
    assert session.check_outside_writes()  # seen while the map reads: read after it ...
    window.show_browser()  # ... but the page is left meanwhile
    reads.release.set()
    qtbot.waitUntil(lambda: widget.job is None, timeout=15000)
    colleague_labels(project, {GONE: "ant"})
    assert session.check_outside_writes()
    qtbot.wait(300)
    assert reads.count == 1  # nothing read for a page nobody looks at
    window.show_map()
    qtbot.waitUntil(lambda: widget.job is None and reads.count == 2, timeout=15000)
    assert colour_of(widget, MOVED) == class_color(widget.data.classes.index("cow")).name()
    assert colour_of(widget, GONE) == class_color(widget.data.classes.index("ant")).name()


class HeldValues:
    """The map's colouring jobs (label fit, what the model thinks), held once they have
    computed their values until ``release``."""

    def __init__(self, monkeypatch):
        self.held, self.release = threading.Event(), threading.Event()
        self.real = map_view.point_values

        def values(*args, **kwargs):
            out = self.real(*args, **kwargs)
            self.held.set()
            self.release.wait(30)
            return out

        monkeypatch.setattr(map_view, "point_values", values)


def colour_by(widget: MapView, key: str) -> None:
    widget.color_by.setCurrentIndex(widget.color_by.findData(key))


def test_cancelling_a_colouring_keeps_a_colleagues_labels_to_read(
    qtbot, window, clustered, shown_map, reads, monkeypatch
):
    """Cancel under "computing label fit…" stops that colouring; the labels a colleague
    wrote meanwhile are still read after it (they stayed off the map until the next
    change)."""
    widget, (project, _) = shown_map, clustered
    values = HeldValues(monkeypatch)
    colour_by(widget, "issue")
    qtbot.waitUntil(values.held.is_set, timeout=15000)
    colleague_labels(project, {MOVED: "cow"})
    assert window.session.check_outside_writes()  # seen while the colouring runs
    widget.cancel()  # the person's Cancel, beside "computing label fit…"
    values.release.set()
    qtbot.waitUntil(lambda: reads.count == 1 and widget.job is None, timeout=15000)
    row = widget.data.paths.index(MOVED)
    assert widget.data.labels[row] == widget.data.classes.index("cow")


def test_a_label_fit_computed_before_a_label_written_here_is_not_shown_after_it(
    qtbot, window, clustered, shown_map, reads, monkeypatch
):
    """A label fit still being computed when the map went back to label colours, and a
    label was written here: its values were those of the old label, and "Label fit"
    showed them (until the next read of the map)."""
    widget, (project, _) = shown_map, clustered
    values = HeldValues(monkeypatch)
    colour_by(widget, "issue")
    qtbot.waitUntil(values.held.is_set, timeout=15000)  # computed: MOVED still an ant
    colour_by(widget, "label")  # (the label fit goes on in the background)
    window.session.project.set_label(MOVED, "cow")  # restyled at once, no read
    values.release.set()
    qtbot.waitUntil(lambda: widget.job is None, timeout=15000)
    colour_by(widget, "issue")
    qtbot.waitUntil(lambda: widget.job is None, timeout=15000)
    fresh = values.real(project, [MOVED], "issue")
    codes, palette = point_codes("issue", fresh, widget.data.classes)
    assert colour_of(widget, MOVED) == QBrush(palette[codes[0]]).color().name()
    assert reads.count == 0


# -- shown again: read only when what it shows may have changed -------------------------
def test_showing_the_map_again_reads_nothing_when_nothing_changed(qtbot, window, shown_map, reads):
    """Each show read the whole map again (~9 s of CPU at 1M images), changed or not."""
    widget = shown_map
    for _ in range(3):
        window.show_browser()
        window.show_map()
        qtbot.wait(100)
    assert reads.count == 0 and widget.job is None
    # the count (then, the map focused, its keys: "… · keys: arrows move · …")
    assert widget.status.text().split(" · ")[0] == f"{len(widget.data.paths)} images"


def test_a_label_written_while_the_map_is_hidden_shows_when_shown_without_a_read(
    qtbot, window, shown_map, reads
):
    widget = shown_map
    window.show_browser()
    window.session.project.set_label(MOVED, "cow")  # a key in the browser
    window.show_map()
    assert colour_of(widget, MOVED) == class_color(widget.data.classes.index("cow")).name()
    qtbot.wait(300)
    assert reads.count == 0 and widget.job is None


def test_a_job_that_made_no_embeddings_is_not_read_for(qtbot, window, shown_map, reads):
    """An export or a training of this window ended, or another process trained, while
    the map was hidden: its points come from the embeddings, which did not change."""
    widget = shown_map
    window.show_browser()
    window.session.busyChanged.emit(False)  # this window's job ended
    window.session.modelsChanged.emit()  # a terminal's `train`
    window.show_map()
    qtbot.wait(300)
    assert reads.count == 0 and widget.job is None


def test_a_new_model_computes_the_label_fit_again_without_a_read(
    qtbot, window, shown_map, reads, monkeypatch
):
    widget = shown_map
    colour_by(widget, "issue")
    qtbot.waitUntil(lambda: "issue" in widget._extra and widget.job is None, timeout=15000)
    computed: list[str] = []
    real = map_view.point_values
    monkeypatch.setattr(
        map_view, "point_values", lambda *a, **k: computed.append(a[2]) or real(*a, **k)
    )
    window.session.modelsChanged.emit()  # a terminal's `train`: other label fit scores
    qtbot.waitUntil(lambda: computed == ["issue"] and widget.job is None, timeout=15000)
    window.show_browser()
    window.session.modelsChanged.emit()  # hidden: computed when shown
    qtbot.wait(100)
    assert computed == ["issue"]
    window.show_map()
    qtbot.waitUntil(lambda: computed == ["issue"] * 2 and widget.job is None, timeout=15000)
    assert "issue" in widget._extra
    assert reads.count == 0


def test_embeddings_made_while_the_map_is_hidden_are_read_when_shown(
    qtbot, window, clustered, shown_map, fits
):
    """Not yet told of them (the look for other processes' work had not come): showing
    the map looks at the embeddings itself."""
    widget, (project, _) = shown_map, clustered
    write_image(project.root / NEW, size=(8, 8), fmt="PNG", seed=999)
    job = window.rescan()
    qtbot.waitUntil(lambda: not job.running, timeout=20000)
    qtbot.waitUntil(lambda: widget.job is None, timeout=15000)
    window.session._poll.stop()  # (the session would tell the map within 1.5 s)
    window.show_browser()
    digest = project.images().set_index("path").loc[NEW, "hash"]
    with VectorStore.writer(current_store(project).folder, DIM) as writer:  # a terminal's
        writer.append([digest], np.full((1, DIM), DIM**-0.5, dtype=np.float32))
    window.show_map()
    qtbot.waitUntil(lambda: NEW in widget.data.paths, timeout=15000)


def test_a_minimized_window_reads_nothing_until_restored(
    qtbot, window, clustered, shown_map, reads
):
    """The map page stays the current page of a minimized window: it went on reading
    (a colleague labeling: a read every half minute at 1M) while nobody could see it."""
    widget, (project, _) = shown_map, clustered
    window.showMinimized()
    colleague_labels(project, {MOVED: "cow"})
    assert window.session.check_outside_writes()
    window.session.changed.emit(OUTSIDE_CHANGES)  # and again
    qtbot.wait(300)
    assert reads.count == 0 and widget.job is None
    window.showNormal()
    qtbot.waitUntil(lambda: reads.count == 1 and widget.job is None, timeout=15000)
    assert colour_of(widget, MOVED) == class_color(widget.data.classes.index("cow")).name()


def test_a_map_with_no_embeddings_waits_for_them_not_for_labels(qtbot, window, project, fits):
    """With nothing embedded the map says so once; a colleague's labels do not make it
    try (and say it) again at every change, and embeddings made elsewhere make the map."""
    from ml.fake_embeddings import store_vectors

    assert window.open_project(project.path)
    window.show_map()
    widget = window.pages.map
    errors: list[str] = []
    widget.error.connect(errors.append)
    qtbot.waitUntil(lambda: widget.job is None and "embed" in widget.status.text(), timeout=15000)
    assert len(errors) == 1  # said once
    errors.clear()
    starts: list[object] = []
    real_start = widget._start
    widget._start = lambda *a, **k: (starts.append(a), real_start(*a, **k))  # type: ignore[method-assign]
    paths = list(project.images().path)
    for n, path in enumerate(paths[:3]):  # a colleague labels, seen by the poll
        colleague_labels(project, {path: "dog" if n % 2 else "cat"})
        window.session.check_outside_writes()
        qtbot.wait(20)
    assert starts == [] and errors == []
    other = open_project(project.path)  # a terminal's `embed`
    try:
        store_vectors(other, list(np.random.default_rng(0).normal(size=(len(paths), DIM))), "1")
    finally:
        other.close()
    window.session.check_outside_writes()
    qtbot.waitUntil(lambda: widget.data is not None and widget.job is None, timeout=15000)
    assert len(widget.data.paths) == len(paths)
