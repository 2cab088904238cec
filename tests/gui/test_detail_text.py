"""What the detail panel says of an image the model has no view of."""

from __future__ import annotations


def test_the_detail_panel_promises_no_score_for_a_file_that_is_not_an_image():
    from labeldesk.gui.detail_panel import describe_insight

    assert describe_insight(None, None, skipped=True)[0] == "none: the file is not a usable image"
    assert describe_insight(None, "cat")[0].startswith("not computed yet")


def test_an_image_added_from_the_drift_page_is_said_to_be_scored_not_uncomputed(
    qtbot, window, project
):
    """An image just added from the drift page (its embedding stored by the check) said
    "not computed yet … (Tools → Compute embeddings, Ctrl+E)" until the scores came. An
    image with no embedding (a file found edited, a new one) still says what it needs."""
    assert window.open_project(project.path)
    window.show_drift()
    view = window.view
    qtbot.waitUntil(lambda: view.model.rowCount() > 1, timeout=10_000)
    # the first scoring since opening is over (meanwhile every image is "being scored")
    qtbot.waitUntil(lambda: not view.feed.busy, timeout=30_000)
    added, other = (view.catalog.info(view.model.position(r)).path for r in (0, 1))
    view.feed.labels_changed()  # as after the scan that added it: scores follow
    window.pages.drift.showPaths.emit([added], "added from the drift check")
    view.grid.select_row(view.model.row_of_id(project.ids_for([added])[added]))
    model = view.detail.fields["Model"].text()
    assert model.startswith("being scored: ") and "Compute embeddings" not in model
    view.show_paths([added, other])
    view.grid.select_row(view.model.row_of_id(project.ids_for([other])[other]))
    assert view.detail.fields["Model"].text().startswith("not computed yet")
    view.grid.select_row(view.model.row_of_id(project.ids_for([added])[added]))
    assert view.detail.fields["Model"].text().startswith("being scored: ")
    qtbot.waitUntil(lambda: not view.feed.busy, timeout=30_000)
    qtbot.waitUntil(
        lambda: view.detail.fields["Model"].text().startswith("not computed yet"), timeout=10_000
    )  # this project has no embeddings: once scoring ends, that is what stands


def test_a_read_only_project_is_not_told_to_compute_embeddings(
    qtbot, window, project, make_read_only
):
    """A read-only project without embeddings: the Model line said "(Tools → Compute
    embeddings, Ctrl+E)" and More like this pointed there, with that command greyed out."""
    path = project.path
    project.close()
    make_read_only(path)
    assert window.open_project(path) and window.project.read_only is not None
    view = window.view
    qtbot.waitUntil(lambda: view.model.rowCount() > 0, timeout=10_000)
    qtbot.waitUntil(lambda: not view.feed.busy, timeout=30_000)
    view.grid.select_row(0)
    assert not window.menus.embed_action.isEnabled()  # greyed out there
    model = view.detail.fields["Model"].text().replace("\u2060", "")  # (word joiners)
    assert model == "not computed: the project is read-only, so its images cannot be embedded here"
    button = view.detail.more_like_button
    assert not button.isEnabled() and "Compute embeddings" not in button.toolTip()
    assert "read-only" in button.toolTip()


def test_an_image_being_embedded_is_not_sent_to_compute_embeddings(
    qtbot, window, project, monkeypatch
):
    """While Compute embeddings runs (a new project's first, started by itself), the Model
    line said "not computed yet … (Tools → Compute embeddings, Ctrl+E)": a new user was
    told to start what was already running. It says the images are being embedded."""
    import threading

    from labeldesk.ml import child_jobs
    from labeldesk.ml.embed import EmbedReport

    release = threading.Event()

    def embedded(*_args, **_kwargs) -> EmbedReport:
        release.wait(20)
        report = EmbedReport("m", "k", "cpu", embedded=0, total=19, seconds=1.0)
        report.input_size = 224
        return report

    monkeypatch.setattr(child_jobs, "embed_in_child", embedded)
    assert window.open_project(project.path)
    view = window.view
    qtbot.waitUntil(lambda: view.model.rowCount() > 0, timeout=10_000)
    qtbot.waitUntil(lambda: not view.feed.busy, timeout=30_000)
    view.grid.select_row(0)
    assert view.detail.fields["Model"].text().startswith("not computed yet")
    job = window.compute_embeddings()
    assert job is not None
    try:
        qtbot.waitUntil(lambda: "being embedded" in view.detail.fields["Model"].text())
        model = view.detail.fields["Model"].text()
        assert "Compute embeddings" not in model and "Ctrl+E" not in model
    finally:
        release.set()
        qtbot.waitUntil(lambda: not job.running, timeout=20_000)
    # ended with nothing stored (as a cancel would): what it needs, said again
    qtbot.waitUntil(lambda: "Compute embeddings" in view.detail.fields["Model"].text())
