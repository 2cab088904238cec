"""What an export's summary says beside its counts, in words, the same in the command
line's output and the app's export dialog: what was left out, a version's images that
are gone, statuses a format could not write, images without a split written among a
split's, GIFs written as PNG, and what a copy of an earlier version should drop."""

from __future__ import annotations

from typing import TYPE_CHECKING

from labeldesk.core.display import counted

if TYPE_CHECKING:
    from .writing import ExportReport


def statuses_not_written(count: int, fmt: str, shown: str | None = None) -> str:
    """What to tell a person whose export dropped review statuses (``shown``: the
    format's name as the reader knows it, ``fmt`` by default)."""
    where = (
        "a Hugging Face export whose class folders are the labels has no place for it (with "
        "unlabeled images included it writes metadata, which keeps it)"
        if fmt == "hf"
        else f"the {shown or fmt} format has no place for it"
    )
    return (
        f"{counted(count, 'verified or excluded image')} {'was' if count == 1 else 'were'} "
        "written without their status: "
        f"{where}; CSV, Parquet, WebDataset and Label Studio exports keep it"
    )


def left_out_text(report: ExportReport) -> str:
    """What the export left out, each reason with its count: the images the options
    left out, then those that could not be written (``failed``) and a version's images
    that are gone (``missing``): "3 unlabeled, 1 failed", or "nothing"."""
    parts = [f"{n:,} {why}" for why, n in report.left_out.items() if n]
    if report.failed:
        parts.append(f"{len(report.failed):,} failed")
    if report.missing:
        parts.append(f"{len(report.missing):,} missing")
    return ", ".join(parts) or "nothing"


def missing_text(report: ExportReport) -> str:
    """What to tell a person whose version export has images that are gone ("" when
    none), with the first of them."""
    if not report.missing:
        return ""
    n, first = len(report.missing), report.missing[0]
    gone = "is gone and was" if n == 1 else "are gone and were"
    return (
        f"{counted(n, 'image')} of the version {gone} not written, "
        f"e.g. {first['path']} ({first['reason']})"
    )


def no_split_text(report: ExportReport) -> str:
    """What to tell a person whose export wrote images without a split among a split's
    images ("" when none): where they went, and that LabelDesk reads them back as they
    were."""
    parts = [
        f"{counted(n, 'image')} without a split went into {split}/"
        for split, n in report.no_split_in().items()
    ]
    if not parts:
        return ""
    return (
        f"{', '.join(parts)} (datasets loads only what is in a split's folder); the manifest "
        "lists them, so importing the export does not give them one"
    )


def gif_text(report: ExportReport) -> str:
    """What to tell a person whose ImageFolder export wrote GIFs as PNG ("" when none)."""
    n = len(report.gif_as_png)
    if not n:
        return ""
    return (
        f"{counted(n, 'GIF image')} written as PNG (the first frame; torchvision's ImageFolder "
        "reads no .gif); the manifest lists them (gif_as_png), so importing the export finds "
        "the originals"
    )


def gone_since_text(report: ExportReport) -> str:
    """What to tell a person whose --since export has images to drop ("" when none)."""
    if not report.gone_since:
        return ""
    return (
        f"{counted(len(report.gone_since), 'image')} of version {report.since} changed or are no "
        "longer in the dataset: the manifest lists them (gone_since) for a copy of that "
        "version to drop before it takes this export's files"
    )
