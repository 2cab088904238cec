"""The menu bar. Window-wide actions live here; per-project actions (labeling, undo)
belong to the project view and are shown in the menus while that project is open."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMainWindow, QMenu

from labeldesk.gui import hotkeys, settings, shortcuts
from labeldesk.gui.menu_focus import hand_back_focus
from labeldesk.gui.theme import current_theme

if TYPE_CHECKING:
    from labeldesk.gui.labeling import LabelingController
    from labeldesk.gui.project_view import ProjectView


class Commands(Protocol):
    """What the menus trigger (the main window implements them)."""

    def close(self) -> bool: ...
    def prompt_new_project(self) -> None: ...
    def prompt_open_project(self) -> None: ...
    def open_project(self, path: Path, quiet: bool = False) -> bool: ...
    def close_project(self) -> None: ...
    def rescan(self) -> object: ...
    def export_dataset(self) -> None: ...
    def import_labels(self) -> None: ...
    def focus_search(self) -> None: ...
    def compute_embeddings(self) -> object: ...
    def review_issues(self) -> None: ...
    def review_queue(self) -> None: ...
    def review_crossfit(self) -> None: ...
    def show_browser(self) -> None: ...
    def show_statistics(self) -> None: ...
    def find_duplicates(self) -> None: ...
    def find_outliers(self) -> None: ...
    def show_map(self) -> None: ...
    def show_training(self) -> None: ...
    def show_versions(self) -> None: ...
    def show_drift(self) -> None: ...
    def set_theme(self, name: str) -> None: ...
    def show_shortcuts(self) -> None: ...
    def show_about(self) -> None: ...


class MainMenus:
    def __init__(self, window: QMainWindow, commands: Commands):
        self.window = window
        self.commands = commands
        bar = window.menuBar()

        self.file_menu = bar.addMenu("&File")
        self.new_action = self._add(
            self.file_menu, "&New project…", shortcuts.NEW_KEYS, commands.prompt_new_project
        )
        self.open_action = self._add(
            self.file_menu, "&Open project…", shortcuts.OPEN_KEYS, commands.prompt_open_project
        )
        self.recent_menu = self.file_menu.addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        self.file_menu.addSeparator()
        self.rescan_action = self._add(
            self.file_menu, "Re&scan folder", shortcuts.RESCAN_KEYS, commands.rescan
        )
        self.import_action = self._add(
            self.file_menu, "&Import labels…", shortcuts.IMPORT_KEYS, commands.import_labels
        )
        self.export_action = self._add(
            self.file_menu, "&Export dataset…", shortcuts.EXPORT_KEYS, commands.export_dataset
        )
        self.close_action = self._add(self.file_menu, "&Close project", (), commands.close_project)
        self.file_menu.addSeparator()
        self.quit_action = self._add(self.file_menu, "&Quit", shortcuts.QUIT_KEYS, commands.close)

        self.edit_menu = bar.addMenu("&Edit")
        self.search_action = self._add(
            self.edit_menu, "&Search paths", shortcuts.SEARCH_KEYS, commands.focus_search
        )
        self.classes_menu = bar.addMenu("&Classes")
        self.classes_menu.aboutToShow.connect(self._fill_class_keys)
        self._labeling: LabelingController | None = None
        self._class_actions: list[QAction] | None = None  # the open project's
        self._key_actions: list[QAction] = []  # the class keys the menu lists now
        self._keys_end: QAction | None = None  # the separator after them

        self.tools_menu = bar.addMenu("&Tools")
        self.embed_action = self._add(
            self.tools_menu,
            "Compute &embeddings",
            shortcuts.EMBED_KEYS,
            commands.compute_embeddings,
        )
        self.cluster_action = self._add(
            self.tools_menu, "Embed on a Ray &cluster…", (), self._configure_cluster
        )
        self._show_embed_target()
        self.embed_new_action = QAction("Embed &new projects after indexing", window)
        self.embed_new_action.setCheckable(True)
        self.embed_new_action.setChecked(settings.embed_new_projects())
        self.embed_new_action.setToolTip(
            "Compute embeddings right after a new project is indexed (the model-based views "
            "need them); switch off to index only"
        )
        self.embed_new_action.toggled.connect(settings.set_embed_new_projects)
        self.tools_menu.addAction(self.embed_new_action)
        self.tools_menu.addSeparator()
        self.find_duplicates_action = self._add(
            self.tools_menu, "Find &duplicates…", (), commands.find_duplicates
        )
        self.find_duplicates_action.setToolTip(
            "Identical and nearly identical images, side by side, and copies across splits"
        )
        self.find_outliers_action = self._add(
            self.tools_menu, "Find &outliers", (), commands.find_outliers
        )
        self.find_outliers_action.setToolTip(
            "The browser sorted by outlier score: the most unusual images first"
        )

        self.review_menu = bar.addMenu("&Review")
        self.review_issues_action = self._add(
            self.review_menu,
            "Review likely &mislabels",
            shortcuts.REVIEW_ISSUES_KEYS,
            commands.review_issues,
        )
        self.review_queue_action = self._add(
            self.review_menu, "&Label the queue", shortcuts.REVIEW_QUEUE_KEYS, commands.review_queue
        )
        self.review_menu.addSeparator()
        self.crossfit_action = self._add(
            self.review_menu, "&Cross-fit and review mislabels…", (), commands.review_crossfit
        )
        self.crossfit_action.setToolTip(
            "Fine-tune the backbone out of fold to find errors between look-alike classes "
            "(slow without a GPU)"
        )

        self.view_menu = bar.addMenu("&View")
        self.browser_action = self._add(
            self.view_menu, "&Browser", shortcuts.BROWSER_KEYS, commands.show_browser
        )
        self.stats_action = self._add(
            self.view_menu, "&Statistics", shortcuts.STATS_KEYS, commands.show_statistics
        )
        self.map_action = self._add(
            self.view_menu, "Embedding &map", shortcuts.MAP_KEYS, commands.show_map
        )
        self.versions_action = self._add(
            self.view_menu, "Dataset &versions", shortcuts.VERSIONS_KEYS, commands.show_versions
        )
        self.training_action = self._add(
            self.view_menu, "&Training", shortcuts.TRAINING_KEYS, commands.show_training
        )
        self.drift_action = self._add(
            self.view_menu, "D&rift…", shortcuts.DRIFT_KEYS, commands.show_drift
        )
        self.view_menu.addSeparator()
        self.dark_action = self._add(
            self.view_menu, "&Dark theme", shortcuts.THEME_KEYS, self._toggle_theme
        )
        self.dark_action.setCheckable(True)
        self.dark_action.setChecked(current_theme() == "dark")

        self.help_menu = bar.addMenu("&Help")
        self._add(
            self.help_menu, "&Keyboard shortcuts", shortcuts.HELP_KEYS, commands.show_shortcuts
        )
        self._add(self.help_menu, "&About LabelDesk", (), commands.show_about)
        self._project_actions: list[QAction] = []
        # the Undo and Redo entries name what they would do, read as the menu opens
        self.edit_menu.aboutToShow.connect(
            lambda: self._labeling.name_steps() if self._labeling is not None else None
        )
        hand_back_focus(bar)  # Esc out of a menu gives the keyboard back at once

    def command_actions(self) -> list[QAction]:
        """The window's commands whose keys the user may change."""
        return [a for a in self.window.actions() if a.objectName()]

    def _add(
        self, menu: QMenu, text: str, keys: Sequence[shortcuts.KeySpec], slot: Callable[[], object]
    ) -> QAction:
        action = QAction(text, self.window)
        hotkeys.register(action, shortcuts.sequences(keys))  # the user's keys, if changed
        action.triggered.connect(lambda *_: slot())
        menu.addAction(action)
        self.window.addAction(action)  # shortcuts work even while the menu bar is hidden
        return action

    def _configure_cluster(self) -> None:
        from labeldesk.gui.cluster_dialog import ClusterDialog

        dialog = ClusterDialog(self.window, project_open=self.close_action.isEnabled())
        if dialog.exec() and dialog.embed_now:
            self.commands.compute_embeddings()
        self._show_embed_target()

    def _show_embed_target(self) -> None:
        """Compute embeddings says where it runs when that is a cluster."""
        from labeldesk.gui.cluster_dialog import cluster_choice

        choice = cluster_choice()
        self.embed_action.setText(
            "Compute &embeddings" if choice is None else "Compute &embeddings on the Ray cluster"
        )
        self.embed_action.setToolTip(
            "" if choice is None else f"On {choice.address} (Tools → Embed on a Ray cluster…)"
        )

    def _toggle_theme(self) -> None:
        self.commands.set_theme("dark" if self.dark_action.isChecked() else "light")

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        recent = settings.recent_projects()
        for path in recent:
            action = self.recent_menu.addAction(f"{path.name}  —  {path.parent}")
            action.triggered.connect(partial(self.commands.open_project, path))
        if not recent:
            self.recent_menu.addAction("No recent projects").setEnabled(False)

    def project_opened(self, view: ProjectView) -> None:
        labeling = view.labeling
        # The view owns these actions and their shortcuts; the menus only show them.
        self.edit_menu.insertAction(self.search_action, labeling.undo_action)
        self.edit_menu.insertAction(self.search_action, labeling.redo_action)
        self.classes_menu.addAction(labeling.add_class_action)
        self.classes_menu.addActions(view.class_actions.actions)
        self.classes_menu.addSeparator()
        self._keys_end = self.classes_menu.addSeparator()
        self.classes_menu.addActions([labeling.clear_action, labeling.exclude_action])
        self._project_actions = [
            labeling.undo_action,
            labeling.redo_action,
            labeling.add_class_action,
        ]
        self._labeling = labeling
        self._class_actions = list(view.class_actions.actions)
        self._fill_class_keys()
        labeling.classesChanged.connect(lambda _: self._fill_class_keys())  # (and when shown)

    def _fill_class_keys(self) -> None:
        """List the keys of the classes there are now (and the next free one): the menu
        is as tall as the class list, not as the 33 keys."""
        if self._labeling is None or self._keys_end is None:
            return
        for action in self._key_actions:
            self.classes_menu.removeAction(action)
        self._key_actions = self._labeling.menu_key_actions()
        self.classes_menu.insertActions(self._keys_end, self._key_actions)

    def project_closed(self) -> None:
        for action in self._project_actions:
            self.edit_menu.removeAction(action)
        self._project_actions = []
        self._labeling, self._key_actions, self._keys_end = None, [], None
        self._class_actions = None
        self.classes_menu.clear()

    def update_enabled(self, *, project_open: bool, busy: bool, read_only: bool = False) -> None:
        """``read_only``: the project was opened read-only (its folder cannot be
        written): the actions that would change it are off; browsing, the pages and
        Export stay on."""
        writable = project_open and not read_only
        self.rescan_action.setEnabled(writable and not busy)
        self.embed_action.setEnabled(writable and not busy)
        self.close_action.setEnabled(project_open)
        self.review_issues_action.setEnabled(project_open and not busy)
        self.browser_action.setEnabled(project_open)
        self.stats_action.setEnabled(project_open)
        self.find_duplicates_action.setEnabled(project_open)
        self.find_outliers_action.setEnabled(project_open)
        self.training_action.setEnabled(project_open)
        self.map_action.setEnabled(project_open)
        self.versions_action.setEnabled(project_open)
        self.drift_action.setEnabled(project_open)
        self.export_action.setEnabled(project_open and not busy)
        self.import_action.setEnabled(writable and not busy)
        for action in self._project_actions:  # undo, redo, add class
            action.setEnabled(not read_only)
        if self._class_actions is not None:
            for action in self._class_actions:  # rename, merge, remove
                action.setEnabled(not read_only)
        self.review_queue_action.setEnabled(project_open and not busy)
        self.crossfit_action.setEnabled(project_open and not busy)
        self.search_action.setEnabled(project_open)
        self.new_action.setEnabled(not busy)
        self.classes_menu.setEnabled(project_open)
