"""Is an export folder a dataset version, untouched? (``labeldesk version P verify NAME OUT``)

An export's manifest records the label state it was written from, the options that chose
its images, each image's content hash as indexed (the export checked the bytes it copied
against it) and every file's SHA-256. Checked against a version, that proves three things:
the folder holds exactly the files the export wrote, unchanged since (so its class folders
and label files are as written); it was written from that version; and the images of the
version that the recorded options choose are all in it by their content (and nothing
else is), or were listed as left out (``missing``, ``failed``) when it was written.
The manifest is a file of the export like any other, so what the export says of each
picture is read from the export itself: each image file's bytes are hashed, and the
labels and splits are read back by each format's reader (:mod:`.export_labels`) and
compared with the version's. The manifest is trusted for the options that chose the
images and for the images it says it left out.

The parts: what it found and how that reads (:mod:`.export_check_result`), the files
against the manifest (:mod:`.export_files_check`), and the labels read back
(:mod:`.export_labels_check`).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from labeldesk.core.errors import Cancelled
from labeldesk.core.progress import CancelToken, ProgressCallback, no_progress
from labeldesk.core.versions import CURRENT

from .export_check_result import FLAGGED, VERIFY_CANCELLED, ExportCheck
from .export_columns import column_problems, metadata_column_problems
from .export_files_check import GONE, check_files
from .export_hash_column import hash_column_problems
from .export_labels import Row
from .export_labels_check import check_labels
from .export_manifest_check import (
    check_hf_metadata,
    check_written_as,
    class_lists,
    files_not_written,
    left_out_by_options,
    left_out_notes,
)
from .export_manifest_read import (  # (the errors check_export raises: named from here too)
    DamagedManifest as DamagedManifest,
)
from .export_manifest_read import (
    NotAnExport as NotAnExport,
)
from .export_manifest_read import (
    class_map,
    known_since,
    manifest_rows,
    newer_than_export,
    read_manifest,
)
from .export_renamed import default_path
from .export_shards import ShardsRead, read_export_shards
from .export_splits_check import check_made_splits, made_split_of
from .selection import select_items
from .writing import UNASSIGNED, ExportOptions

if TYPE_CHECKING:
    from labeldesk.core.project import Project


def check_export(
    project: Project,
    version: str,
    folder: Path,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> ExportCheck:
    """How the export in ``folder`` differs from ``version`` (a version's name or
    ``model:N``) of ``project``; every file of the export is read."""
    manifest = read_manifest(folder)
    recorded = manifest.get("options") if isinstance(manifest.get("options"), dict) else {}
    assert isinstance(recorded, dict)
    options = ExportOptions(
        include_excluded=bool(recorded.get("include_excluded", False)),
        include_unlabeled=bool(recorded.get("include_unlabeled", False)),
        include_unverified=bool(recorded.get("include_unverified", True)),
        class_map=class_map(folder, recorded.get("class_map")),
        version=version,
        since=recorded.get("since"),
    )  # (flags are the model's of the day, not the version's: counted, see below)
    if options.since is not None:
        known_since(project, folder, options.since)
    chosen = select_items(project, options)
    found = ExportCheck(chosen.report.version or CURRENT, str(folder))
    found.options = chosen_by(recorded)
    _check_state(found, manifest, chosen.report.label_event_id, chosen.classes)
    token = cancel or CancelToken()
    shards = _shards(manifest, folder, progress, token)
    its_format = check_written_as(found.manifest, manifest, folder)
    if its_format:
        failed = {str(row.get("path")) for row in manifest_rows(manifest, "failed")}
        written = (item for item in chosen.items if item.path not in failed)
        check_hf_metadata(found.manifest, manifest, folder, written)
    exported = _image_hashes(manifest, shards)
    known = shards.files if shards is not None else {}
    check_files(found, manifest, folder, exported or {}, progress, token, known)
    found.files += shards.problems if shards is not None else []
    if exported is not None:  # (an older manifest without image hashes: not said)
        found.files += files_not_written(manifest, exported.keys())
    found.files += class_lists(manifest, folder)
    if its_format:  # (CSV, Parquet: a column the labels read back do not use)
        found.files += hash_column_problems(folder, manifest)
        found.files += column_problems(folder, manifest)
        found.files += metadata_column_problems(folder, manifest)
    if exported is None:
        found.notes.append("the export records no content hash of its images: not checked")
        return found
    found.images = len(exported)
    left = Counter(exported.values())
    said = {
        m.get("path"): kind for kind in ("missing", "failed") for m in manifest_rows(manifest, kind)
    }
    expected: list[Row] = [
        (i.path, i.hash or "", i.label, None if i.split == UNASSIGNED else i.split, i.status)
        for i in chosen.items
    ]
    # (its images gone since: as the export wrote them, their label through its class map)
    mapped = chosen.class_map
    expected += [
        (str(m["path"]), str(m["hash"]), mapped.get(m["label"], m["label"]) if m["label"]
         else m["label"], m["split"], m.get("status"))
        for m in chosen.report.missing
    ]  # fmt: skip
    counted_out = manifest.get("left_out", {}).get(FLAGGED)
    flagged = counted_out if isinstance(counted_out, int) else 0
    held: list[Row] = []  # the version's images the export holds, labeled or not
    pictures: set[str] = set()  # and the content of every one
    # labeled images without a split, written as train: read back without one where the
    # manifest lists them (no_split; an older export's did not, and they read as train)
    # (and the version's images gone since, as the export of the day wrote them)
    implied = {i.path for i in chosen.items if i.split_implied and "no_split" in manifest}
    if "no_split" in manifest:
        implied |= chosen.missing_split_implied
    kept = _kept_by_name(manifest, exported, expected, left)
    for path, content, label, split, status in sorted(expected, key=lambda r: r[:2]):
        if path in kept or left[content] > 0:
            left[content] -= path not in kept  # (a kept one's was taken already)
            pictures.add(content)
            held.append((path, content, label, None if path in implied else split, status))
            continue
        listed = said.get(path)
        if listed is None and flagged:
            listed, flagged = FLAGGED, flagged - 1
        row = {"path": path, "hash": content, "label": label, "split": split, "listed": listed}
        found.not_exported.append(row)
    if found.version == CURRENT:  # (the project now: what it gained since, said so)
        unsaid = [r for r in found.not_exported if r["listed"] is None]
        newer = newer_than_export(project, folder, [r["path"] for r in unsaid]) if unsaid else set()
        for entry in unsaid:
            entry["since_export"] = entry["path"] in newer
    for path, content in sorted(exported.items()):
        if left[content] > 0:
            left[content] -= 1
            found.not_in_version.append({"path": path, "hash": content})
    if found.not_in_version:
        left_out_by_options(project, options, chosen, found.not_in_version, found.manifest)
    made = recorded.get("make_splits") is not None
    split_of = made_split_of(manifest) if made else None
    if split_of is not None:  # (its splits are its own: checked against those recorded)
        failed = {str(row.get("path")) for row in manifest_rows(manifest, "failed")}
        chosen_labels = [(i.path, i.label) for i in chosen.items]
        check_made_splits(found.manifest, manifest, split_of, chosen_labels, failed)
        held = [(p, c, label, split_of.get(p), status) for p, c, label, _, status in held]
        found.notes.append(
            "its splits were made for it (--make-splits): they are checked against the "
            "split its manifest records for each image; that these are the splits "
            "--make-splits made is taken on trust (they hang on the duplicates found "
            "that day, so they are not made again)"
        )
    # (a file gone from the export is named so above: not as one it gives no label)
    gone = {row["path"] for row in found.files if row["why"] == GONE}
    pictures_held = {f: c for f, c in exported.items() if c in pictures and f not in gone}
    if its_format:
        check_labels(found, manifest, folder, held, pictures_held,
                     splits=not made or split_of is not None,
                     shards=shards, progress=progress, cancel=token)  # fmt: skip
    else:  # (read as another format, every row would be a difference)
        found.notes.append(
            "its labels, splits and statuses are not read back: its files are not the "
            "format its manifest names"
        )
    if not recorded.get("include_flagged", True):
        found.notes.append(
            "the export left out the images the model flagged then (--exclude-flagged); "
            "it counts them but does not name them, so they are taken to be among those "
            "not in the export"
        )
    if shards is not None and shards.cut_short and found.not_exported:
        names = ", ".join(sorted(shards.cut_short))
        found.notes.append(
            f"the images of the version not found in it may be among the samples of "
            f"{names} that could not be read (above)"
        )
    missing_now = {str(m["path"]) for m in chosen.report.missing}
    found.notes += left_out_notes(found.not_exported, missing_now)
    return found


def recorded_version(folder: Path) -> str | None:
    """The version the export in ``folder`` says it was written from (None: the labels
    of its day); :class:`NotAnExport` where the folder holds no export to check."""
    said = read_manifest(folder).get("version")
    return said if isinstance(said, str) and said else None


def chosen_by(recorded: dict[str, Any]) -> list[str]:
    """The options (as `labeldesk export` spells them) the export chose the version's
    images and splits with, beyond the defaults."""
    said = [flag for key, flag, default in (
        ("include_unlabeled", "--include-unlabeled", False),
        ("include_excluded", "--include-excluded", False),
        ("include_flagged", "--exclude-flagged", True),
        ("include_unverified", "--exclude-unverified", True),
    ) if bool(recorded.get(key, default)) != default]  # fmt: skip
    if recorded.get("class_map"):
        pairs = ",".join(f"{old}={new or '-'}" for old, new in recorded["class_map"])
        said.append(f"--class-map {pairs}")
    if recorded.get("since") is not None:
        said.append(f"--since {recorded['since']}")
    if recorded.get("make_splits") is not None:
        given = recorded["make_splits"]
        numbers = isinstance(given, list) and all(isinstance(r, int | float) for r in given)
        ratios = "/".join(f"{r * 100:g}" for r in given) if numbers else str(given)
        said.append(f"--make-splits {ratios} --seed {recorded.get('seed', 0)}")
    return said


def _check_state(
    found: ExportCheck, manifest: dict[str, Any], event: int, classes: list[str]
) -> None:
    said = manifest.get("version")
    if found.version != CURRENT and said != found.version:
        then = f"version {said}" if said else "the labels of its day, not a version"
        found.state.append(f"it was exported from {then}")
    theirs = "the state now" if found.version == CURRENT else "the version"
    if manifest.get("label_event_id") != event:
        found.state.append(
            f"it records label state #{manifest.get('label_event_id')}, {theirs} is #{event}"
        )
    if manifest.get("classes") != list(classes):
        found.state.append(
            f"its classes are {manifest.get('classes')}, those of {theirs} (as the export's "
            f"options name them) {list(classes)}"
        )


def _kept_by_name(
    manifest: dict[str, Any], exported: dict[str, str], expected: list[Row], left: Counter
) -> set[str]:
    """The images whose picture the export holds under their own name (the file the
    export wrote for that path, by its place or the manifest's ``renamed``): each keeps
    its file (taken from ``left`` here), so a copy of the picture found at another path
    since (``test/a-copy.jpg`` sorting before ``train/cat0.jpg``) takes none of it."""
    fmt, renamed = str(manifest.get("format")), manifest.get("renamed")
    led = renamed if isinstance(renamed, dict) else {}
    named = {str(led.get(f) or default_path(fmt, f)): c for f, c in exported.items()}
    kept: set[str] = set()
    for path, content, *_ in expected:
        if named.get(path) == content and left[content] > 0:
            left[content] -= 1
            kept.add(path)
    return kept


def _shards(
    manifest: dict[str, Any], folder: Path, progress: ProgressCallback, cancel: CancelToken
) -> ShardsRead | None:
    """A WebDataset export's shards, each read once (None: another format)."""
    if manifest.get("format") != "webdataset":
        return None
    try:
        return read_export_shards(folder, progress, cancel)
    except Cancelled as exc:
        raise Cancelled(VERIFY_CANCELLED) from exc


def _image_hashes(manifest: dict[str, Any], shards: ShardsRead | None) -> dict[str, str] | None:
    """Each exported image's content hash by its place in the export: the manifest's
    ``image_hashes``, or (WebDataset) each sample's ``KEY.json`` in the shards."""
    listed = manifest.get("image_hashes")
    if isinstance(listed, dict) and (listed or shards is None):
        return {str(k): str(v) for k, v in listed.items()}
    return shards.hashes if shards is not None else None
