"""What ``labeldesk version P verify NAME OUT`` found (:class:`ExportCheck`: how an export
folder differs from a version, empty lists where nothing does) and how it reads, as text
and as JSON. The check itself is :func:`.export_check.check_export`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from labeldesk.core.display import counted, shown_path
from labeldesk.core.versions import CURRENT

from .export_labels import difference_line

FLAGGED = "flagged"  # the manifest counts these (left_out) but does not name them
VERIFY_CANCELLED = "verify cancelled: nothing was checked"  # (stopped while reading it)


@dataclass
class ExportCheck:
    """What differs between an export folder and a version; empty lists: nothing."""

    version: str
    out: str
    images: int = 0  # images the export holds
    # how the state the manifest records differs from the version (sentences)
    state: list[str] = field(default_factory=list)
    # what the manifest says of the export that its own files contradict: the format,
    # the options that chose its images (sentences; export_manifest_check)
    manifest: list[str] = field(default_factory=list)
    files: list[dict[str, str]] = field(default_factory=list)  # path, why
    # the version's images (as the recorded options choose them) not in the export:
    # path, hash, label, split as the version has them; listed: why the export said it
    # left it out ("missing", "failed", "flagged"), or None: it did not say; and, for an
    # export of the labels of its day where it did not say, since_export: its file is
    # newer than the export's manifest (added or changed since: it could not be in it)
    not_exported: list[dict[str, Any]] = field(default_factory=list)
    # path, hash; and where the picture is the version's but the recorded options leave
    # it out: version_path, left_out_by (export_manifest_check.left_out_by_options)
    not_in_version: list[dict[str, str]] = field(default_factory=list)
    # labels, splits and statuses the export's own files give its pictures that are not
    # the version's (export_labels.label_differences)
    labels: list[dict[str, Any]] = field(default_factory=list)
    # the options that chose the version's images for the export (`chosen_by`)
    options: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        """The export is the version as written, bar the images it said it left out."""
        unsaid = any(row["listed"] is None for row in self.not_exported)
        differs = self.state or self.manifest or self.files or self.not_in_version
        return not (differs or self.labels or unsaid)

    @property
    def state_name(self) -> str:
        return "the state now" if self.version == CURRENT else f"version {self.version}"

    @property
    def complete(self) -> bool:
        """Intact, and nothing of what its options chose left out: the images the model
        flagged when --exclude-flagged wrote it are chosen out by that option (as the
        README says; it exited 1 on an export checked right after it was written)."""
        return self.intact and all(row["listed"] == FLAGGED for row in self.not_exported)

    def left_out_words(self, listed: str = "", then: str = "") -> str:
        """The version's images an intact export left out, counted by why: its files were
        gone or changed, or the model flagged it (--exclude-flagged; every such image
        read "their files were gone or changed" before)."""
        flagged = sum(row["listed"] == FLAGGED for row in self.not_exported)
        parts = []
        if len(self.not_exported) > flagged:
            parts.append(
                f"{counted(len(self.not_exported) - flagged, 'image')} it left out{listed} "
                f"when it was written (their files were gone or changed{then})"
            )
        if flagged:
            parts.append(
                f"{counted(flagged, 'image')} it left out as flagged by the model then "
                "(--exclude-flagged)"
            )
        return " and ".join(parts)

    def to_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "out": self.out,
            "ok": self.complete,
            "intact": self.intact,
            "complete": self.complete,
            "images": self.images,
            "options": self.options,
            "state": self.state,
            "manifest": self.manifest,
            "files": self.files,
            "not_exported": self.not_exported,
            "not_in_version": self.not_in_version,
            "labels": self.labels,
            "notes": self.notes,
        }

    def to_text(self, limit: int = 10) -> str:
        where, state = shown_path(self.out), self.state_name
        chose = f", as {', '.join(self.options)} chose its images" if self.options else ""
        if self.complete:
            head = (
                f"{where} is {state}{chose}: its {counted(self.images, 'image')}, "
                "every file unchanged since it was exported"
            )
        elif self.intact:
            head = (
                f"{where} is {state}{chose} as exported, less "
                f"{self.left_out_words(listed=' and listed')}: not the whole version"
            )
        else:
            head = f"{where} is not {state} as exported:"
        lines = [head] + [f"  {s}" for s in self.state + self.manifest]
        now = self.version == CURRENT  # (an export of the labels of its day: no version)
        theirs = "the project now" if now else "the version"
        sections = (
            ("files changed in the export since it was written", self.files, _file_line),
            (
                "images in the project now that are not in the export"
                if now
                else "images of the version not in the export",
                self.not_exported,
                _image_line,
            ),
            (
                "images in the export that are not in the project now"
                if now
                else "images in the export that are not the version's",
                self.not_in_version,
                _extra,
            ),
            (
                "labels, splits or statuses in the export that differ from the project's now"
                if now
                else "labels, splits or statuses in the export that are not the version's",
                self.labels,
                lambda row: difference_line(row, theirs=theirs),
            ),
        )
        for title, rows, line in sections:
            if rows:
                lines.append(f"{title} ({len(rows):,}):")
                lines += [f"  {line(row)}" for row in rows[:limit]]
                if len(rows) > limit:
                    lines.append(f"  … and {len(rows) - limit:,} more (--json lists all)")
        return "\n".join(lines + self.notes)


def _file_line(row: dict[str, str]) -> str:
    return f"{shown_path(row['path'])}: {row['why']}"


def _image_line(row: dict[str, Any]) -> str:
    said = {None: "not listed by the export", "flagged": "left out as flagged"}
    listed = said.get(row["listed"], f"listed under {row['listed']} by the export")
    if row["listed"] is None and "since_export" in row:  # (an export of the project now)
        listed = (
            "added to the image folder or changed since the export was written"
            if row["since_export"]
            else "not in the export, which gives no reason"
        )
    return f"{shown_path(row['path'])} ({row['label'] or 'unlabeled'}, {listed})"


def _extra(row: dict[str, str]) -> str:
    if "left_out_by" in row:  # (the version's, but not as the recorded options choose)
        theirs = shown_path(row["version_path"])
        return (
            f"{shown_path(row['path'])} (the version's {theirs}, left out as {row['left_out_by']})"
        )
    return f"{shown_path(row['path'])} (content {row['hash']})"
