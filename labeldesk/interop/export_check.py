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
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from labeldesk.core.display import counted, shown_path
from labeldesk.core.errors import Cancelled
from labeldesk.core.indexed_files import hash_file
from labeldesk.core.progress import CancelToken, ProgressCallback, no_progress
from labeldesk.core.versions import CURRENT

from .export_columns import column_problems, metadata_column_problems
from .export_hash_column import hash_column_problems, renamed_file_problems
from .export_labels import (
    ROW_PER_IMAGE,
    Row,
    difference_line,
    label_differences,
    mark_before_class_map,
    read_back,
    unread_pictures,
)
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
    read_manifest,
)
from .export_renamed import renamed_entry_problems
from .export_shards import ShardsRead, read_export_shards
from .export_splits_check import check_made_splits, made_split_of
from .export_target import NOT_EXPORTED, contents
from .export_unlisted import NAMED_BY, task_path_problems, unlisted_files
from .manifest import file_hashes
from .selection import select_items
from .writing import UNASSIGNED, ExportOptions

if TYPE_CHECKING:
    from labeldesk.core.project import Project

TRAIN = "train"  # the split of every image of a FiftyOne export written as one dataset
FLAGGED = "flagged"  # the manifest counts these (left_out) but does not name them
GONE = "gone from the export"
OTHER_BYTES = "holds other bytes than the image the manifest names"
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
    # left it out ("missing", "failed", "flagged"), or None: it did not say
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
        sections = (
            ("files changed in the export since it was written", self.files, _file_line),
            ("images of the version not in the export", self.not_exported, _image_line),
            ("images in the export that are not the version's", self.not_in_version, _extra),
            (
                "labels, splits or statuses in the export that are not the version's",
                self.labels,
                difference_line,
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
    return f"{shown_path(row['path'])} ({row['label'] or 'unlabeled'}, {listed})"


def _extra(row: dict[str, str]) -> str:
    if "left_out_by" in row:  # (the version's, but not as the recorded options choose)
        theirs = shown_path(row["version_path"])
        return (
            f"{shown_path(row['path'])} (the version's {theirs}, left out as {row['left_out_by']})"
        )
    return f"{shown_path(row['path'])} (content {row['hash']})"


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
        failed = {str(row.get("path")) for row in _rows(manifest, "failed")}
        written = (item for item in chosen.items if item.path not in failed)
        check_hf_metadata(found.manifest, manifest, folder, written)
    exported = _image_hashes(manifest, shards)
    known = shards.files if shards is not None else {}
    _check_files(found, manifest, folder, exported or {}, progress, token, known)
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
    said = {m.get("path"): kind for kind in ("missing", "failed") for m in _rows(manifest, kind)}
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
    for path, content, label, split, status in sorted(expected, key=lambda r: r[:2]):
        if left[content] > 0:
            left[content] -= 1
            pictures.add(content)
            held.append((path, content, label, None if path in implied else split, status))
            continue
        listed = said.get(path)
        if listed is None and flagged:
            listed, flagged = FLAGGED, flagged - 1
        row = {"path": path, "hash": content, "label": label, "split": split, "listed": listed}
        found.not_exported.append(row)
    for path, content in sorted(exported.items()):
        if left[content] > 0:
            left[content] -= 1
            found.not_in_version.append({"path": path, "hash": content})
    if found.not_in_version:
        left_out_by_options(project, options, chosen, found.not_in_version, found.manifest)
    made = recorded.get("make_splits") is not None
    split_of = made_split_of(manifest) if made else None
    if split_of is not None:  # (its splits are its own: checked against those recorded)
        failed = {str(row.get("path")) for row in _rows(manifest, "failed")}
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
        _check_labels(found, manifest, folder, held, pictures_held,
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


def _check_labels(
    found: ExportCheck,
    manifest: dict[str, Any],
    folder: Path,
    held: list[Row],
    pictures: dict[str, str],
    *,
    splits: bool,
    shards: ShardsRead | None,
    progress: ProgressCallback,
    cancel: CancelToken,
) -> None:
    """The labels, splits and statuses the export gives its images, read back from its
    own files as each format's reader reads them, against the version's (``held``: the
    version's images in the export; ``pictures``: their files in it, by content)."""
    labeled = any(row[2] is not None for row in held)
    try:
        if cancel.cancelled:  # (WebDataset: the labels were read with the shards)
            raise Cancelled(VERIFY_CANCELLED)
        read = read_back(
            folder, manifest, labeled=labeled, progress=progress, cancel=cancel, shards=shards
        )
    except Cancelled as exc:  # (the reader's words: "cancelled while reading …")
        raise Cancelled(VERIFY_CANCELLED) from exc
    reported = {row["path"] for row in found.files}
    found.files += [p for p in read.problems if p["path"] not in reported]
    if read.unread:  # (every picture would be listed as given no label: said once above)
        found.notes.append(
            "its labels, splits and statuses are not read back: its label files cannot be "
            "read (above)"
        )
        return
    # (an image not the version's is named under not_in_version: not again here)
    contents = set(pictures.values())
    mine = [row for row in read.rows if row[1] in contents]
    unread = unread_pictures(mine, pictures, split_folders=manifest.get("format") == "imagefolder")
    if read.reader in ROW_PER_IMAGE:  # (a row dropped: its image is not in the dataset)
        where = ROW_PER_IMAGE[read.reader]
        found.files += [
            {"path": file, "why": f"no row of {where} names it (the export writes one for "
             "every image it holds)"}
            for file, *_ in unread
        ]  # fmt: skip
    elif read.reader in NAMED_BY:  # (an unlabeled image's entry gives no row: read apart)
        found.files += unlisted_files(folder, read.reader, [file for file, *_ in unread])
    paths: dict[str, set[str]] = {}  # content -> the version's paths of that picture
    for path, content, *_ in held:
        paths.setdefault(content, set()).add(path)
    if read.reader == "labelstudio":  # (data.path: what `import` matches a task by)
        found.files += task_path_problems(folder, pictures, paths)
    found.files += renamed_file_problems(manifest, pictures, paths)  # (CSV, Parquet)
    found.files += renamed_entry_problems(manifest, pictures, paths)  # (every format)
    mine += unread
    if read.one_dataset:  # (train, or labeled with none and written as train)
        held = [(p, c, label, split or TRAIN, status) for p, c, label, split, status in held]
        mine = [(p, c, label, split or TRAIN, status) for p, c, label, split, status in mine]
    found.labels = label_differences(held, mine, splits=splits, statuses=read.statuses)
    recorded = manifest.get("options")
    if isinstance(recorded, dict) and recorded.get("class_map"):  # (read when checked)
        mark_before_class_map(found.labels, dict(class_map(folder, recorded["class_map"])))
    if not splits:
        found.notes.append(
            "its splits were made for the export (--make-splits), and its manifest does "
            "not record the split made for each image (written before LabelDesk recorded "
            "them): its labels and statuses are checked, not its splits"
        )
    if not read.statuses and any(row[4] is not None for row in held):
        found.notes.append(
            "its files are class folders alone (ImageFolder; Hugging Face where the folders "
            "give every label, so it writes no metadata), which hold no review status "
            "(verified, excluded): the version's statuses are not in it to compare; which "
            "images they chose for it (excluded ones left out unless --include-excluded, "
            "--exclude-unverified) is checked"
        )


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


def _check_files(
    found: ExportCheck,
    manifest: dict[str, Any],
    folder: Path,
    linked: dict[str, str],
    progress: ProgressCallback,
    cancel: CancelToken,
    known: dict[str, dict[str, Any]],
) -> None:
    """Every file against the manifest; a link (``--symlink``) also by the bytes of the
    file it leads to, against ``linked``: the image hashes by path in the export.
    ``known``: files read already (WebDataset's shards), as :func:`file_hashes` lists."""
    written = {f["path"]: f for f in _rows(manifest, "files") if isinstance(f.get("path"), str)}
    # an image's bytes against the content hash the manifest gives it (a GIF written as
    # PNG holds other bytes than the GIF's)
    images = linked.keys() - set(manifest.get("gif_as_png") or ())
    now = {
        f["path"]: f for f in file_hashes(folder, progress, cancel, images, VERIFY_CANCELLED, known)
    }
    _check_empty_folders(found, manifest, folder)
    for path in sorted(written.keys() | now.keys()):
        content = now[path].pop("content", None) if path in now else None
        if path not in now:
            found.files.append({"path": path, "why": GONE})
        elif path not in written:
            found.files.append({"path": path, "why": "not written by the export"})
        elif "kind" in now[path]:  # (a FIFO would block the read: never opened)
            kind = now[path]["kind"]
            found.files.append({"path": path, "why": f"{kind}, not the file the export wrote "
                                "(not opened)"})  # fmt: skip
        elif "unreadable" in now[path]:
            found.files.append({"path": path, "why": f"cannot be read: {now[path]['unreadable']}"})
        elif now[path] != written[path]:
            found.files.append({"path": path, "why": "edited since it was exported"})
        elif "link" in now[path] and path in linked:  # (--symlink: the image folder's file)
            why = _linked_bytes(folder / path, linked[path])
            if why:
                found.files.append({"path": path, "why": why})
        elif content is not None and content != linked[path]:  # (the manifest edited)
            found.files.append({"path": path, "why": OTHER_BYTES})


def _check_empty_folders(found: ExportCheck, manifest: dict[str, Any], folder: Path) -> None:
    """Empty folders against those the export left (where every image of a folder
    failed): torchvision's ImageFolder takes one for a class."""
    written = manifest.get("contents")
    listed = written.get("empty_folders") if isinstance(written, dict) else None
    if not isinstance(listed, list):
        return  # (an older export's manifest did not list them)
    now = contents(folder, NOT_EXPORTED)["empty_folders"]
    # (a folder emptied of files the export wrote: those files are named, gone)
    parents = {p.rsplit("/", 1)[0] for p in (f.get("path") for f in _rows(manifest, "files"))
               if isinstance(p, str) and "/" in p}  # fmt: skip
    for path in sorted(set(now) - set(listed) - parents):
        found.files.append({"path": path, "why": "an empty folder the export did not write"})
    for path in sorted(set(listed) - set(now)):
        found.files.append({"path": path, "why": "an empty folder the export wrote, gone"})


def _linked_bytes(link: Path, content: str) -> str | None:
    """Why the file ``link`` leads to is not the image of ``content`` any more, or None."""
    try:  # (hash_file refuses a FIFO, which would block: NotRegularFile is an OSError)
        now = hash_file(link)
    except OSError:
        return "the file it links to cannot be read now"
    return None if now == content else "the file it links to holds other bytes now"


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


def _rows(manifest: dict[str, Any], key: str) -> list[dict[str, Any]]:
    rows = manifest.get(key)
    return [r for r in rows if isinstance(r, dict)] if isinstance(rows, list) else []
