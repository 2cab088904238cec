"""Tools → Embed on a Ray cluster…: where Compute embeddings runs, kept in the settings.

The choice is the command line's ``embed --ray ADDRESS [--workers N] [--gpus-per-worker
G] [--remote-root URI]``; once saved, Tools → Compute embeddings (and the embedding of a
new project) runs on that cluster until it is switched off here. The dialog only stores
the choice: connecting and every check happen when the job runs, with one message if
the cluster cannot be used.

The same cluster can also compute the near-duplicate pass's neighbour search (the CLI's
``duplicates --ray``), when "Find near-duplicate neighbours on the cluster too" is on:
the Statistics page's duplicate search then asks :func:`graph_on_cluster` first, which
runs the search on the cluster when the project's neighbours are not computed yet.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from labeldesk.core.errors import LabelDeskError
from labeldesk.core.progress import CancelToken, ProgressCallback, no_progress
from labeldesk.gui import settings
from labeldesk.gui.dialog_height import grow_to_fit
from labeldesk.gui.report_area import ReportArea
from labeldesk.gui.wrapped_message import WrappedMessage

if TYPE_CHECKING:
    from labeldesk.core.project import Project
    from labeldesk.ml.ray_graph import ClusterGraphReport

ENABLED_KEY = "embeddings/ray_enabled"
ADDRESS_KEY = "embeddings/ray_address"
WORKERS_KEY = "embeddings/ray_workers"
GPUS_KEY = "embeddings/ray_gpus_per_worker"
REMOTE_ROOT_KEY = "embeddings/ray_remote_root"
DUPLICATES_KEY = "embeddings/ray_duplicates"
AUTO_GPUS = -1.0  # the spin box's "auto" (1 GPU a worker when the cluster has GPUs)

HELP = (
    "Embeddings are computed by a pool of workers on the cluster, each loading the model "
    "once; they read the images themselves, and the vectors come back into this project "
    "as each batch finishes (a cancelled job keeps them).<br><br>"
    "Start a cluster: <code>ray&nbsp;start&nbsp;--head&nbsp;--port&nbsp;6379</code> on one "
    "machine, "
    "<code>ray&nbsp;start&nbsp;--address&nbsp;HEAD:6379</code> on the others, and on this one too "
    "(<code>--num-cpus&nbsp;0</code>) to use the address <code>HEAD:6379</code>; or use Ray "
    "Client, <code>ray://HEAD:10001</code> (KubeRay, Anyscale). Every node needs the "
    "same LabelDesk and Ray: <code>pip&nbsp;install&nbsp;'labeldesk[cluster]'</code>."
)


@dataclass(frozen=True)
class ClusterChoice:
    """Where embeddings run when they run on a cluster (None fields: automatic)."""

    address: str
    workers: int | None = None
    gpus_per_worker: float | None = None
    remote_root: str | None = None

    def kwargs(self) -> dict[str, Any]:
        """The keyword arguments of :func:`labeldesk.ml.ray_embed.embed_on_ray`."""
        return {
            "address": self.address,
            "workers": self.workers,
            "gpus_per_worker": self.gpus_per_worker,
            "remote_root": self.remote_root,
        }


def _stored() -> tuple[bool, ClusterChoice]:
    store = settings.settings()
    enabled = str(store.value(ENABLED_KEY, "false")).lower() == "true"
    try:
        workers = int(str(store.value(WORKERS_KEY, 0)))
        gpus = float(str(store.value(GPUS_KEY, AUTO_GPUS)))
    except ValueError:  # a hand-edited settings file: automatic
        workers, gpus = 0, AUTO_GPUS
    choice = ClusterChoice(
        str(store.value(ADDRESS_KEY, "") or ""),
        workers if workers > 0 else None,
        gpus if gpus >= 0 else None,
        str(store.value(REMOTE_ROOT_KEY, "") or "") or None,
    )
    return enabled, choice


def cluster_choice() -> ClusterChoice | None:
    """The saved cluster if embeddings are to run on one, else None (this machine)."""
    enabled, choice = _stored()
    return choice if enabled and choice.address else None


def duplicates_cluster() -> ClusterChoice | None:
    """The saved cluster if the near-duplicate neighbour search is to run on it too."""
    choice = cluster_choice()
    return choice if _duplicates_flag() else None


def _duplicates_flag() -> bool:
    return str(settings.settings().value(DUPLICATES_KEY, "false")).lower() == "true"


def graph_on_cluster(
    project: Project,
    *,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
    said: Callable[[str], None] | None = None,
) -> bool:
    """Compute the project's kNN graph on the saved cluster (in a child process: a Ray
    driver, the GUI never waits on it) when that is switched on and the graph is not
    cached yet; the duplicate search then reads it like its own. True when it ran;
    ``said`` then gets a line for the status bar (where it ran, how long, the cluster's
    notices: what `labeldesk duplicates --ray` prints)."""
    choice = duplicates_cluster()
    if choice is None:
        return False
    from labeldesk.ml.errors import NoEmbeddings
    from labeldesk.ml.neighbors import has_cached_graph
    from labeldesk.ml.store import project_vectors

    try:
        if has_cached_graph(project, project_vectors(project)):
            return False
    except NoEmbeddings:  # exact duplicates only: nothing to search
        return False
    from labeldesk.ml.child_jobs import run_in_child

    report = run_in_child(
        "labeldesk.ml.ray_graph:graph_on_ray",
        project.path,
        progress=progress,
        cancel=cancel,
        address=choice.address,
        # not the embedding's worker count: the search's default (one worker per node
        # with all its CPUs, one index in memory each) is its best, and a count over
        # the cluster's CPUs, fine for embedding actors, would fail the search
        workers=None,
    )
    if said is not None:
        said(graph_text(report))
    return True


def graph_text(report: ClusterGraphReport) -> str:
    """The status bar's line after the neighbour search ran on the cluster."""
    where = report.address if report.head in (None, report.address) else report.head
    text = (
        f"Near-duplicate neighbours of {report.images:,} images found on the Ray cluster at "
        f"{where} in {report.seconds:.1f} s"
    )
    return text + "".join(f"; note: {line}" for line in report.notices)


