"""The model's values in the catalog: taken on the spot (:meth:`InsightSwap.set_insights`)
or joined off the GUI thread and swapped in (:meth:`InsightSwap.begin_insights` → its
work in a job → :meth:`InsightSwap.take_insights`), forgotten for files edited since,
following classes renamed or merged, and kept by a catalog that reads the images again
(:meth:`InsightKeep.keep_judgement`, in :mod:`~labeldesk.browse.insight_keep`, its
base); what a join notes is in :mod:`~labeldesk.browse.insight_join`. Mixed into
:class:`~labeldesk.browse.catalog.ImageCatalog`; Qt-free."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from labeldesk.browse.insight_columns import InsightColumns, insight_columns
from labeldesk.browse.insight_join import Edit, Join, put_back
from labeldesk.browse.insight_keep import InsightKeep

if TYPE_CHECKING:
    from labeldesk.ml.insights import ImageInsights


class InsightSwap(InsightKeep):
    """The model's per-image values of an :class:`~labeldesk.browse.catalog.ImageCatalog`."""

    if TYPE_CHECKING:  # the catalog's, as ImageCatalog sets and defines them
        ids: np.ndarray
        _index: pd.Index
        classes: list[str]
        labels: np.ndarray
        statuses: np.ndarray
        generation: int

        def positions_of(self, image_ids: Iterable[int]) -> np.ndarray: ...
        def _no_orders(self) -> None: ...

    def _no_insights(self) -> None:
        n = len(self.ids)
        self._pending: Join | None = None  # values begun off the GUI thread
        self.insights: ImageInsights | None = None
        self._insight_row = np.full(n, -1, dtype=np.int64)  # position -> insights row
        self.predicted = np.full(n, None, dtype=object)
        self.confidence = np.full(n, np.nan)
        self.issue_scores = np.full(n, np.nan)
        self.flagged = np.zeros(n, dtype=bool)
        self.suggested = np.full(n, None, dtype=object)
        self.outlier_scores = np.full(n, np.nan)
        self.guess = np.full(n, None, dtype=object)
        self.guess_confidence = np.full(n, np.nan)
        self._no_derived()

    def _no_derived(self) -> None:
        """What the model's values give besides their arrays, as before any."""
        # The model's flags and the labels and statuses they were given for: an image
        # a person looked at loses its flag, and gets it back when an undo returns it
        # to that state (the status bar's count follows both ways).
        self._judged: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self._guess_codes: tuple[np.ndarray, tuple[str, ...], np.ndarray] | None = None
        self.expected_errors: int | None = None  # "about N likely wrong", once scored
        # the labels counted in it, per image (None: known for the whole project only)
        self.expected_wrong: np.ndarray | None = None
        self.pixel_share = 0.0  # the pixel view's share in the predictions scored
        self._no_orders()

    def set_insights(self, insights: ImageInsights | None) -> None:
        """Take the model's per-image values (None forgets them), made here: at a
        million images :meth:`begin_insights` makes them off the GUI thread instead."""
        if insights is None:
            self.generation += 1
            self._no_insights()
            return
        self.take_insights(insight_columns(self._index, insights, self.classes))

    def begin_insights(self, insights: ImageInsights) -> Callable[[], InsightColumns]:
        """The work of taking ``insights``, to run off the GUI thread (it reads only the
        ids, fixed, and arrays it copies); hand its result to :meth:`take_insights`.
        Edits re-read meanwhile are noted, so the flags after the swap are those
        :meth:`set_insights` now and the edits after it would leave; so are images
        forgotten meanwhile (:meth:`forget_insights`), forgotten again at the swap. A later
        call, or values taken on the spot (:meth:`set_insights`), makes the swap refused;
        so does a change of the classes, after which :meth:`begin_again` begins it anew,
        the edits kept. A job that failed: :meth:`retry_join`."""
        self._pending = Join(insights)
        return self._begin(self._pending)

    def begin_again(self, refused: InsightColumns) -> Callable[[], InsightColumns] | None:
        """The work of the values begun last, begun anew when :meth:`take_insights`
        refused it (``refused``) because the classes changed since (a rename, a class
        added or removed: the names it joined are not today's); the edits noted since
        they were first begun stay noted, so the flags of images a person relabeled
        meanwhile stay off. None for other work (superseded, or not begun here)."""
        join = self._pending
        if join is None or not join.stale or refused.token is not join.token:
            return None
        join.token, join.stale = object(), False
        return self._begin(join)

    @property
    def pending_mark(self) -> object | None:
        """The mark of the work begun last (:meth:`begin_insights`, :meth:`begin_again`)
        and not yet taken, for :meth:`retry_join`; None when none is awaited."""
        return self._pending.token if self._pending is not None else None

    def retry_join(self, mark: object) -> Callable[[], InsightColumns] | None:
        """The work marked ``mark`` (:attr:`pending_mark` when it was begun) failed off
        the GUI thread: the same work begun anew, for another job (joined on the GUI
        thread it held the window seconds at a million images), the edits noted since
        it was first begun kept (an image a person relabeled meanwhile stays unflagged).
        None, nothing begun, when other work was begun since or values were taken since
        (``mark`` is not the work awaited)."""
        join = self._pending
        if join is None or join.token is not mark:
            return None
        join.token, join.stale = object(), False
        return self._begin(join)

    def give_up_join(self, mark: object) -> bool:
        """The work marked ``mark`` failed again (:meth:`retry_join`'s): nothing is
        awaited any more, the values shown stay. False, nothing done, when ``mark`` is
        not the work awaited (other work begun, or values taken, since)."""
        if self._pending is None or self._pending.token is not mark:
            return False
        self._pending = None
        return True

    def _begin(self, join: Join) -> Callable[[], InsightColumns]:
        token, insights = join.token, join.insights
        index, classes = self._index, tuple(self.classes)
        labels, statuses = self.labels, self.statuses

        def make() -> InsightColumns:
            columns = insight_columns(index, insights, classes)
            # (edits made while copying are put back as they were by the noted edits)
            return columns._replace(token=token, judged=(labels.copy(), statuses.copy()))

        return make

    @property
    def insights_pending(self) -> bool:
        """Whether values begun with :meth:`begin_insights` are awaited."""
        return self._pending is not None

    def _classes_changed(self) -> None:
        """The class list changed: values being joined are refused, and begun again
        (:meth:`begin_again`)."""
        if self._pending is not None:
            self._pending.stale = True

    def _note_edit(self, positions: np.ndarray) -> None:
        """A person's edit is about to reach ``positions``: values begun before judged
        them as they are now."""
        if self._pending is not None:
            edit = (positions, self.labels[positions], self.statuses[positions], True)
            self._pending.edits.append(edit)

    def take_insights(self, columns: InsightColumns) -> bool:
        """Swap in ``columns`` (:func:`insight_columns` of this catalog's ids, or
        :meth:`begin_insights`' work); whether they were taken: not when made for other
        ids or classes, or when begun and then superseded or cancelled."""
        if columns.size != len(self.ids) or columns.classes != tuple(self.classes):
            return False
        edits: list[Edit] = []
        forgotten: list[np.ndarray] = []
        if columns.token is not None:
            join = self._pending
            if join is None or join.token is not columns.token or join.stale:
                return False
            edits, forgotten = join.edits, join.forgotten
        self._pending = None
        self.generation += 1
        self._no_derived()  # (the arrays are all replaced: not made anew first)
        insights = self.insights = columns.insights
        self._insight_row = columns.rows
        self.predicted, self.suggested, self.guess = (
            columns.predicted,
            columns.suggested,
            columns.guess,
        )
        self.confidence, self.issue_scores = columns.confidence, columns.issue_scores
        self.outlier_scores = columns.outlier_scores
        self.guess_confidence = columns.guess_confidence
        self.flagged = columns.flagged
        if columns.judged is None:
            labels, statuses = self.labels.copy(), self.statuses.copy()
        else:
            labels, statuses = columns.judged
        put_back(labels, statuses, edits)
        self._judged = (self.flagged.copy(), labels, statuses)
        looked_at = [e[0] for e in edits if e[3]]
        if looked_at:  # a person looked at these since: their flags go (as apply_columns')
            touched = np.unique(np.concatenate(looked_at))
            self.flagged[touched] &= (self.labels[touched] == labels[touched]) & (
                self.statuses[touched] == statuses[touched]
            )
        if insights.has_model:
            self.expected_errors = int(insights.expected_errors)
            self.pixel_share = float(insights.pixel_share)
            self.expected_wrong = columns.expected_wrong
        for positions in forgotten:  # (their files changed while the values were joined)
            self._forget(positions)
        return True

    def follow_class_names(
        self, renamed: Sequence[tuple[str, str]], merged: Sequence[tuple[str, str]] = ()
    ) -> None:
        """Classes renamed (old, new) or merged (source, into) since the model's values
        came: they name the classes as now, before the relabeled rows are re-read, so a
        rename keeps every flag (a label judged ``old`` and now ``new`` is as judged) and
        a merge drops only the flags of images whose label the model now agrees with
        (one labeled ``source`` it took for ``into``, or the other way round)."""
        names = dict([*renamed, *merged])
        if not names:
            return
        self.generation += 1

        def named_now(values: np.ndarray) -> np.ndarray:
            out = values.copy()
            for old, new in names.items():
                out[values == old] = new
            return out

        join = self._pending
        if join is not None:  # values begun before name the classes as before: begun
            join.stale = True  # again, the edits noted kept under the names as now
            join.insights = join.insights.with_names(names)
            join.edits = [(p, named_now(old), s, person) for p, old, s, person in join.edits]
            # the labels of the renamed classes, as they are and will be re-read
            held = np.flatnonzero(pd.Series(self.labels).isin(list(names)).to_numpy())
            join.edits.append((held, named_now(self.labels[held]), self.statuses[held], False))

        before = (self.predicted, self._judged[1] if self._judged is not None else None)
        self.predicted = named_now(self.predicted)
        self.suggested = named_now(self.suggested)
        self.guess = named_now(self.guess)
        self._guess_codes = None
        if self.insights is not None:
            self.insights = self.insights.with_names(names)
        if self._judged is None:
            return
        flags, labels, statuses = self._judged
        labels = named_now(labels)
        if merged:
            sources = [source for source, _ in merged]
            touched = (
                pd.Series(before[0]).isin(sources).to_numpy()
                | pd.Series(before[1]).isin(sources).to_numpy()
            )
            agrees = touched & (self.predicted == labels)
            flags = flags & ~agrees
            self.flagged &= ~agrees  # (those not relabeled are not re-read)
        self._judged = (flags, labels, statuses)
