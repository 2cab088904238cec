"""Which images an export writes, with which label and split: the same for every format.

The state comes from now or from a dataset version (rebuilt from the label events,
:mod:`labeldesk.core.version_state`). Then, in this order, each step counting what it
leaves out in ``report.left_out``: unlabeled, excluded, unverified and flagged images;
the class map (rename, merge, drop); only what changed since a version; and, when asked,
new train/val/test splits that keep duplicate groups whole (:mod:`labeldesk.ml.splits`).
Images of a version whose file is gone are listed in ``report.missing``, never dropped
silently.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from labeldesk.core.classes import (
    NameIndex,
    natural_key,
    split_escaped,
    validate_class_name,
)
from labeldesk.core.display import quoted_names
from labeldesk.core.errors import LabelDeskError
from labeldesk.core.layout import UNLABELED_FOLDER
from labeldesk.core.progress import CancelToken
from labeldesk.core.version_state import (
    ImageAt,
    Recorded,
    current_ids,
    current_items,
    current_labels,
    differences,
    items_at,
    relabeled_since,
    renamed_label,
    states,
)
from labeldesk.core.versions import DatasetVersion, find_state, get_version
from labeldesk.core.vocab import EXCLUDED, VERIFIED

from .export_portable import fold
from .writing import ExportOptions, ExportReport, Item

if TYPE_CHECKING:
    from labeldesk.core.db import Database
    from labeldesk.core.project import Project

DROP = "-"  # in a class map: leave this class's images out


@dataclass
class Selection:
    items: list[Item]
    report: ExportReport
    classes: list[str]  # the export's classes, in order (class map and version applied)
    # the class map as applied: old names as the project spells them, None: dropped
    class_map: dict[str, str | None] = field(default_factory=dict)
    # the images of report.missing labeled without a split of their own (counted as
    # train): an export of the day wrote them so, listed under its no_split
    missing_split_implied: set[str] = field(default_factory=set)


def parse_class_map(text: str) -> tuple[tuple[str, str | None], ...]:
    """``"old=new,x=y,junk=-"`` as pairs (``None``: drop); a backslash makes the next
    comma or ``=`` part of a name (``bag\\, leather=bag``). Names are checked later,
    against the project's classes (:func:`select_items`)."""
    pairs: dict[str, str | None] = {}
    for part in (p for p in split_escaped(text, ",", keep_escapes=True) if p.strip()):
        old, *rest = split_escaped(part, "=")
        old, new = old.strip(), "=".join(rest).strip()
        if not rest or not old or not new:
            raise LabelDeskError(
                f"--class-map: {part.strip()!r} is not OLD=NEW (or OLD=- to leave a class out)"
            )
        target = None if new == DROP else new
        if old in pairs and pairs[old] != target:
            raise LabelDeskError(f"--class-map: {old!r} is mapped twice")
        pairs[old] = target
    if not pairs:
        raise LabelDeskError("--class-map is empty; write OLD=NEW pairs separated by commas")
    return tuple(pairs.items())


