"""The map read again while it is on screen (a rescan, labels) draws what it holds:

- coloured by label fit, the scatter kept the previous map's points until the scores were
  computed again (a removed image still drawn, a map fitted again shown in its old layout
  while hover and selection already used the new one);
- coloured by what the model thinks, and on the hover card, a point was matched to the
  browser's catalog by path: an image a rescan had moved showed "no prediction" until the
  browser had read the scan too, and the lookup, keyed by ``id()`` of the point list,
  could hand a new list an old one's positions;
- a label changed elsewhere (a colleague labels: every 1.5 s) drew every point again on
  the GUI thread: 5 s at a million points;
- the status line said "N images" after such a read while the selection stayed drawn."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from ml.fake_embeddings import make_clustered_project
from PySide6.QtCore import QPointF
from PySide6.QtGui import QBrush

from gui.map_shown import shown_map
from labeldesk.browse.catalog import ImageCatalog
from labeldesk.browse.map_insights import CatalogLookup
from labeldesk.gui import map_view
from labeldesk.gui.map_view import MapView
from labeldesk.gui.tile_delegate import class_color
from labeldesk.ml.insights import image_insights

MOVED, TO = "train/ant/ant5.png", "train/bee/zz-was-ant5.png"
GONE = "train/cow/cow4.png"


@pytest.fixture
def project(tmp_path):
    project, _ = make_clustered_project(tmp_path, flipped=0)
    yield project
    project.close()


def _shown(qtbot, project, catalog=None) -> MapView:
    return shown_map(qtbot, project, catalog_source=lambda: catalog)


def _read_again(qtbot, widget: MapView) -> None:
    with qtbot.waitSignal(widget.mapReady, timeout=15000):
        widget.project_changed()


def _colour(widget: MapView, path: str) -> str:
    row = widget.data.paths.index(path)
    return QBrush(widget.raster.in_row_order(widget.scatter.data["brush"])[row]).color().name()


def test_while_label_fit_is_computed_again_the_map_shows_its_own_points(
    qtbot, project, monkeypatch
):
    widget = _shown(qtbot, project)
    with qtbot.waitSignal(widget.recolored, timeout=15000):
        widget.color_by.setCurrentIndex(widget.color_by.findData("issue"))
    release = threading.Event()
    real = map_view.point_values

    def slow(*args, **kwargs):
        release.wait(15)
        return real(*args, **kwargs)

    monkeypatch.setattr(map_view, "point_values", slow)
    (project.root / GONE).unlink()
    project.scan(workers=1)
    try:
        _read_again(qtbot, widget)  # the scores are being computed again now
        assert GONE not in widget.data.paths and widget.job is not None
        drawn = widget.scatter.data
        assert len(drawn) == len(widget.data.paths)  # not the previous map's points
        assert np.array_equal(widget.raster.in_row_order(drawn["x"]), widget.data.xy[:, 0])
        # the images on both keep their colour meanwhile: no flash of grey
        assert _colour(widget, "train/ant/ant0.png") != class_color(-1).name()
    finally:
        release.set()
    qtbot.waitUntil(lambda: widget.job is None, timeout=15000)
    widget.shutdown()


def test_a_moved_image_keeps_what_the_model_thinks_before_the_browser_reads_the_scan(
    qtbot, project
):
    catalog = ImageCatalog.load(project)  # the browser's, read before the rescan
    catalog.set_insights(image_insights(project))
    widget = _shown(qtbot, project, catalog)
    widget.color_by.setCurrentIndex(widget.color_by.findData("prediction"))
    before = _colour(widget, MOVED)
    assert before != class_color(-1).name()
    (project.root / TO).parent.mkdir(parents=True, exist_ok=True)
    (project.root / MOVED).rename(project.root / TO)
    project.scan(workers=1)
    _read_again(qtbot, widget)
    assert TO in widget.data.paths
    assert _colour(widget, TO) == before  # the same image, the same guess (not grey)
    row = widget.data.paths.index(TO)
    x, y = widget.data.xy[row]
    widget._hover(widget.viewbox.mapViewToScene(QPointF(float(x), float(y))))
    position = int(catalog.positions_of([int(widget.data.ids[row])])[0])
    assert catalog.opinion(position) in widget.hover_card.text()
    widget.shutdown()


def test_the_lookup_never_hands_a_new_point_list_an_old_ones_positions(project):
    catalog = ImageCatalog.load(project)
    ids = np.asarray(catalog.ids)
    lookup = CatalogLookup()
    for _ in range(20):  # a list freed and another made at once: often the same id()
        lookup.positions(catalog, ids[:5].copy())
        wanted = ids[7:9].copy()
        assert list(lookup.positions(catalog, wanted)) == [7, 8]


def test_a_label_changed_elsewhere_redraws_only_that_point(qtbot, project, monkeypatch):
    widget = _shown(qtbot, project)
    calls: list[int] = []
    real = widget.scatter.setData
    monkeypatch.setattr(widget.scatter, "setData", lambda *a, **k: calls.append(1) or real(*a, **k))
    project.set_label("train/ant/ant3.png", "cow")  # as a colleague's key, seen here
    _read_again(qtbot, widget)
    cow = class_color(widget.data.classes.index("cow")).name()
    assert _colour(widget, "train/ant/ant3.png") == cow
    assert _colour(widget, "train/ant/ant2.png") == class_color(0).name()
    assert calls == []  # not every point drawn again
    widget.shutdown()


def test_a_selection_kept_through_a_read_again_is_still_counted(qtbot, project):
    widget = _shown(qtbot, project)
    widget.select_rows(np.arange(5))
    project.set_label("train/ant/ant3.png", "cow")
    _read_again(qtbot, widget)
    assert len(widget.selected) == 5  # the ring still drawn around them
    assert widget.status.text() == f"5 of {len(widget.data.paths)} images selected"
    widget.shutdown()
