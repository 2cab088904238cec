"""View → Drift: is a folder of new images like this project's, and which ones are new?

Runs :func:`labeldesk.ml.drift.drift_report` as an exclusive job (it embeds the new
images into the project's vector store), then shows the verdict in words and the new
images most novel first. The ones to label first can be copied into the project as
unlabeled images (``_unlabeled/<folder>/``; the source folder is not touched), indexed,
and shown in the browser, where the labeling keys work; exact copies of the project's
images are left out, and a folder inside the image folder cannot be added at all. The
HTML report opens in the system browser.
"""

from __future__ import annotations

import html
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import QRectF, QSize, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QIcon, QImage, QPainter, QPalette, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from labeldesk.core.display import capitalised, counted, format_percent
from labeldesk.core.errors import LabelDeskError
from labeldesk.core.imageio import load_rgb
from labeldesk.core.progress import CancelToken, ProgressCallback
from labeldesk.gui.elided_label import ElidedLabel
from labeldesk.gui.full_disk import said
from labeldesk.gui.pixel_ratio import pixel_ratio
from labeldesk.gui.session import ProjectSession
from labeldesk.gui.thumbnails import ThumbnailLoader, ThumbRequest, pil_to_qimage
from labeldesk.gui.workers import Job
from labeldesk.gui.wrapped_message import breakable
from labeldesk.ml.errors import NoEmbeddings
from labeldesk.ml.store import current_key

SHOWN = 200  # most novel images in the gallery
ICON = 96