def select_items(
    project: Project,
    options: ExportOptions,
    *,
    cancel: CancelToken | None = None,
    class_folders: bool = False,
    model_columns: bool = False,
) -> Selection:
    """The images ``options`` ask for, and a report of what was left out and why.
    ``class_folders``: the format writes a folder per class, so classes that would be one
    folder on Windows or macOS are refused (:func:`refuse_folder_twins`);
    ``model_columns``: the format writes the model's judgement of each label, which a
    class map that merges classes changes (otherwise the model is asked only for
    ``--exclude-flagged``)."""
    db = project.db
    report = ExportReport(out="", format="")
    # An empty name (an unset variable in a script) is refused, not read as "the state
    # now"; ``current`` is the state now, as in `version diff`.
    version = None if options.version is None else find_state(db, options.version)
    if version is not None:
        report.version, report.label_event_id = version.name, version.label_event_id
        images = items_at(db, version)
        # The version's own class list, in its order (so its indices match a model trained
        # on it). A version recorded before LabelDesk kept that list (schema 10) has none:
        # it exports with today's classes, the way it always did. Either way a label of
        # the version that is not in the list still gets a class, after the others.
        classes = list(version.classes) if version.classes is not None else project.classes()
        classes += sorted({i.label for i in images if i.label} - set(classes), key=natural_key)
        # The model judges today's labels. Its flag and label quality apply to an image
        # of the version that nobody relabeled since (renames change a label's text, not
        # its class), or that is back in the version's class under that class's name now;
        # not to one no longer indexed (read from a copy of its bytes under another id).
        import numpy as np  # (here: the command line's help loads this module)

        relabeled, renamed = relabeled_since(db, version), renamed_label(db, version)
        indexed, today = current_labels(db, relabeled)
        gone = ~np.isin(np.fromiter((r.image_id for r in images), np.int64, len(images)), indexed)
        gone_ids = {r.image_id for r, g in zip(images, gone.tolist(), strict=True) if g}
        # (relabeled since: counted where --exclude-flagged keeps them unjudged)
        relabeled_kept = {
            r.image_id
            for r in images
            if r.image_id in relabeled
            and r.image_id not in gone_ids
            and today[r.image_id] != renamed(r.label)
        }
        unjudged = gone_ids | relabeled_kept
        del gone, gone_ids
    else:
        relabeled_kept = set()
        classes = project.classes()
        report.label_event_id, images = current_items(db)
        unjudged = set()

    def keep(rows: list[ImageAt], ok: Callable[[ImageAt], object], why: str) -> list[ImageAt]:
        kept = [r for r in rows if ok(r)]
        report.left_out[why] = report.left_out.get(why, 0) + len(rows) - len(kept)
        return kept

    images = keep(images, lambda r: r.label is not None or options.include_unlabeled, "unlabeled")
    if not options.include_excluded:
        images = keep(images, lambda r: r.status != EXCLUDED, EXCLUDED)
    if not options.include_unverified:
        images = keep(images, lambda r: r.status == VERIFIED, "unverified")
    mapping = _checked_map(options.class_map, classes)
    merges = _merges(classes, mapping)
    if not options.include_flagged or (merges and model_columns):
        from labeldesk.ml.errors import NoEmbeddings
        from labeldesk.ml.issues import label_issues

        # by image id: a version's image read from another image's file is not that one
        # (now: the images still kept are all that is looked up)
        id_of = current_ids(db) if version is not None else {r.path: r.image_id for r in images}
        try:
            issues = label_issues(project, include_all=merges)
        except NoEmbeddings:
            if not options.include_flagged:  # nothing to tell the flagged by
                raise
            issues = []  # a merge alone: nothing judged, nothing to take back
        flagged = {id_of.get(i.path) for i in issues if i.flagged}
        # "ant, should be bee" says nothing in an export where ant and bee are one class:
        # such a label is not judged there (not flagged, no label quality, not left out)
        label_of = {r.image_id: r.label for r in images}
        unjudged = unjudged | {
            image_id
            for i in issues
            if i.suggested is not None
            and i.suggested != i.label
            and (image_id := id_of.get(i.path)) is not None
            and _same_class(label_of.get(image_id), i.suggested, mapping)
        }
    if not options.include_flagged:
        report.flags_not_judged = sum(r.image_id in relabeled_kept for r in images)
        images = keep(
            images, lambda r: r.image_id not in flagged or r.image_id in unjudged, "flagged"
        )
    if mapping:
        images = keep(
            images, lambda r: r.label is None or mapping.get(r.label, r.label), "class map"
        )
        classes = _mapped_classes(classes, mapping)
    if options.since is not None:
        since = get_version(db, options.since)
        report.since = since.name
        changed, report.gone_since = changes_since(db, since, version)
        images = keep(images, lambda r: r.image_id in changed, f"unchanged since {since.name}")
    # with what the version had (its bytes' hash, label and split): what a person with a
    # backup of the folder needs to find the file and put it where the export would have
    report.missing = [
        {"path": r.path, "reason": str(r.missing), "hash": r.hash, "label": r.label,
         "split": r.split, "status": r.status}
        for r in images
        if r.missing
    ]  # fmt: skip
    missing_implied = {r.path for r in images if r.missing and r.split_implied}
    images = [r for r in images if not r.missing]
    made = None
    if options.make_splits is not None:
        made = _made_splits(project, images, mapping, options, report, cancel)
    # Named as the state names them (a version's image moved since keeps its name then,
    # read from where it is now), in that order: the same export as at the time. Each
    # image's state is let go as its item is made (a million of each is not held).
    items: list[Item] = []
    images.reverse()
    while images:
        r = images.pop()
        if made is not None:
            report.made_split_of[r.name_then] = made[r.image_id] or "unassigned"
        items.append(
            Item(
                r.name_then,
                mapping.get(r.label, r.label) if r.label is not None else None,
                (made[r.image_id] if made is not None else r.split) or "unassigned",
                r.image_id,
                r.hash,
                None if r.name_then == r.path else r.path,
                r.indexed_stat,
                r.image_id not in unjudged,
                r.status,
                # (splits made for the export are its own)
                split_implied=r.split_implied and made is None,
            )
        )
    items.sort(key=lambda item: item.path)
    items = _safe_labels(items, report)
    if class_folders:
        refuse_folder_twins(items, classes)
    return Selection(items, report, classes, mapping, missing_implied)


def refuse_folder_twins(items: list[Item], classes: list[str]) -> None:
    """Refuse labels that would be one folder on Windows or macOS, or the folder of
    unlabeled images there (``cat`` and ``cat.``, ``dog`` and ``Dog``, ``_Unlabeled.``):
    copied there, the export would mix their images. Linux keeps such folders apart, so
    the project may hold them (a scan reads what the folders are); ``--class-map`` names
    them apart for the export."""
    used = {item.label for item in items if item.label is not None}
    ordered = [c for c in classes if c in used] + sorted(used - set(classes), key=natural_key)
    seen = {fold(UNLABELED_FOLDER): UNLABELED_FOLDER}
    twins: list[str] = []
    for label in ordered:
        first = seen.setdefault(fold(label), label)
        if first != label:
            twins.append(f"{first!r} and {label!r}")
    if twins:
        raise LabelDeskError(
            f"the classes {'; '.join(twins)} would be one folder on Windows or macOS "
            "(they ignore case and the Unicode form; Windows drops trailing dots and "
            "spaces): give one another name for the export with --class-map "
            "(OLD=NEW), or rename it in the project"
        )


