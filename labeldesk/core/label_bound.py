"""``verified`` on a row that gives no label: it holds only for the label it names.

A Label Studio task without an annotation (none made, or all deleted or cancelled) gives
no label: the image keeps the one it has (``LabelRow.keep_label``). Its ``data`` still
holds what LabelDesk's export wrote, ``status`` ``verified`` and ``verified_label``, the
label a person checked. The image may have another label by the time the file is
imported (relabeled in LabelDesk since the export, or another project's image of the
same name), and the task decided nothing of that label: the ``verified`` applies only
where the image's label, when the rows are applied, is the one named (in any Unicode
form, as :func:`.label_status.verified_for_its_label` compares a row's own label, or its
class renamed since); elsewhere the image keeps its status, and the import says how many
rows that was.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .classes import nfc
from .vocab import VERIFIED

if TYPE_CHECKING:
    from .label_rows import LabelRow
    from .project import Project

STALE = "gives no label and says verified for a label"


class BoundStatuses:
    """The rows of one apply whose ``verified`` is bound to a label, by image path."""

    def __init__(self, project: Project) -> None:
        self.project = project
        # path -> (the label verified, the label the row gives, or None: it keeps it)
        self.given: dict[str, tuple[str, str | None, bool]] = {}
        self.stale = 0  # rows whose "verified" was dropped

    def see(self, path: str, row: LabelRow) -> None:
        if row.status == VERIFIED and row.verified_label is not None:
            self.given[path] = (row.verified_label, row.label, row.keep_label)

    def drop_stale(self, statuses: dict[str, str | None]) -> None:
        """Take out of ``statuses`` each image's ``verified`` bound to another label
        than the image will have."""
        self.stale = 0
        if not self.given:
            return
        kept = [path for path, (_, _, keep) in self.given.items() if keep]
        now = self._labels(kept)
        aliases = {nfc(old): nfc(new) for old, new in self.project.class_aliases().items() if new}
        for path, (bound, label, keep) in self.given.items():
            name = nfc(bound)
            final = nfc((now.get(path) if keep else label) or "")
            if final and final in (name, aliases.get(name)):
                continue
            statuses.pop(path, None)
            self.stale += 1

    def _labels(self, paths: list[str]) -> dict[str, str | None]:
        """The labels the images of ``paths`` (stored paths) have now."""
        if not paths:
            return {}
        ids = self.project.ids_for(paths)
        by_id = {s.image_id: s.label for s in self.project.image_states(ids.values())}
        return {path: by_id.get(i) for path, i in ids.items()}

    def noted(self, note: str) -> str:
        """``note`` (a file's status note) with what was dropped said (once: an apply
        after a dry run says it anew)."""
        parts = [part for part in note.split("; ") if part and STALE not in part]
        if self.stale:
            rows = "1 row" if self.stale == 1 else f"{self.stale:,} rows"
            parts.append(
                f"{rows} {STALE} its image no longer has (a Label Studio task without an "
                "annotation: it decided nothing of the image's label now): "
                "that image keeps its status"
                if self.stale == 1
                else f"{rows} each {STALE} its image no longer has (Label Studio tasks "
                "without an annotation: they decided nothing of the images' labels now): "
                "those images keep their status"
            )
        return "; ".join(parts)