def save_cluster_choice(
    enabled: bool, choice: ClusterChoice, duplicates: bool | None = None
) -> None:
    store = settings.settings()
    if duplicates is not None:
        store.setValue(DUPLICATES_KEY, "true" if duplicates else "false")
    store.setValue(ENABLED_KEY, "true" if enabled else "false")
    store.setValue(ADDRESS_KEY, choice.address)
    store.setValue(WORKERS_KEY, choice.workers or 0)
    store.setValue(
        GPUS_KEY, AUTO_GPUS if choice.gpus_per_worker is None else choice.gpus_per_worker
    )
    store.setValue(REMOTE_ROOT_KEY, choice.remote_root or "")


def address_problem(address: str) -> str | None:
    """Why ``address`` is not a Ray address (None when it is one)."""
    from labeldesk.ml.ray_address import parse_address

    try:
        parse_address(address)
    except LabelDeskError as exc:
        return str(exc)
    return None


class ClusterDialog(QDialog):
    """Edit the saved cluster choice; ``embed_now`` says the user asked to start now."""

    def __init__(self, parent: QWidget | None = None, *, project_open: bool = True):
        super().__init__(parent)
        self.setWindowTitle("Embed on a Ray cluster")
        self.embed_now = False
        enabled, choice = _stored()

        self.enabled = QCheckBox("Compute embeddings on a Ray cluster")
        self.enabled.setChecked(enabled)
        self.address = QLineEdit(choice.address)
        self.address.setPlaceholderText("head-node:6379  or  ray://head-node:10001")
        self.workers = QSpinBox()
        self.workers.setRange(0, 4096)
        self.workers.setSpecialValueText("one per node")
        self.workers.setValue(choice.workers or 0)
        self.gpus = QDoubleSpinBox()
        self.gpus.setRange(AUTO_GPUS, 16.0)
        self.gpus.setSingleStep(0.25)
        self.gpus.setSpecialValueText("auto: 1 when the cluster has GPUs")
        self.gpus.setValue(AUTO_GPUS if choice.gpus_per_worker is None else choice.gpus_per_worker)
        self.remote_root = QLineEdit(choice.remote_root or "")
        self.remote_root.setPlaceholderText("same path as here, or s3://bucket/prefix, /mnt/photos")
        self.duplicates = QCheckBox("Find near-duplicate neighbours on the cluster too")
        self.duplicates.setToolTip(
            "For very large projects: the duplicate search's neighbour graph (hours of CPU "
            "at 10M images) is computed by the cluster's CPUs, then used here as if computed "
            "here. Nodes read the embeddings where this machine does when they see that "
            "folder (shared storage), else they are sent."
        )
        self.duplicates.setChecked(_duplicates_flag())

        form = QFormLayout()
        form.addRow("Cluster address:", self.address)
        form.addRow("Workers (most):", self.workers)
        form.addRow("GPUs per worker:", self.gpus)
        form.addRow("Images on the workers:", self.remote_root)
        form.addRow("", self.duplicates)
        self.fields = QWidget()
        self.fields.setLayout(form)

        # a long address pasted breaks (a QLabel made the dialog as wide as it); what
        # does not fit a small screen scrolls (ReportArea), the buttons stay on it
        self.problem = WrappedMessage()
        self.problem.setObjectName("warning")
        self.problem_area = ReportArea(self.problem)
        help_text = QLabel(HELP)
        help_text.setWordWrap(True)
        help_text.setTextFormat(help_text.textFormat().RichText)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.save_button = buttons.addButton("Save", QDialogButtonBox.ButtonRole.AcceptRole)
        self.embed_button = QPushButton("Save and embed now")
        buttons.addButton(self.embed_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.embed_button.setEnabled(project_open)
        self.embed_button.clicked.connect(self._ask_embed)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.enabled)
        layout.addWidget(self.fields)
        layout.addWidget(self.problem_area)
        layout.addWidget(help_text)
        layout.addWidget(buttons)
        self.setMinimumWidth(560)
        self._project_open = project_open
        self.enabled.toggled.connect(self._update)
        self.address.textChanged.connect(self._update)
        self._update()

    def choice(self) -> ClusterChoice:
        gpus = self.gpus.value()
        return ClusterChoice(
            self.address.text().strip(),
            self.workers.value() or None,
            None if gpus < 0 else gpus,
            self.remote_root.text().strip() or None,
        )

    def _update(self) -> None:
        on = self.enabled.isChecked()
        self.fields.setEnabled(on)
        problem = None
        if on:
            if importlib.util.find_spec("ray") is None:
                problem = "Ray is not installed here: pip install 'labeldesk[cluster]'"
            elif not self.address.text().strip():
                problem = "Enter the address of the cluster's head node."
            else:
                problem = address_problem(self.address.text())
        self._say(problem or "")
        self.save_button.setEnabled(problem is None)
        self.embed_button.setEnabled(problem is None and self._project_open)
        self.embed_button.setText("Save and embed now" if on else "Save and embed here now")

    def _say(self, text: str) -> None:
        self.problem_area.set_text(text)
        grow_to_fit(self)  # (none while not shown: its first size counts the report)

    def _ask_embed(self) -> None:
        self.embed_now = True

    def accept(self) -> None:
        save_cluster_choice(self.enabled.isChecked(), self.choice(), self.duplicates.isChecked())
        super().accept()