def changes_since(
    db: Database, since: DatasetVersion, version: DatasetVersion | None
) -> tuple[set[int], list[dict[str, str]]]:
    """The images of ``version`` (None: now) that are new or whose path, label, split,
    status or content differ from ``since``, and what a copy of ``since`` should drop,
    when it holds them: its images that are no longer in the dataset, and every one that
    changed since. A changed image this export writes is written as it is now, maybe
    elsewhere (a relabeled image's class folder): the copy drops its old file and takes
    the new one; one it leaves out (excluded since, say) is only dropped. By the earlier
    version's path, with the content hash; in path order. Both states are read side by
    side in image id order: only what differs is held."""
    changed: set[int] = set()
    gone: list[dict[str, str]] = []
    with db.snapshot() as conn:
        for i, old, new in differences(states(conn, since), states(conn, version)):
            if new is not None:
                changed.add(i)
            if old is not None:
                why = "no longer in the dataset" if new is None else _why_gone(old, new)
                gone.append({"path": old.path, "hash": old.hash, "why": why})
    return changed, sorted(gone, key=lambda g: g["path"])


def _why_gone(before: Recorded, after: Recorded) -> str:
    """Why a copy of the earlier version drops an image it holds that is still in the
    dataset: moved alone (written under its new name), or changed."""
    return "moved since" if before[1:] == after[1:] else "changed since"


def _safe_labels(items: list[Item], report: ExportReport) -> list[Item]:
    """The items whose label is safe as a folder name; the others (a label such as
    ``../x`` that only a tampered project holds: it would write outside the export) are
    listed in ``report.failed`` and not written. Only the path rules count here: a class
    an older LabelDesk allowed (``+bee``, ``aux``) exports as it always did."""
    kept = []
    for item in items:
        if item.label is None or not _unsafe_as_folder(item.label):
            kept.append(item)
        else:
            reason = f"its label {item.label!r} cannot be a folder name in an export"
            report.failed.append({"path": item.path, "reason": reason})
    return kept


def _unsafe_as_folder(label: str) -> bool:
    """Empty, ``.``/``..``, a path separator or a control character: a folder named so
    would land elsewhere (or nowhere)."""
    name = label.strip()
    return (
        name in ("", ".", "..")
        or "/" in label
        or "\\" in label
        or any(ord(c) < 32 or ord(c) == 127 for c in label)
    )


def _checked_map(
    class_map: tuple[tuple[str, str | None], ...] | Mapping[str, str | None], classes: list[str]
) -> dict[str, str | None]:
    """The class map as a dict, every old name a class (as the project spells it: a name
    typed in another Unicode form finds it) and every new name valid."""
    mapping = dict(class_map.items() if isinstance(class_map, Mapping) else class_map)
    index = NameIndex(classes)
    stored = {old: index.find(old) for old in mapping}
    unknown = sorted((old for old, name in stored.items() if name is None), key=natural_key)
    if unknown:
        raise LabelDeskError(
            f"class map: no class named {quoted_names(unknown)} "
            f"(classes: {quoted_names(classes) or 'none'})"
        )
    return {
        str(stored[old]): validate_class_name(new) if new else None for old, new in mapping.items()
    }


def _merges(classes: list[str], mapping: dict[str, str | None]) -> bool:
    """Does the map make two of ``classes`` one class in the export?"""
    kept = [t for t in (mapping.get(name, name) for name in classes) if t is not None]
    return len(set(kept)) < len(kept)


def _same_class(label: str | None, other: str, mapping: dict[str, str | None]) -> bool:
    """Are ``label`` and ``other`` one class in the export (not one it drops)?"""
    if label is None:
        return False
    mapped = mapping.get(label, label)
    return mapped is not None and mapped == mapping.get(other, other)


def _mapped_classes(classes: list[str], mapping: dict[str, str | None]) -> list[str]:
    """The class list after the map: renamed in place, merged into the first, dropped."""
    out: list[str] = []
    for name in classes:
        target = mapping.get(name, name)
        if target is not None and target not in out:
            out.append(target)
    return out


def _made_splits(
    project: Project,
    images: list[ImageAt],
    mapping: dict[str, str | None],
    options: ExportOptions,
    report: ExportReport,
    cancel: CancelToken | None,
) -> dict[int, str | None]:
    from labeldesk.ml.splits import make_splits, parse_ratios

    given = options.make_splits
    # The notebook API may pass the command line's text ("80/10/10").
    ratios = parse_ratios(given) if isinstance(given, str) else given
    assert ratios is not None
    labels = {r.image_id: mapping.get(r.label, r.label) if r.label else None for r in images}
    made = make_splits(
        project, labels, (ratios[0], ratios[1], ratios[2]), options.seed, cancel=cancel
    )
    report.made_splits = made.to_json()
    return dict(made.splits)
