"""What a scan counts and what it compares: :class:`ScanCounts` (as ``new``/``scan``
report them), :class:`KnownRow` (an image row as the writer sees it) and which skip
reasons may pass without the file changing. Used by the scanner and its writer
(:mod:`labeldesk.core.scan_writer`, which names them too)."""

from __future__ import annotations

from dataclasses import dataclass, field

TRANSIENT_REASONS = ("permission denied", "vanished during scan", "could not be read", "folder not")
# OS errors that say nothing about the file itself (older versions recorded a full disk
# while writing a thumbnail as "corrupt image data"): such rows are tried again.
TRANSIENT_ERRORS = (
    "No space left on device",
    "Disk quota exceeded",
    "Input/output error",
    "Read-only file system",
    "Permission denied",
    "Too many open files",
    "Cannot allocate memory",
)


def transient_reason(reason: str | None) -> bool:
    """Failures that may go away without the file changing (e.g. permissions fixed)."""
    return reason is not None and (
        reason.startswith(TRANSIENT_REASONS) or any(e in reason for e in TRANSIENT_ERRORS)
    )


@dataclass
class ScanCounts:
    """What a scan did, as ``new``/``scan`` report it."""

    added: int = 0  # usable images (new files that cannot be used: added_skipped)
    removed: int = 0  # usable images gone (unusable files gone: removed_skipped)
    changed: int = 0
    moved: int = 0
    unchanged: int = 0  # usable images (unusable files found as they were: unchanged_skipped)
    cancelled: bool = False
    emptied: int = 0  # images indexed before in a folder found without any now
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)
    added_skipped: int = 0  # new files that cannot be used (listed with their reasons)
    removed_skipped: int = 0  # files that could not be used and are gone now
    unchanged_skipped: int = 0  # files that cannot be used, found as they were

    def count_unchanged(self, skipped: object) -> None:
        """One file found as it was: an image, or (``skipped``: its skip reason) a file
        that cannot be used, counted apart as ``added`` and ``removed`` count them."""
        if skipped:
            self.unchanged_skipped += 1
        else:
            self.unchanged += 1


@dataclass
class KnownRow:
    """An image row the database holds, as much of it as the writer compares."""

    id: int
    path: str
    size: int
    mtime_ns: int
    hash: str | None
    removed: bool
    folder_label: str | None
    label: str | None
    skip_reason: str | None
    split: str | None
