"""What review mode shows: :class:`ReviewDisplay`, the part of
:class:`~labeldesk.gui.review_view.ReviewView` that puts the image under review on screen.

The header's counts (and the image's place in the list), the notice where the list has
ended or is empty (with the offer to label held-out splits too, or to score the issues
again), the image's labels and the key hint for its classes, the image itself (decoded in
the background, the next ones ahead of time) and, once the person stops on an image, its
neighbours, one of which a click shows large over the review.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtGui import QImage

from labeldesk.gui import shortcuts
from labeldesk.gui.neighbour_strip import NeighbourRow
from labeldesk.gui.review_jobs import title
from labeldesk.gui.review_words import (
    decision_room,
    decision_text,
    end_of_issues_notice,
    enter_hint,
    enter_room,
    expected_wrong_text,
    fit_room,
    held_out_notice,
    last_decision_room,
    neighbour_summary,
    opinion_room,
    unbroken,
)
from labeldesk.gui.word_joiner import unbroken_names_in

if TYPE_CHECKING:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QLabel, QPushButton

    from labeldesk.browse.review_scope import ReviewScope
    from labeldesk.browse.review_session import ReviewSession, Source
    from labeldesk.core.project import Project
    from labeldesk.gui.elided_label import ElidedLabel
    from labeldesk.gui.image_display import ImageLabel, ImageLoader, ImagePopup
    from labeldesk.gui.neighbour_strip import NeighbourStrip
    from labeldesk.gui.queue_refresh_box import QueueRefreshBox
    from labeldesk.gui.review_info import ReviewInfo
    from labeldesk.gui.review_jobs import ReviewJobs

PREFETCH = 2  # images decoded ahead of the one on screen
CLASSES_MENU_ADD = "Classes → Add class…"
NO_CLASSES_HINT = f"1–9 label (add classes: {CLASSES_MENU_ADD})"  # the hint with no class yet
MIN_DISPLAY_SIDE = 512  # decode at least this large (the view may still grow)


class ReviewDisplay:
    """The review view's display (a mixin of :class:`~.review_view.ReviewView`, whose
    widgets and state it shows)."""

    if TYPE_CHECKING:  # what it uses of the view
        project: Project
        session: ReviewSession | None
        source: Source
        crossfit: bool
        all_splits: bool
        held_out: dict[str, int]
        scope: ReviewScope | None
        expected_errors: int | None
        pixel_share: float
        jobs: ReviewJobs
        title: QLabel
        counter: QLabel
        refresh_box: QueueRefreshBox
        notice: QLabel
        held_out_button: QPushButton
        rescore_button: QPushButton
        info: ReviewInfo
        image: ImageLabel
        loader: ImageLoader
        popup: ImagePopup
        neighbours: NeighbourStrip
        neighbours_caption: ElidedLabel
        _neighbour_timer: QTimer
        _neighbours_for: str
        _hint_classes: list[str]
        _last: str

        def _say_model(self) -> None: ...

    def _update_counter(self) -> None:
        """The header's counts and, in the queue, the image's place in it: both follow
        the queue's length (a refresh or a rescan changes it under the image shown)."""
        session = self.session
        text = session.counter_text() if session else ""
        tip = ""
        if self.source == "issues" and session is not None and session.current is not None:
            text = f"image {session.place_text()} · {text}"  # where ← and → have taken you
        if self.source == "issues" and self.expected_errors is not None and text:
            text = f"{expected_wrong_text(self.expected_errors)} · {text}"
            from labeldesk.ml.pixel_view import share_note

            tip = share_note(self.pixel_share)
        if self.source == "issues" and self.scope is not None:
            text = f"{self.scope.name} · {text}" if text else self.scope.name
        self.counter.setText(text)
        self.counter.setToolTip(tip)
        if self.source == "queue" and session is not None and session.current is not None:
            self.info.show_place(session.place_text())

    def _show_current(self, notice: str = "") -> None:
        name = title(self.source, self.crossfit)
        self.title.setText(f"{name} (every split)" if self.all_splits else name)
        self.refresh_box.setVisible(self.source == "queue")
        self._update_counter()
        session = self.session
        item = session.current if session is not None else None
        if item is None and not notice and session is not None:
            notice = "All reviewed. Press Esc to go back to the browser."
            if self.source == "issues":
                notice = end_of_issues_notice(session.decisions)
            if self.source == "queue" and self.jobs.refreshing:
                notice = "Refitting the model and fetching more images to label…"
            if not session.items:
                notice = "Nothing to review: no likely mislabels were found."
                if self.source == "queue":
                    notice = "Nothing to label: every usable image has a label."
            if self.source == "queue" and self.held_out and not self.jobs.refreshing:
                notice = held_out_notice(self.held_out)
        self.notice.setText(notice)
        self.notice.setVisible(bool(notice))
        offer = item is None and session is not None and self.source == "queue"
        offer = offer and bool(self.held_out) and not self.jobs.refreshing
        # its underlined L: Alt+L presses it (it takes no focus: Space, Enter are review keys)
        self.held_out_button.setText(f"&Label {' and '.join(sorted(self.held_out))} images too")
        self.held_out_button.setVisible(offer)
        again = item is None and session is not None and bool(session.items)
        self.rescore_button.setVisible(again and self.source == "issues")
        self.neighbours.clear()
        self.neighbours_caption.setText(neighbour_summary([], None, None))
        self.neighbours_caption.setVisible(item is not None)
        self._neighbour_timer.stop()
        self.jobs.cancel_neighbours()  # a search still running is for the previous image
        # at the end, the notice alone: not empty label fields and neighbour boxes
        self.info.setVisible(item is not None)
        self.neighbours.setVisible(item is not None)
        if item is None:
            self.image.set_image(QImage())
            self.info.clear()
            return
        decided = session.decided(item) if session else None
        self._hint_classes = self.project.classes()
        self.neighbours.keep_room_for(self._hint_classes)  # a long name on two lines
        classes = (
            ", ".join(
                unbroken(f"{shortcuts.class_key(n)} {c}")
                for n, c in enumerate(self._hint_classes)
                if shortcuts.class_key(n)
            )
            or NO_CLASSES_HINT
        )
        keep = "Space keep" if self.source == "issues" else "Space skip"
        others = (keep, "X exclude", "Z undo", "Ctrl+Y redo", "←/→ move", "Esc back")
        rest = [classes] + [unbroken(k) for k in others]

        def keys_with(enter: str) -> str:  # each key beside its word (it wrapped at "Z" "undo")
            return " · ".join([enter] * bool(enter) + rest)  # (Enter's class on one line)

        keys = keys_with(enter_hint(self.source, item.suggested, item.confidence, item.label))
        if self.project.read_only is not None:  # only the keys that still work
            still = ["Space skip"] if self.source == "queue" else []
            keys = "Read-only: " + " · ".join(unbroken(k) for k in [*still, "←/→ move", "Esc back"])
        else:  # room for Enter naming any class, sure or not, so the hint keeps its lines
            self.info.keep_room_for_hint(
                [keys_with(enter) for enter in enter_room(self.source, self._hint_classes)]
            )
        place = None if self.source == "issues" else (session.place_text() if session else "")
        said = decision_text(decided, item.label, self.source)
        self.info.show_item(item, place=place, hint=keys, decided=said)
        # the badge over a decided image: room for its longest wording, kept in the row of
        # the Last line (never both at once)
        self.info.keep_room_for_decision(decision_room(self._hint_classes, self.source))
        # the model line: room for its longest wording, so the lines under it hold still
        queue = self.source == "queue"  # the lines that wrap keep room for their longest
        self.info.keep_room_for_given(self._hint_classes)
        self.info.keep_room_for_opinion(opinion_room(self._hint_classes, queue))
        self.info.keep_room_for_fit([] if queue else fit_room(self._hint_classes))
        if session is not None:  # room for the Last line of any image of the pass
            paths = [i.path for i in session.items]
            room = last_decision_room(paths, self._hint_classes, self.project.read_only is None)
            self.info.keep_room_for_last([unbroken_names_in(t, self._hint_classes) for t in room])
        last = unbroken_names_in(self._last, self._hint_classes)  # "→ t-shirt_top" unbroken
        self.info.show_last("" if decided else last)
        self._say_model()
        # Decoded in the background, the next images ahead of time: usually already here.
        cached = self.loader.cached(item.path)  # any size: a sharper one may follow
        self.image.set_image(cached if cached is not None else QImage())
        self._request_images()
        self._neighbours_for = item.path
        self._neighbour_timer.start()  # once the person stops on an image

    def _request_images(self) -> None:
        """Decode the image under review and the next ones (those not cached)."""
        session = self.session
        item = session.current if session is not None else None
        if session is None or item is None:
            return
        self.loader.request([item.path, *session.upcoming(PREFETCH)], self._display_side())

    def _display_side(self) -> int:
        size = self.image.contentsRect().size()
        side = max(size.width(), size.height()) * self.image.devicePixelRatioF()
        return max(MIN_DISPLAY_SIDE, int(side))

    def _image_loaded(self, path: str, image: QImage) -> None:
        item = self.session.current if self.session is not None else None
        if item is not None and item.path == path:
            self.image.set_image(image)
        if self.popup.isVisible() and self.popup.path == path:
            self.popup.set_pixels(image)

    def _neighbours_found(self, rows: Sequence[NeighbourRow]) -> None:
        """Show the neighbours, and over them what most are labeled: the given label or
        the suggestion (or another class), at a glance."""
        self.neighbours.show_neighbours(rows)
        item = self.session.current if self.session is not None else None
        if item is not None:
            labels = [row[1] for row in rows]
            summary = neighbour_summary(labels, item.label, item.suggested)
            self.neighbours_caption.setText(summary)

    def show_neighbour(self, path: str) -> None:
        """Show a neighbour large, over the review, until the next click or key."""
        labels = dict(zip(self.neighbours.paths(), self.neighbours.labels(), strict=True))
        cached = self.loader.cached(path)
        tile = self.neighbours.image(path)
        self.popup.show_image(path, labels.get(path), cached if cached is not None else tile)
        centre = self.image.mapToGlobal(self.image.rect().center())  # over the image
        self.popup.move(centre.x() - self.popup.width() // 2, centre.y() - self.popup.height() // 2)
        session = self.session  # the tile until the full image has loaded
        current = [session.current.path] if session is not None and session.current else []
        self.loader.request([path, *current], self._display_side())
