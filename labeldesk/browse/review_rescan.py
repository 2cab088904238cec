"""A review pass brought up to date with the folder and the class list: a rescan's moved
and removed images, a file replaced in place, a class renamed or merged
(:meth:`ReviewRescan.follow_scan`). Mixed into
:class:`~labeldesk.browse.review_session.ReviewSession`; Qt-free."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from labeldesk.core.image_lookup import ids_of, present

if TYPE_CHECKING:
    from labeldesk.browse.review_records import ReviewItem
    from labeldesk.core.project import Project


class ReviewRescan:
    """What a rescan or a class change does to a
    :class:`~labeldesk.browse.review_session.ReviewSession`."""

    if TYPE_CHECKING:  # the session's, as ReviewSession sets and defines them
        project: Project
        items: list[ReviewItem]
        index: int
        touched: set[str]
        gone: list[str]
        _gone: set[str]
        _ids: dict[str, int]
        _paths: dict[int, str]
        _decided: dict[int, str]
        _class_names: list[str] | None

        def _settle(self, start: int) -> None: ...

    def follow_scan(self) -> None:
        """Bring the pass up to date with the folder (after a scan): a moved image keeps
        its place under its new path; a removed one leaves the pass (undecided: counted
        as gone, not reviewed; decided: it stays reviewed). The image on screen stays if
        it is still there, else the next undecided one is shown."""
        unknown = [item.path for item in self.items if item.path not in self._ids]
        self._ids.update(ids_of(self.project, unknown) if unknown else {})
        now = present(self.project, [self._ids[i.path] for i in self.items if i.path in self._ids])
        renamed = self._class_renames()
        scored_as = self._class_renamed()  # the label a fit was scored for, named as now
        kept: list[ReviewItem] = []
        ids: dict[str, int] = {}
        start, shown_stays = len(self.items), False
        for n, item in enumerate(self.items):
            if n == self.index:
                start = len(kept)
            image_id = self._ids.get(item.path, -1)
            row = now.get(image_id)
            if row is None:
                if image_id not in self._decided and item.path not in self._gone:
                    self.gone.append(item.path)
                    self._gone.add(item.path)
                continue
            shown_stays = shown_stays or n == self.index
            label = row.label  # as it is now: changed in another window, or undone
            suggested = renamed(item.suggested)  # a class renamed or merged since
            scored = item.scored_label
            scored = scored_as.get(scored, scored) if scored is not None else None
            content, confidence = item.content or row.content, item.confidence
            if content != row.content:  # another picture under this id: not judged
                suggested, confidence = None, float("nan")
            if (row.path, label, suggested, content, scored) != (
                item.path,
                item.label,
                item.suggested,
                item.content,
                item.scored_label,
            ):
                if row.path != item.path and image_id in self._decided:
                    self.touched.add(row.path)  # the browser re-reads it where it is now
                item = replace(
                    item,
                    path=row.path,
                    label=label,
                    suggested=suggested,
                    confidence=confidence,
                    content=content,
                    scored_label=scored,
                )
            self._paths[image_id] = row.path
            ids[row.path] = image_id
            kept.append(item)
        self.items, self._ids = kept, ids
        self.index = start
        if not shown_stays:
            self._settle(start)

    def _class_renamed(self) -> dict[str, str]:
        """A class renamed since the last look (or a rename undone): {old: new}. The
        label a fit was scored for is the same class under its new name ("12% for shirt"
        named a class no longer there); a merged or removed class is not renamed (its
        images' label did change: the fit stays the old class's, named as it was)."""
        now = self.project.classes()
        before, self._class_names = self._class_names, now
        if before is None or before == now:
            return {}
        gone = [name for name in before if name not in now]
        new = [name for name in now if name not in before]
        if len(gone) != 1 or len(new) != 1:
            return {}
        # renamed: an alias to the new name; a rename undone leaves none (a merge sends
        # the old name to a class there before, not a new one)
        went_to = self.project.class_aliases().get(gone[0])
        return {gone[0]: new[0]} if went_to in (new[0], None) else {}

    def _class_renames(self) -> Callable[[str | None], str | None]:
        """A suggestion's class as it is called now: a class renamed or merged since the
        list was made goes to its new name (removed: no suggestion), so Enter takes it."""
        classes = set(self.project.classes())
        if all(item.suggested is None or item.suggested in classes for item in self.items):
            return lambda name: name
        aliases = self.project.class_aliases()

        def now(name: str | None) -> str | None:
            seen: set[str] = set()
            while name is not None and name not in classes and name not in seen:
                seen.add(name)
                name = aliases.get(name)
            return name if name in classes else None

        return now
