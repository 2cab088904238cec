"""The bar above the embedding map: the colouring chosen, the selection tool (Select, and
Box or Lasso), the status line, the busy bar with Cancel while a job runs, and Start
again after one was cancelled or failed (and a PCA map instead of a UMAP one that
failed). Split from :mod:`labeldesk.gui.map_view`, which connects the colouring and the
buttons and writes the status line."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QProgressBar, QPushButton

from labeldesk.gui.elided_label import ElidedLabel
from labeldesk.gui.job_progress import job_eta
from labeldesk.gui.map_selection import MapViewBox
from labeldesk.gui.workers import Job
from labeldesk.ml.projection import SLOW_FIRST_TIME

COLOR_BY = {"label": "Label", "prediction": "What the model thinks", "issue": "Label fit"}
SELECT_TOOLS = {"box": "Box", "lasso": "Lasso"}
SLOW_NOTE_S = 8.0  # a step slow only the first time says why once it has taken this long
KEYS_TIP = (
    "From the keyboard, on the map (click it or Tab to it): the arrows move between"
    " images, Space selects one, ] and [ select more or fewer around it, Enter shows the"
    " selection in the browser, Esc clears it; + and - zoom, Ctrl+0 shows the whole map"
)
SELECT_TIPS = {
    "box": "Drag a box to select images (otherwise drag pans).\n" + KEYS_TIP,
    "lasso": "Draw around images to select them (otherwise drag pans).\n" + KEYS_TIP,
}


class MapBar(QHBoxLayout):
    """The map's bar; Select (and the tool) switch ``viewbox``'s selecting on and off."""

    def __init__(self, viewbox: MapViewBox):
        super().__init__()
        self._viewbox = viewbox
        self.color_by = QComboBox()
        for key, text in COLOR_BY.items():
            self.color_by.addItem(text, key)
        self.select_button = QPushButton("Select")
        self.select_button.setCheckable(True)
        self.select_button.setToolTip(SELECT_TIPS["box"])
        self.select_button.toggled.connect(lambda on: setattr(viewbox, "selecting", on))
        self.select_tool = QComboBox()
        for key, text in SELECT_TOOLS.items():
            self.select_tool.addItem(text, key)
        self.select_tool.setToolTip("Select with a box or with a free-form lasso")
        self.select_tool.currentIndexChanged.connect(lambda _: self._tool_chosen())
        self.status = ElidedLabel()  # a long line is cut, never widens the window
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)  # busy until a step that counts (see follow)
        self._followed: Job | None = None
        self._line = ""  # the followed job's status line, as its last step set it
        self._why = ""  # why its step is slow, said if the step lasts (SLOW_FIRST_TIME)
        self._why_due = False  # it has lasted: said after the step's line
        self._slow = QTimer(self)
        self._slow.setSingleShot(True)
        self._slow.timeout.connect(self._say_why_slow)
        self.cancel_button = QPushButton("Cancel")
        # after a computation was cancelled or failed: it again (the map, or the colouring)
        self.again_button = QPushButton("Start again")
        self.again_button.hide()
        # after a UMAP map failed (UMAP would not load, say): a PCA map instead (seconds)
        self.pca_button = QPushButton("PCA map instead")
        self.pca_button.setToolTip(
            "Place the images by PCA, a linear projection: quick and needs no UMAP, but"
            " it separates the classes less well"
        )
        self.pca_button.hide()
        colour_label = QLabel("Colour by")
        colour_label.setBuddy(self.color_by)  # what a screen reader calls the box
        self.select_tool.setAccessibleName("Selection tool")
        widgets = (colour_label, self.color_by, self.select_button, self.select_tool)
        for widget in widgets:
            self.addWidget(widget)
        self.addWidget(self.status, 1)
        self.addWidget(self.progress)
        self.addWidget(self.cancel_button)
        self.addWidget(self.again_button)
        self.addWidget(self.pca_button)

    def follow(self, job: Job, doing: str) -> str:
        """Show ``job``'s steps beside ``doing`` ("computing the map…"): the step in words,
        and for a step that counts (UMAP placing the images) its percentage and the time
        left; a busy bar for a step that cannot say how far it is. The very first map on a
        computer spends most of a minute loading UMAP; a project's first map after it, seconds
        (the README's figures, from benchmarks/bench_map_neighbours.py); before the steps
        were named, all of it went by behind a bar that said nothing. Returns ``doing``,
        the status until the first step."""
        self._followed = job
        self._slow.stop()
        self._why, self._why_due = "", False
        self.progress.setRange(0, 0)
        job.progress.connect(
            lambda done, total, step: self._job_step(job, doing, done, total, step)
        )
        return doing

    def _job_step(self, job: Job, doing: str, done: int, total: int, step: str) -> None:
        if job is not self._followed or not job.running:
            return  # an older job's late report
        if total > 0:
            self.progress.setRange(0, total)
            self.progress.setValue(done)
            self.progress.setFormat("%p%")
        else:
            self.progress.setRange(0, 0)
        why = next((w for name, w in SLOW_FIRST_TIME.items() if step.endswith(name)), "")
        if why != self._why:  # a new step: a slow one says why if it lasts
            self._why, self._why_due = why, False
            self._slow.stop()
            if why:
                self._slow.start(round(SLOW_NOTE_S * 1000))
        self._line = f"{doing.removesuffix('…')}, {step}…{job_eta(job, done, total)}"
        self.status.setText(self._line + (f" ({why})" if self._why_due else ""))

    def _say_why_slow(self) -> None:
        """The step has lasted: say why it is slow (loading UMAP on a computer's first
        map took about 75 s on 2 busy cores, later ones about 5, and the line said only
        "loading UMAP…")."""
        job = self._followed
        self._why_due = True
        if job is not None and job.running and self.status.text() == self._line:
            self.status.setText(f"{self._line} ({self._why})")

    def _tool_chosen(self) -> None:
        """Picking a tool means selecting with it: switch Select on."""
        tool = self.select_tool.currentData()
        self._viewbox.tool = tool
        self.select_button.setToolTip(SELECT_TIPS[tool])
        self.select_button.setChecked(True)