def load_icon(request: ThumbRequest, ratio: float = 1.0) -> QImage:
    """A gallery icon, decoded off the GUI thread (``request.path`` is absolute): a JPEG
    at a reduced DCT scale, the safe decoder's formats and orientation, then ICON layout
    px at ``ratio`` screen pixels each (sharp on a HiDPI screen, tagged with the ratio).
    (QPainter on a QImage is safe outside the GUI thread.)"""
    from PIL import Image

    side = max(1, round(ICON * ratio))
    image = load_rgb(Path(request.path), draft=(side, side))
    image.thumbnail((side, side))
    if max(image.size) < side:  # a 28-px image filled a twelfth of its tile: grown, its
        scale = side / max(image.size)  # pixels kept sharp, as the browser shows it
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        image = image.resize(size, Image.Resampling.NEAREST)
    # Centred on a square: every tile keeps the placeholder's size, scores stay in line.
    tile = QImage(side, side, QImage.Format.Format_ARGB32_Premultiplied)
    tile.fill(Qt.GlobalColor.transparent)
    painter = QPainter(tile)
    painter.drawImage((side - image.width) // 2, (side - image.height) // 2, pil_to_qimage(image))
    painter.end()
    tile.setDevicePixelRatio(ratio)
    return tile


def _copies_line(n: int, exact: int) -> str:
    """How many new images copy project images, each count said once: "10 are exact
    copies of project images (not shown: …)", "3 are copies of project images: 1 exact
    (not shown: …), 2 near"."""
    near = n - exact
    if exact == n:
        if n == 1:
            return "1 is an exact copy of a project image (not shown: the project has it)."
        return f"{n} are exact copies of project images (not shown: the project has them)."
    if exact == 0:
        if n == 1:
            return "1 is a near copy of a project image."
        return f"{n} are near copies of project images."
    it = "it" if exact == 1 else "them"
    return (
        f"{n} are copies of project images: {exact} exact (not shown: the project has {it}), "
        f"{near} near."
    )


class DriftPage(QWidget):
    """Choose a folder, check it, look at the most novel images, add them to the project."""

    message = Signal(str)
    error = Signal(object)  # str, or a FailureText: with the disk it found full
    # a failure the page says on its own line already: the status bar repeats it, with
    # no dialog (a check without embeddings said it three times: line, dialog, status)
    said = Signal(object)  # str, or a FailureText: with the disk it found full
    showPaths = Signal(list, str)  # project paths to show in the browser, and a description
    in_process = False  # the check in a child process (tests set True: no child per test)

    def __init__(self, session: ProjectSession):
        super().__init__()
        self.session = session
        self.project = session.project
        self.folder: Path | None = None
        self.report: Any = None
        self.html: Path | None = None
        self._waiting_for_embeddings = False  # the check on show failed for want of them
        self._key_at_failure: str | None = None  # the embeddings' key at that failure
        self.job: Job | None = None

        title = QLabel("<b>Drift</b>: is a folder of new images like this project's?")
        hint = QLabel(
            "New images are compared with the project's labeled ones (five statistical tests, "
            "and what the model predicts). They are embedded but not added to the project "
            "unless you ask: add the most novel ones to label them first."
        )
        hint.setWordWrap(True)
        self.choose_button = QPushButton("Choose folder…")
        self.choose_button.clicked.connect(self.choose_folder)
        self.folder_label = ElidedLabel("No folder chosen.", mode=Qt.TextElideMode.ElideMiddle)
        self.verdict = QLabel("")
        self.verdict.setWordWrap(True)
        self.verdict.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.gallery = QListWidget()
        self.gallery.setViewMode(QListWidget.ViewMode.IconMode)
        self.gallery.setIconSize(QSize(ICON, ICON))
        self.gallery.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.gallery.setMovement(QListWidget.Movement.Static)
        self.gallery.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.gallery.itemSelectionChanged.connect(self._update_buttons)
        # Before a check the gallery was a large blank: it says what to do, what comes.
        self.gallery_hint = QLabel(
            "Click <b>Choose folder…</b> and pick a folder of new images.<br><br>"
            "The check says above whether they differ from the project's labeled images, "
            "and shows here the new images, the most novel first, with their novelty score: "
            "select some and add them to the project to label them first."
        )
        self.gallery_hint.setWordWrap(True)
        self.gallery_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.gallery_hint.setContentsMargins(40, 0, 40, 0)
        hint_palette = self.gallery_hint.palette()
        hint_palette.setColor(
            QPalette.ColorRole.WindowText, hint_palette.color(QPalette.ColorRole.PlaceholderText)
        )
        self.gallery_hint.setPalette(hint_palette)
        self.gallery_area = QStackedWidget()
        self.gallery_area.addWidget(self.gallery_hint)
        self.gallery_area.addWidget(self.gallery)
        # The new images are full-size files (camera photos): decoding 200 of them on the
        # GUI thread froze the window for a minute. Items show a placeholder at once.
        self._ratio = pixel_ratio(self)  # the screen's: icons at its pixels
        self.icons = ThumbnailLoader(
            partial(load_icon, ratio=self._ratio), capacity=SHOWN, parent=self
        )
        self.icons.ready.connect(self._icon_ready)
        self._placeholder = QIcon(self._placeholder_pixmap())
        self._unreadable = QIcon(self._placeholder_pixmap("no preview"))
        self.add_selected_button = QPushButton("Add selected to project")
        self.add_selected_button.clicked.connect(lambda: self.add_to_project(self.selected()))
        self.add_all_button = QPushButton("Add all shown")
        self.add_all_button.clicked.connect(lambda: self.add_to_project(self.shown()))
        self.html_button = QPushButton("Open HTML report")
        self.html_button.clicked.connect(self.open_html)

        top = QHBoxLayout()
        top.addWidget(self.choose_button)
        top.addWidget(self.folder_label, 1)
        actions = QHBoxLayout()
        actions.addStretch(1)
        for button in (self.add_selected_button, self.add_all_button, self.html_button):
            actions.addWidget(button)
        layout = QVBoxLayout(self)
        for widget in (title, hint):
            layout.addWidget(widget)
        layout.addLayout(top)
        layout.addWidget(self.verdict)
        layout.addWidget(self.gallery_area, 1)
        layout.addLayout(actions)
        self._update_buttons()

    # -- checking ------------------------------------------------------------------
    def choose_folder(self) -> None:
        # the folder last checked, else beside the image folder, where new images
        # usually are (it opened wherever the app was started from)
        start = self.folder or self.project.root.parent
        chosen = QFileDialog.getExistingDirectory(self, "Folder of new images", str(start))
        if chosen:
            self.check(Path(chosen))

    def check(self, folder: Path) -> Job | None:
        """Run the drift report on ``folder`` in the background."""
        project, in_process = self.project, self.in_process

        def run(*, progress: ProgressCallback, cancel: CancelToken) -> tuple[Any, Path]:
            if in_process:
                from labeldesk.ml.drift_job import check_folder

                return check_folder(project, folder=str(folder), progress=progress, cancel=cancel)
            # In a child process: the report's numerical steps hold the GIL for seconds
            # (labeldesk.ml.drift_job), which would stop this window as long.
            from labeldesk.ml.child_jobs import run_in_child

            result: tuple[Any, Path] = run_in_child(
                "labeldesk.ml.drift_job:check_folder", project.path, progress=progress,
                cancel=cancel, folder=str(folder),
            )  # fmt: skip
            return result

        job = Job(run, "Drift")
        job.finished.connect(self._done)
        # (tied to the page: closing the project deletes it before the session has
        # waited for the check, whose last signals then call nothing on it)
        job.connect_while(
            self,
            job.failed,
            lambda exc: self._failed(
                job.describe(exc), cured_by_embeddings=isinstance(exc, NoEmbeddings)
            ),
        )
        job.connect_while(self, job.cancelled, lambda: self.verdict.setText("Cancelled."))
        self.job = self.session.start_exclusive(job, "Checking for drift")
        if self.job is None:  # the page stays as it was: the last folder, its report (the
            return None  # session has said which job to wait for)
        # (its results arrive through the event loop, after this)
        self.folder = folder
        self.folder_label.setText(str(folder))
        self.verdict.setText("Checking…")
        self.gallery_area.setCurrentWidget(self.gallery)
        self.icons.invalidate()
        self.gallery.clear()
        self.report = self.html = None  # the last folder's report is not this one's
        self._update_buttons()
        return self.job

    def _failed(self, text: str, cured_by_embeddings: bool = False) -> None:
        # (a long folder name in it breaks: it was cut at the page's edge)
        self.verdict.setText(breakable(f"Could not check the folder: {text!s}"))
        self._waiting_for_embeddings = cured_by_embeddings
        self._key_at_failure = current_key(self.project)  # damaged ones have a key too
        self.said.emit(text)

    def project_changed(self) -> None:
        """A job ended: once embeddings exist, a check that failed for want of them is no
        longer said as if it stood ("no embeddings yet" after they were made): new ones,
        another key than at the failure. (Any other failure stays: the check's own end is
        such a job.)"""
        now = current_key(self.project)
        if self._waiting_for_embeddings and now is not None and now != self._key_at_failure:
            self._waiting_for_embeddings = False
            self.verdict.setText("Embeddings are ready: choose the folder again to check it.")

    def _done(self, result: tuple[Any, Path]) -> None:
        self._waiting_for_embeddings = False
        self.report, self.html = result
        data = self.report.to_json()
        # the verdict in plain words first, bold; the statistics behind it after
        verdict, _, evidence = str(data["summary"]).partition(": ")
        lines = [f"<b>{html.escape(verdict)}.</b>"]
        if evidence:
            lines.append(html.escape(evidence))  # (in <small> it was ~7 pt: hard to read)
        copies = data.get("copies_within_folder", 0)
        once = f" ({copies} copies of other files counted once)" if copies else ""
        lines.append(
            f"{data['images']} new{once} vs {data['reference']} labeled images; below, "
            "the new images most novel first, with their novelty score (0 to 1)."
        )
        if data["low_confidence_share"] is not None:
            lines.append(
                f"{format_percent(data['low_confidence_share'])} of the new images are below "
                "the confidence at which the model is 90% right."
            )
        # An exact copy cannot be added (the project has its bytes already): not shown.
        exact = {d["path"] for d in data["duplicates"] if d["kind"] == "exact"}
        if data["duplicates"]:
            lines.append(_copies_line(len(data["duplicates"]), len(exact)))
        if data["unreadable"]:
            lines.append(f"{counted(len(data['unreadable']), 'file')} could not be read.")
        self.verdict.setText("<br>".join(lines))
        shown = [n for n in data["novel"] if n["path"] not in exact][:SHOWN]
        self.gallery_area.setCurrentWidget(self.gallery)
        self._fill_gallery(shown)
        if not shown:  # the gallery was a large blank, both Add buttons off, unexplained
            self.gallery_hint.setText(html.escape(self._nothing_shown(len(exact)), quote=False))
            self.gallery_area.setCurrentWidget(self.gallery_hint)
        self._update_buttons()

    def _nothing_shown(self, exact: int) -> str:
        """Why a check shows no image to add (a folder inside the image folder, or one
        of copies of the project's images)."""
        from labeldesk.core.add_images import check_source

        try:
            if self.folder is not None:  # (the folder checked: set as the check started)
                check_source(self.project, self.folder)
        except LabelDeskError as exc:
            return f"{capitalised(str(exc))}."  # "… so there is nothing to add."
        if exact:
            return "Nothing to add: every image in this folder is a copy of one in the project."
        return "No new image to show."

    def _fill_gallery(self, novel: list[dict[str, Any]]) -> None:
        """List ``novel`` at once with placeholders; icons follow from the loader, the
        most novel first (it serves the newest request first)."""
        self.icons.invalidate()
        self.gallery.clear()
        assert self.folder is not None
        for entry in novel:
            item = QListWidgetItem(self._placeholder, f"{entry['score']:.2f}")
            item.setToolTip(
                f"{entry['path']}\nnovelty {entry['score']:.3f}"
                + (f"\npredicted {entry['predicted']}" if entry.get("predicted") else "")
            )
            item.setData(Qt.ItemDataRole.UserRole, entry["path"])
            self.gallery.addItem(item)
        for row in reversed(range(self.gallery.count())):
            self.icons.pixmap(row, self._icon_path(row))

    def _icon_path(self, row: int) -> str:
        item = self.gallery.item(row)
        assert self.folder is not None and item is not None
        return str(self.folder / str(item.data(Qt.ItemDataRole.UserRole)))

    def _icon_ready(self, row: int) -> None:
        item = self.gallery.item(row)
        if item is None:
            return
        if self.icons.failed(row):  # it may still be added: the scan then says why it skips
            item.setIcon(self._unreadable)
            return
        pixmap = self.icons.pixmap(row, self._icon_path(row))
        if pixmap is not None:
            item.setIcon(QIcon(pixmap))

    def _placeholder_pixmap(self, text: str = "") -> QPixmap:
        """An empty tile, like the browser's while a thumbnail loads."""
        side = round(ICON * self._ratio)
        pixmap = QPixmap(side, side)
        pixmap.setDevicePixelRatio(self._ratio)
        pixmap.fill(Qt.GlobalColor.transparent)
        color = self.palette().color(QPalette.ColorRole.Mid)
        color.setAlpha(60)
        painter = QPainter(pixmap)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(color)
        tile = QRectF(0, 0, ICON, ICON)  # layout pixels: the painter follows the ratio
        painter.drawRoundedRect(tile, 4, 4)
        if text:
            painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(tile, Qt.AlignmentFlag.AlignCenter, text)
        painter.end()
        return pixmap

    # -- acting ----------------------------------------------------------------------
    def selected(self) -> list[str]:
        return [str(i.data(Qt.ItemDataRole.UserRole)) for i in self.gallery.selectedItems()]

    def shown(self) -> list[str]:
        items = (self.gallery.item(r) for r in range(self.gallery.count()))
        return [str(i.data(Qt.ItemDataRole.UserRole)) for i in items if i is not None]

    def _update_buttons(self) -> None:
        self.add_selected_button.setEnabled(bool(self.gallery.selectedItems()))
        self.add_all_button.setEnabled(self.gallery.count() > 0)
        self.html_button.setEnabled(self.html is not None)

    def add_to_project(self, rels: list[str]) -> Job | None:
        """Copy ``rels`` into the project as unlabeled images (exact copies of its images
        left out), index them, show them."""
        from labeldesk.core.add_images import batch_folder_name, check_source, copy_unlabeled

        if not rels or self.folder is None:
            return None
        project, folder = self.project, self.folder
        try:
            check_source(project, folder)
        except LabelDeskError as exc:
            self.error.emit(said(f"Nothing added: {exc}", exc))  # (with the disk it carries)
            return None
        batch = batch_folder_name(folder)

        copied: list[Any] = []

        def run(*, progress: ProgressCallback, cancel: CancelToken) -> Any:
            added = copy_unlabeled(project, folder, rels, batch, progress=progress, cancel=cancel)
            copied.append(added)
            project.scan(progress=progress, cancel=cancel)
            return added

        def cancelled() -> None:
            if not copied:
                self.message.emit("Adding cancelled: nothing was added.")
            else:  # copied, not yet indexed: the next scan adds them
                self.message.emit(
                    f"Adding cancelled while indexing: the {len(copied[0].paths):,} images "
                    "copied are added by the next rescan (File → Rescan folder, F5)."
                )

        job = Job(run, "Adding images")
        job.finished.connect(self._added)
        job.connect_while(self, job.cancelled, cancelled)  # (see check)
        job.connect_while(self, job.failed, lambda exc: self.error.emit(job.describe(exc)))
        return self.session.start_exclusive(job, "Adding new images to the project")

    def _added(self, added: Any) -> None:
        self.message.emit(added.summary())
        if added.paths:
            self.showPaths.emit(added.paths, "added from the drift check")

    def open_html(self) -> None:
        if self.html is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.html)))

    def shutdown(self) -> None:
        """Cancel a running check and the icons; the page closes with its project."""
        if self.job is not None and self.job.running:
            self.job.cancel()
        self.icons.shutdown()
