"""A first map (~15 s on the sample) showed a busy bar that said nothing: the bar now
names each step, numbered, and gives a percentage and the time left where the step
counts (UMAP placing the images)."""

from __future__ import annotations

from ml import fake_fits

from labeldesk.gui import map_bar
from labeldesk.gui.map_view import MapView
from labeldesk.ml import projection


def test_the_bar_names_each_step_and_counts_the_one_that_counts(
    qtbot, clustered_clean, monkeypatch
):
    monkeypatch.setitem(projection.METHODS, "umap", fake_fits.stepping)
    seen: list[tuple[str, int, int, str]] = []
    real = map_bar.MapBar._job_step

    def recording(self, job, doing, done, total, step):
        real(self, job, doing, done, total, step)
        seen.append((self.status.text(), self.progress.maximum(), self.progress.value(), step))

    monkeypatch.setattr(map_bar.MapBar, "_job_step", recording)
    widget = MapView(clustered_clean, method="umap")
    qtbot.addWidget(widget)
    widget.show()
    try:
        with qtbot.waitSignal(widget.mapReady, timeout=60000):
            widget.refresh()
            assert widget.status.text() == "computing the map…"  # until the first step
        steps = [step for *_, step in seen]
        assert "step 1 of 5: reading the image vectors" in steps
        assert "step 2 of 5: loading UMAP" in steps
        assert "step 5 of 5: saving the map for next time" in steps
        placing = [s for s in seen if s[3] == "step 4 of 5: placing the images"]
        assert placing, steps
        text, maximum, value, _ = placing[-1]
        assert text.startswith("computing the map, step 4 of 5: placing the images…")
        assert maximum == 200 and value == 200  # a determinate bar: "100%"
        loading = next(s for s in seen if s[3] == "step 2 of 5: loading UMAP")
        assert loading[0] == "computing the map, step 2 of 5: loading UMAP…"
        assert loading[1] == 0  # a step that cannot count: the busy bar
        assert not widget.progress.isVisible()  # done: the bar goes
    finally:
        widget.shutdown()


def test_a_step_slow_only_the_first_time_says_why_once_it_lasts(
    qtbot, clustered_clean, monkeypatch
):
    """A computer's first map spent about 75 s on "loading UMAP…" (2 busy cores; later
    maps about 5 s) with nothing saying why: once the step lasts, the line says it."""
    monkeypatch.setitem(projection.METHODS, "umap", fake_fits.stuck_loading)
    monkeypatch.setattr(map_bar, "SLOW_NOTE_S", 0.0, raising=False)  # lasted enough at once
    widget = MapView(clustered_clean, method="umap")
    qtbot.addWidget(widget)
    widget.show()
    try:
        widget.refresh()
        qtbot.waitUntil(lambda: "loading UMAP" in widget.status.text(), timeout=60000)
        qtbot.waitUntil(lambda: "(" in widget.status.text(), timeout=5000)
        assert widget.status.text() == (
            "computing the map, step 2 of 5: loading UMAP…"
            " (slow only the first time on a computer: UMAP compiles its code, once)"
        )
        assert widget.progress.isVisible()  # still under way
    finally:
        widget.shutdown()
