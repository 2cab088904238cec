"""What an export's summary says beside its counts, in words, the same in the command
line's output and the app's export dialog: what was left out, a version's images that
are gone, statuses a format could not write, images without a split written among a
split's, GIFs written as PNG, what a copy of an earlier version should drop, and val/test
images with a copy in train (leakage)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from labeldesk.core.display import counted, shown_path

from .export_leaks import COPY_MAKES, NOT_EMBEDDED, SEARCH_MAKES

if TYPE_CHECKING:
    from .writing import ExportReport


def split_counts(counts: Iterable[tuple[str, int]]) -> str:
    """ "test 900, train 3,678": each split with its count, in the order given, thousands
    with a comma as every command's text writes counts (the command line's export summary
    read "train 3678")."""
    return ", ".join(f"{split} {n:,}" for split, n in counts)


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
        f"{counted(count, 'verified or excluded image')} "
        f"{'was written without its' if count == 1 else 'were written without their'} status: "
        f"{where}; CSV, Parquet, FiftyOne, WebDataset and Label Studio exports keep it"
    )


# A reason's words in the summary where its key (kept in --json) reads otherwise
_REASON_WORDS = {"class map": "dropped by the class map"}


def left_out_text(report: ExportReport) -> str:
    """What the export left out, each reason with its count: the images the options
    left out, then those that could not be written (``failed``) and a version's images
    that are gone (``missing``): "3 unlabeled, 1 failed", or "nothing"."""
    parts = [f"{n:,} {_REASON_WORDS.get(why, why)}" for why, n in report.left_out.items() if n]
    if report.failed:
        parts.append(f"{len(report.failed):,} failed")
    if report.missing:
        parts.append(f"{len(report.missing):,} missing")
    return ", ".join(parts) or "nothing"


def flags_text(report: ExportReport, option: str, issues: str) -> str:
    """Whose flags the option that leaves out likely mislabels (``option``, as the
    reader knows it) went by ("" without it): the model's now, which for a version judge
    the labels it gave its images (a version records no flags), and how many of its
    images, relabeled since, could not be judged and were kept. ``issues``: where the
    flagged images are listed."""
    if report.flags_not_judged is None:
        return ""
    n = report.left_out.get("flagged", 0)
    if report.version is None or report.version == "current":
        return f"{option} left out the {counted(n, 'image')} the model flags now ({issues})"
    v = report.version
    text = (
        f"{option} left out the {counted(n, 'image')} of version {v} the model flags now: "
        f"a version records no flags, so the model of today judged the labels {v} gave "
        f"them (exporting {v} again after labels change or a model is trained can leave out "
        "others)"
    )
    kept = report.flags_not_judged
    if kept:
        text += (
            f"; {counted(kept, 'image')} relabeled since {v} "
            f"{'was' if kept == 1 else 'were'} kept, not judged"
        )
    return text


MISSING_NAMED = 3  # images of a version not written that the summary names


def missing_text(report: ExportReport) -> str:
    """What to tell a person whose version export has images it could not write as they
    were ("" when none): their file gone or holding other bytes now (never today's bytes
    written in their place), the first few named with why, and where the rest are."""
    if not report.missing:
        return ""
    n = len(report.missing)
    named = report.missing[:MISSING_NAMED]
    shown = ", ".join(f"{shown_path(str(m['path']))} ({m['reason']})" for m in named)
    more = f", and {n - MISSING_NAMED:,} more" if n > MISSING_NAMED else ""
    one = n == 1
    return (
        f"{counted(n, 'image')} of the version {'was' if one else 'were'} not written, as "
        f"{'its file is' if one else 'their files are'} gone or changed since "
        f"(labeldesk-export.json lists {'it' if one else 'them'} under missing): {shown}{more}"
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


def leakage_text(
    report: ExportReport, *, see: str, search: str, in_copy: str = "", embed: str = ""
) -> str:
    """What to tell a person about the export's val/test images that have a copy in its
    train split ("" when it wrote no val or test image), and what was checked. ``see``:
    where the copies are shown ("`labeldesk duplicates P` lists them"); ``search``: how
    near duplicates get checked next time, where a duplicate search is what they lack
    ("`labeldesk duplicates P` makes one"); ``in_copy``: the same for a read-only
    project, which keeps no search ("copy the project folder somewhere writable, …");
    ``embed``: the same where images have no embeddings ("use Tools → Compute
    embeddings …"; without it, the sentence said why and not what to do)."""
    leakage = report.leakage
    if not leakage or not leakage["held_out"]:
        return ""
    near, why = leakage["near"], leakage["near_not_checked"]
    if near is not None:
        checked = "checked: exact copies and near duplicates"
        unembedded = leakage.get("not_embedded") or 0
        if unembedded:  # near copies among them not looked for
            written = counted(unembedded, "written image")
            checked = f"checked: exact copies, and near duplicates except for {written} without "
            checked += f"embeddings ({embed})" if embed else "embeddings"
    else:
        checked = f"checked: exact copies only, not near duplicates ({why}"
        remedy = search if why in SEARCH_MAKES else in_copy if why in COPY_MAKES else ""
        remedy = embed if why == NOT_EMBEDDED else remedy
        checked += f": {remedy})" if remedy else ")"
    n, held = leakage["images"], leakage["held_out"]
    if not n:
        return f"leakage: no val/test image ({held:,} written) has a copy in train; {checked}"
    splits = ", ".join(f"{s} {c:,}" for s, c in leakage["per_split"].items())
    kinds = [counted(leakage["exact"], "exact copy", "exact copies")] if leakage["exact"] else []
    if near:
        kinds.append(counted(near, "near duplicate"))
    return (
        f"leakage: {n:,} of the {counted(held, 'val/test image')} ({splits}) "
        f"{'has' if n == 1 else 'have'} a copy in train ({', '.join(kinds)}): a model trained "
        f"on this export would be tested on {'a picture' if n == 1 else 'pictures'} it "
        f"trained on; {see}; {checked}"
    )
