"""The per-project pages beside the browser: statistics, training and the embedding map.

Each page is built the first time it is shown (so opening a project starts no background
work), shut down with its jobs when the project closes, and shown through the
:class:`~labeldesk.gui.shell.Shell` on request. Keeps that bookkeeping out of the window.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported when first shown: pyqtgraph and scipy cost ~0.6 s at start-up
    from PySide6.QtWidgets import QWidget

    from labeldesk.browse.catalog import ImageCatalog
    from labeldesk.core.changes import Changes
    from labeldesk.core.project import Project
    from labeldesk.gui.drift_page import DriftPage
    from labeldesk.gui.duplicates_dialog import DuplicatesDialog
    from labeldesk.gui.map_view import MapView
    from labeldesk.gui.session import ProjectSession
    from labeldesk.gui.shell import Shell
    from labeldesk.gui.stats_view import StatsView
    from labeldesk.gui.training_panel import TrainingPanel
    from labeldesk.gui.versions_view import VersionsView


class ProjectPages:
    def __init__(self, shell: Shell):
        self.shell = shell
        self.session: ProjectSession | None = None
        self.stats: StatsView | None = None
        self.training: TrainingPanel | None = None
        self.map: MapView | None = None
        self.versions: VersionsView | None = None
        self.drift: DriftPage | None = None
        self.duplicates: DuplicatesDialog | None = None
        self._duplicates_wanted = False  # Tools → Find duplicates…: open when found
        # What changed while Statistics was hidden: "labels" (re-count) or "all" (a scan,
        # new embeddings, a new model: re-read and search duplicates again); None: nothing.
        self._stats_stale: str | None = None

    @property
    def project(self) -> Project | None:
        return self.session.project if self.session is not None else None

    def open(self, session: ProjectSession) -> None:
        self.session = session
        session.changed.connect(self._changed)
        session.busyChanged.connect(lambda busy: None if busy else self._job_ended())
        session.modelsChanged.connect(self._models_changed)
        view = self.shell.view
        if view is not None:  # the model's insights also feed Statistics and the map
            view.feed.updated.connect(lambda _: self._insights_updated())
            view.feed.busyChanged.connect(lambda _: self._rescoring_changed())
            view.feed.progressed.connect(self._scoring_progressed)  # its step, each second
            # Labels changed on Statistics (an undo, a duplicate-group action) are scored
            # again there: its "about N" said the count from before them until the
            # browser was shown again. So on the map coloured by what the model thinks
            # (a merge made there drew the guesses from before it until then).
            view.scores_shown_elsewhere = self._scores_shown

    def close(self) -> None:
        """Shut the pages down (the session then waits for their jobs)."""
        self._close_duplicates()
        pages: tuple[QWidget | None, ...] = (
            self.map, self.training, self.stats, self.versions, self.drift,
        )  # fmt: skip
        for page in pages:
            if page is None:
                continue
            page.shutdown()  # type: ignore[attr-defined]
            self.shell.drop_page(page)
            page.deleteLater()
        self.stats = self.training = self.map = self.versions = self.drift = None
        self.session = None

    def _catalog(self) -> ImageCatalog | None:
        view = self.shell.view
        return view.catalog if view is not None else None

    def show_statistics(self) -> None:
        session = self.session
        if session is None:
            return
        if self.stats is None:
            from labeldesk.gui.stats_view import StatsView

            shell = self.shell
            self.stats = StatsView(  # refreshes itself
                session.project,
                runner=session.runner,
                track=session.track,
                catalog_source=self._catalog,
                rescoring=self._rescoring,
                scoring_step=self._scoring_step,
            )
            self.stats.error.connect(shell.notify_error)
            self.stats.message.connect(shell.show_message)
            # a cell arrives selected, all of it: one key relabels the cell (as on the map)
            self.stats.imagesChosen.connect(
                lambda paths, what: shell.show_selection(paths, what, select_all=True)
            )
            self.stats.duplicatesRequested.connect(self.show_duplicates)
            self.stats.reviewRequested.connect(shell.review_issues)
            self.stats.duplicatesReady.connect(lambda _: self._duplicates_found())
            self._lend_keys(self.stats)
        elif self._stats_stale == "all":
            self.stats.refresh()
        elif self._stats_stale == "labels":
            self.stats.images_changed()  # no new duplicate search for a label change
        self._stats_stale = None
        self.shell.show_page(self.stats)
        view = self.shell.view
        if view is not None:  # labels changed behind the review: scored now, and said
            view.score_if_stale()

    def find_duplicates(self) -> None:
        """Statistics, then its duplicate groups: at once when its search is done, else
        when it ends (the counts stay beside them)."""
        self.show_statistics()
        stats = self.stats
        if stats is None:
            return
        self._duplicates_wanted = True
        if stats.duplicate_groups is not None:
            self._duplicates_found()
        else:
            self.shell.show_message("Looking for duplicates; their groups open when found…")

    def _duplicates_found(self) -> None:
        stats = self.stats
        if not self._duplicates_wanted or stats is None or stats.duplicate_counts is None:
            return
        self._duplicates_wanted = False
        counts = stats.duplicate_counts
        if counts["exact"] or counts["near"]:
            self.shell.show_message("")  # not "Looking for duplicates…" beside them
            self.show_duplicates("all")
        else:
            self.shell.show_message("No duplicates: no two images are the same or nearly the same")

    def show_training(self) -> None:
        session = self.session
        if session is None:
            return
        if self.training is None:
            from labeldesk.gui.training_panel import TrainingPanel

            self.training = TrainingPanel(session.project, runner=session.runner, exclusive=session)
            self.training.error.connect(self.shell.notify_error)
            self.training.trained.connect(self._trained)
            self.training.inUseChanged.connect(lambda: self._trained(0, "Model in use"))
            self._lend_keys(self.training)
        else:
            self.training.refresh()
        self.shell.show_page(self.training)

    def show_map(self) -> None:
        session = self.session
        if session is None:
            return
        if self.map is None:
            from labeldesk.gui.map_view import MapView

            shell = self.shell
            self.map = MapView(session.project, runner=session.runner, catalog_source=self._catalog)
            # the map says why on its own line: a dialog and the status bar repeated it
            self.map.error.connect(lambda text: shell.notify_error(text, dialog=False))
            # all of them arrive selected: a cluster chosen there is labeled with one key
            self.map.selectionChanged.connect(
                lambda paths: shell.show_selection(paths, "selected on the map", select_all=True)
            )
            self._lend_keys(self.map)
            self.map.color_by.currentIndexChanged.connect(lambda _: self._map_colouring_changed())
        self.map.compute_if_missing()  # the first show (or after a failed one)
        # shown, it reads again only what may have changed while hidden (~9 s of CPU at
        # 1M images a read); on screen it follows changes itself (_changed)
        self.shell.show_page(self.map)
        # the keys go to the map (arrows, Space, ]…), not to the colouring box first
        # in the page, where Up and Down changed the colouring
        self.map.plot.setFocus()
        view = self.shell.view
        if view is not None:  # where the browser's image lies (after the keys are said)
            self.map.show_image(view.place().image_id)
        self._map_colouring_changed()  # labels changed behind it: scored now

    def show_drift(self) -> None:
        session = self.session
        if session is None:
            return
        shell = self.shell
        if self.drift is None:
            from labeldesk.gui.drift_page import DriftPage

            self.drift = DriftPage(session)
            self.drift.error.connect(shell.notify_error)
            self.drift.said.connect(lambda text: shell.notify_error(text, dialog=False))
            self.drift.message.connect(shell.show_message)
            self.drift.showPaths.connect(self._expect_scores)  # (before they are shown)
            self.drift.showPaths.connect(shell.show_selection)
            self._lend_keys(self.drift)
        shell.show_page(self.drift)

    def _expect_scores(self, paths: list[str], _description: str = "") -> None:
        """Images the drift page added, their embeddings stored: being scored."""
        view = self.shell.view
        if view is not None:
            view.expect_scores(paths)

    def show_versions(self) -> None:
        session = self.session
        if session is None:
            return
        if self.versions is None:
            from labeldesk.gui.versions_view import VersionsView

            shell = self.shell
            self.versions = VersionsView(session.project, runner=session.runner)
            self.versions.error.connect(shell.notify_error)
            self.versions.message.connect(shell.show_message)
            self.versions.exportRequested.connect(shell.export_dataset)
            self._lend_keys(self.versions)
        else:
            self.versions.refresh()  # training records versions too
            self.versions.compare_again_if_stale()  # labels changed meanwhile
        self.shell.show_page(self.versions)

    def _lend_keys(self, page: QWidget) -> None:
        """Undo, Redo and Add class work on ``page`` too, with the keys the Edit and
        Classes menus show (their shortcuts reach only the widgets holding them; the
        browser's line edits, and the pages', keep Ctrl+Z for their own text)."""
        view = self.shell.view
        if view is not None:
            labeling = view.labeling
            page.addActions([labeling.undo_action, labeling.redo_action, labeling.add_class_action])

    def show_duplicates(self, kind: str = "all") -> DuplicatesDialog | None:
        """The duplicate groups Statistics found (of ``kind``), with actions to fix them."""
        stats, view = self.stats, self.shell.view
        if self.project is None or stats is None or view is None:
            return None
        if stats.duplicate_groups is None:
            self.shell.show_message("The duplicate search is still running")
            return None
        from labeldesk.gui.dialogs import show_in_front
        from labeldesk.gui.duplicates_dialog import DuplicatesDialog

        self._close_duplicates()
        dialog = DuplicatesDialog(
            self.project,
            stats.duplicate_groups,
            write=view.write,
            undo=view.labeling.undo,
            busy=view.labeling.busy_text,
            loader=view.loader,
            image_size=view.image_size,
            kind=kind,
            parent=view.window(),
        )
        # The groups re-read their members after each action: recount them then.
        dialog.changed.connect(stats.duplicates_changed)
        dialog.openRequested.connect(self._show_group_image)
        show_in_front(dialog)  # the keyboard in it: Esc closes it
        self.duplicates = dialog
        return dialog

    def _show_group_image(self, paths: list[str], description: str, image_id: int) -> None:
        """*Show in browser*: the group in the browser, its image selected, and the
        keyboard there, so a class key labels it (it stayed in the groups' window, where
        the key did nothing; that window stays open to come back to)."""
        self.shell.show_image_among(paths, description, image_id)
        view = self.shell.view
        if view is not None:
            view.window().activateWindow()

    def _close_duplicates(self) -> None:
        if self.duplicates is not None:
            self.duplicates.close()
            self.duplicates.deleteLater()
            self.duplicates = None

    def _rescoring(self) -> bool:
        """The model is scoring the labels again (Statistics says its estimate is the
        last one, as the browser's note does)."""
        view = self.shell.view
        return view is not None and view.feed.busy

    def _scoring_step(self) -> str:
        """How far the model's scoring is, in words (InsightsFeed.step_text)."""
        view = self.shell.view
        return view.feed.step_text() if view is not None else ""

    def _scoring_progressed(self) -> None:
        if self.stats is not None and self._statistics_shown():
            self.stats.show_scoring_step()

    def _statistics_shown(self) -> bool:
        return self.stats is not None and self.shell.is_showing(self.stats)

    def _scores_shown(self) -> bool:
        """Is a page other than the browser showing the model's view of the labels:
        Statistics, or the map coloured by what the model thinks?"""
        return self._statistics_shown() or self._map_shows_scores()

    def _map_shows_scores(self) -> bool:
        page = self.map
        shown = page is not None and self.shell.is_showing(page)
        return shown and page is not None and page.color_by.currentData() == "prediction"

    def _map_colouring_changed(self) -> None:
        """The map now shows what the model thinks: labels changed meanwhile are scored."""
        view = self.shell.view
        if view is not None and self._map_shows_scores():
            view.score_if_stale()

    def _rescoring_changed(self) -> None:
        if self.stats is not None:
            self.stats.show_estimate()

    def _insights_updated(self) -> None:
        if self.stats is not None:
            self.stats.show_model()
        if self.map is not None:
            self.map.insights_changed()

    def _changed(self, changes: Changes) -> None:
        """A write anywhere: Statistics and the map follow at once when shown, else on
        their next show."""
        if self.map is not None:
            self.map.project_changed(changes)  # (hidden: restyled or read when shown)
        if self.versions is not None and changes:
            self.versions.labels_changed()  # a comparison with now is out of date
        if self.duplicates is not None and changes:  # its groups show the labels now
            self.duplicates.project_changed(None if changes.all_images else changes.image_ids)
        if self.stats is None:
            return
        from labeldesk.gui.session import OUTSIDE_CHANGES

        shown = self.shell.is_showing(self.stats)
        if changes is OUTSIDE_CHANGES:  # seen every 1.5 s while a colleague labels: on
            self._mark_stale("all")  # screen the counts now, and a new duplicate search
            if shown:  # on the next show, not at each (it would never finish)
                self.stats.images_changed()
        elif changes.all_images and shown:  # a rescan here: everything now (it stayed
            self.stats.refresh()  # as it was until the page was shown again)
        elif changes.all_images:
            self._mark_stale("all")
        elif shown:
            self.stats.images_changed()
        else:  # (also with the Duplicates window open over the browser: recounting the
            # hidden page took ~1 s of the GUI thread per label key at 1M images)
            self._mark_stale("labels")

    def _job_ended(self) -> None:
        """An exclusive job (a scan, embedding, training) ended: what it made may be new."""
        self._mark_stale("all")
        if self.map is not None:
            self.map.models_changed()  # new embeddings: placed on the map
        if self.training is not None:
            self.training.update_start()  # a head can train once embeddings exist
        if self.drift is not None:
            self.drift.project_changed()

    def _models_changed(self) -> None:
        """Another process embedded or trained (`labeldesk embed`, `train` in a terminal):
        as after a job of this window, and the training page lists its versions again."""
        self._job_ended()
        if self.training is not None:
            self.training.refresh()

    def _mark_stale(self, what: str) -> None:
        if self.stats is not None and self._stats_stale != "all":
            self._stats_stale = what

    def _trained(self, _version_id: int, what: str = "Training finished") -> None:
        from labeldesk.ml.model_choice import predicting

        if self.stats is not None:
            self.stats.refresh()
        view = self.shell.view
        if view is not None:
            view.feed.refresh()
        self.shell.update_actions()
        project = self.project
        chosen = predicting(project) if project is not None else None
        if chosen is None:
            self.shell.show_message(what)
            return
        if chosen.version is None:
            self.shell.show_message(
                f"{what}: a quick fit on the embeddings (linear probe) predicts ({chosen.reason})"
            )
            return
        self.shell.show_message(
            f"{what}: predictions, issues and the queue use head #{chosen.version.id} "
            f"({chosen.reason})"
        )
