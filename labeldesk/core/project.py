"""A LabelDesk project: a folder holding the database and caches for one image root.

The image folder stays the source of truth for pixels and is never modified; the
project records everything done to it. The CLI, the GUI and notebooks all use this class.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from . import changes
from . import classes as class_table
from . import labels as label_store
from .changes import Changes, ProjectEvents
from .class_colours import colour_after_first_scan, first_scan_ended
from .damage_note import damage_remaining, record_damage
from .db import DB_FILENAME, Database
from .db_schema import READABLE_FROM, SCHEMA_VERSION, foreign_tables, migrate
from .display import not_unicode
from .errors import (
    DatabaseDamaged,
    DiskFull,
    ImageRootError,
    ProjectError,
    UnknownPathError,
)
from .failures import NO_SPACE, damaged_database, is_damage, storage_problem
from .filelock import FileLock
from .given_folders import check_images_folder, not_a_project
from .indexed_files import hash_file, stat_matches, thumbnail_path
from .progress import CancelToken, Progress, ProgressCallback
from .project_writes import ProjectWrites
from .read_only_db import (
    DamagedReason,
    check_readable_schema,
    read_only_mode,
    read_only_reason,
    write_refusal,
)
from .root_paths import stored_spelling
from .sql_lists import IN_LIST, json_list
from .staging import MARKER as STAGING_MARKER
from .staging import drop_placed_marker
from .thumbnail_files import cached_thumbnail, indexed_bytes, whole_jpeg
from .vocab import EFFECTIVE_SPLIT

if TYPE_CHECKING:
    import pandas as pd

    from .scanner import ScanCounts

SCAN_LOCK = "scan.lock"  # held while the project is scanned (labeldesk/core/filelock.py)


class ImageState(NamedTuple):
    """The part of an image row that labeling and review change."""

    image_id: int
    label: str | None
    split: str | None
    status: str | None


class Project(ProjectWrites):
    """An open project. Use :func:`open_project` or :meth:`create`; close when done."""

    def __init__(self, path: Path | str, checked: DamagedReason | None = None):
        """``checked``: why a damage check the caller ran just now (the app, off its GUI
        thread) found the project must open read-only; it is not checked again. It can
        only keep the project read-only: without it, the check runs as on every open."""
        self.path = Path(path).resolve()
        self.events = ProjectEvents()  # every write below is published here
        db_file = self.path / DB_FILENAME
        if not db_file.is_file():
            raise ProjectError(not_a_project(Path(path), self.path))
        if _emptied(db_file):  # SQLite would make a new, empty database of it
            raise DatabaseDamaged(
                damaged_database(
                    f"the project database {db_file}",
                    "it is empty, 0 bytes: cut short by a full disk, a crash or a copy that failed",
                )
            )
        # A folder that cannot be written (a read-only share, disk or backup) is opened
        # read-only: reading works, every write says why it cannot be saved.
        # The database is read as it will be opened: chosen once, here, so that the
        # check below and the database see the same -wal state.
        self.read_only = read_only_reason(self.path, db_file)
        # Damage found before (a note beside the database) and still there: read-only,
        # so the file a rescue needs is not written around the damage. Checked only
        # where the note is: a healthy project opens without reading its whole file.
        damage = checked if checked is not None else damage_remaining(db_file)
        if damage is not None:
            self.read_only = damage
        mode = None if self.read_only is None else read_only_mode(db_file)
        foreign = foreign_tables(db_file, mode or "mode=ro")
        if foreign is not None:  # refused before any write: it is another program's
            raise ProjectError(
                f"{db_file} is not a LabelDesk project database: another program made it "
                f"(its tables: {', '.join(foreign[:5])}{', …' if len(foreign) > 5 else ''}); "
                "LabelDesk leaves it as it is. Give the folder of a project `labeldesk new` "
                "made, or make one in a new folder"
            )
        try:
            self.db = Database(db_file, read_only=self.read_only, mode=mode)
        except sqlite3.DatabaseError as exc:  # read-only folder, locked or damaged file
            raise _open_error(self.path, db_file, exc, "cannot be opened") from exc
        try:
            if self.read_only is None:
                migrate(self.db.conn)
                # Older versions could store labels that are not classes. Checked at every
                # open (cheap): an upgrade interrupted before its repair is repaired later.
                label_store.repair_labels(self.db)
            else:
                check_readable_schema(self.db.conn, self.read_only, SCHEMA_VERSION, READABLE_FROM)
            root = self.db.get_meta("image_root")
        except sqlite3.DatabaseError as exc:
            self.db.close()
            raise _open_error(
                self.path, db_file, exc, "cannot be read as a LabelDesk database"
            ) from exc
        except ProjectError:  # e.g. written by a newer LabelDesk
            self.db.close()
            raise
        if root is None:
            self.db.close()
            raise ProjectError(f"{self.path}: project has no image root recorded")
        self.root = Path(root)
        self._scratch: Path | None = None  # thumbnails made for a read-only project
        self._scratch_lock = threading.Lock()
        if self.read_only is None:
            drop_placed_marker(self.path)  # what a `new` killed as it finished left

    def __repr__(self) -> str:
        """What a notebook shows for ``p``: the project, its images, and whether it is
        closed or read-only (it showed ``<labeldesk.core.project.Project object at 0x…>``)."""
        if self.db.closed:
            state = " (closed)"
        elif self.read_only is not None:
            state = f" (read-only: {self.read_only})"
        else:
            state = ""
        return f"<LabelDesk project {str(self.path)!r}, images in {str(self.root)!r}{state}>"

    # -- lifecycle -------------------------------------------------------------------
    @classmethod
    def create(cls, path: Path | str, images: Path | str, classes: Iterable[str] = ()) -> Project:
        """Make an empty project for the image folder ``images`` (not scanned yet)."""
        path = Path(path)
        root = check_images_folder(images)
        if path.exists() and any(p.name != STAGING_MARKER for p in path.iterdir()):
            raise ProjectError(f"{path} already exists and is not empty; pick a new folder")
        path.mkdir(parents=True, exist_ok=True)
        db = Database(path / DB_FILENAME)
        migrate(db.conn)
        with db.write() as conn:
            for key, value in (("image_root", str(root)), ("created_at", str(time.time()))):
                conn.execute("INSERT INTO meta(key, value) VALUES (?, ?)", (key, value))
            class_table.add_classes(conn, classes)
            colour_after_first_scan(conn)
        db.close()
        return cls(path)

    def close(self) -> None:
        self.db.close()
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)
            self._scratch = None

    def require_writable(self) -> None:
        """:class:`ProjectReadOnly` when the project was opened read-only: called before
        work that saves at its end (a scan, embedding, training), so it stops at once."""
        if self.read_only is not None:
            raise write_refusal(self.read_only)

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def relocate(self, images: Path | str, *, force: bool = False) -> None:
        """Point the project at a moved image folder (paths inside it stay the same).

        A folder that holds none of the project's indexed images (by path or by content),
        fewer than half of them, one whose files at the project's paths mostly hold other
        bytes (another dataset with the same names) or one a level too high is refused with an
        :class:`~labeldesk.core.errors.ImageRootError` that says which, nothing changed,
        unless ``force`` (see :mod:`labeldesk.core.relocation`)."""
        from .relocation import check_moved_folder

        root = check_images_folder(images)
        if not force:
            check_moved_folder(self, root)
        self.db.set_meta("image_root", str(root))
        self.root = root

    @property
    def follows_outside_links(self) -> bool:
        """Index files that symbolic links lead to outside the image folder (off unless
        asked for at ``new``/``scan``: a link to ``/usr`` must not index the system)."""
        return self.db.get_meta("follow_outside_links") == "1"

    def follow_outside_links(self, follow: bool) -> None:
        self.db.set_meta("follow_outside_links", "1" if follow else "0")

    # -- folders ---------------------------------------------------------------------
    @property
    def thumbs_dir(self) -> Path:
        return self.path / "thumbs"

    def scan_excludes(self) -> tuple[Path, ...]:
        """Folders inside the image root that must not be indexed (the project itself)."""
        return (self.path,)

    def check_root(self) -> None:
        if not self.root.is_dir():
            raise ImageRootError(
                f"image folder {self.root} is missing; if it moved, run "
                f"`labeldesk scan {self.path} --images NEW_FOLDER`"
            )

    def root_went_away(self) -> bool:
        """Whether the image folder is missing, empty or fails to read (a drive pulled out
        gives I/O errors) now: work that reads it (an export) asks once images failed, to
        tell an unplugged drive (its mount point stays, empty) or a moved folder from a
        few files deleted. A folder one may not list is there: not gone."""
        try:
            with os.scandir(self.root) as entries:
                return next(entries, None) is None
        except PermissionError:
            return False
        except OSError:
            return True

    def image_path(self, rel: str) -> Path:
        return self.root / rel

    # -- scanning --------------------------------------------------------------------
    def scan(
        self,
        progress: ProgressCallback | bool | None = None,
        cancel: CancelToken | None = None,
        workers: int | None = None,
    ) -> ScanCounts:
        """Incrementally re-index the image folder (see :mod:`labeldesk.core.scanner`); the
        counts (added, removed, changed, moved, unchanged). ``progress``: None shows it as
        ``ld.embed`` does (a bar in a terminal, a widget in a notebook, lines now and then
        in a log file), False shows nothing, a function gets each ``Progress``."""
        from .progress_bar import shown_progress

        with shown_progress(progress) as report:
            return self._scan(report, cancel, workers)

    def _scan(
        self, progress: ProgressCallback, cancel: CancelToken | None, workers: int | None
    ) -> ScanCounts:
        from .scanner import scan

        self.require_writable()
        self.check_root()
        # One scan of a project at a time, across processes (the app and a CLI scan): the
        # second waits its turn, then finds the first's work done.
        lock = FileLock(self.path / SCAN_LOCK).acquire(
            cancel=cancel, on_wait=lambda: progress(Progress(0, 0, "waiting for another scan"))
        )
        try:
            counts = scan(self, progress=progress, cancel=cancel, workers=workers)
            if not counts.cancelled:
                with self.db.write() as conn:
                    first_scan_ended(conn)
            return counts
        finally:  # a cancelled or failed scan keeps what it indexed: views re-read too
            lock.release()
            self.events.publish(Changes(kind=changes.SCAN, all_images=True, classes_changed=True))

    def thumbnail(self, rel: str) -> Path:
        """Path of the cached thumbnail for image ``rel``, made now if missing or broken."""
        row = self._row(rel)
        return self._thumbnail(rel, row["hash"], row["skip_reason"])

    def thumbnail_of(self, image_id: int, *, remake: bool = False) -> Path:
        """The cached thumbnail of the image with this id, wherever a scan has moved it
        (what a view caching pictures by id must show), made now if missing or broken;
        ``remake``: made again even so (it did not decode)."""
        rel, digest, skip_reason = self._indexed(image_id)
        return self._thumbnail(rel, digest, skip_reason, remake=remake)

    def original_of(self, image_id: int) -> bytes:
        """The bytes of the image with this id, read from its file now; ProjectError when
        the file no longer holds the content the scan indexed (edited or replaced since:
        it may show another picture), so a view falls back to :meth:`thumbnail_of`."""
        rel, digest, skip_reason = self._indexed(image_id)
        if digest is None or skip_reason:
            raise ProjectError(f"{rel} is not a usable image: {skip_reason}")
        return indexed_bytes(self.image_path(rel), rel, digest)

    def changed_on_disk(self, image_id: int) -> bool:
        """Whether the image's file is not as the last scan found it (another size,
        modification time or content, or gone): a label given now goes to the image as
        indexed, while the file may hold another picture by now (edited, or swapped with
        another file) until a scan reads it. One stat; where only the change time moved
        (bytes rewritten with the old time put back, a swap of two files of one size and
        time, or just new permissions), the bytes decide, as for a scan. False for an
        image no longer indexed."""
        rows = self.db.query(
            "SELECT path, size, mtime_ns, ctime_ns, hash FROM images "
            "WHERE id = ? AND removed_at IS NULL",
            (int(image_id),),
        )
        if not rows:
            return False
        rel, size, mtime_ns, ctime_ns, digest = rows[0]
        path = self.image_path(rel)
        try:
            st = os.stat(path)
            if not stat_matches(st, (size, mtime_ns, None)):
                return True
            if stat_matches(st, (size, mtime_ns, ctime_ns)) or digest is None:
                return False
            return hash_file(path) != digest
        except OSError:
            return True

    def _indexed(self, image_id: int) -> tuple[str, str | None, str | None]:
        rows = self.db.query(
            "SELECT path, hash, skip_reason FROM images WHERE id = ? AND removed_at IS NULL",
            (int(image_id),),
        )
        if not rows:
            raise ProjectError(f"image {image_id} is no longer in the project")
        return rows[0][0], rows[0][1], rows[0][2]

    def _thumbnail(
        self, rel: str, digest: str | None, skip_reason: str | None, *, remake: bool = False
    ) -> Path:
        if digest is None or skip_reason:
            raise ProjectError(f"{rel} is not a usable image: {skip_reason}")
        if self.read_only is not None:  # the project's own if it has one, else made aside
            kept = thumbnail_path(self.thumbs_dir, digest)
            if not remake and whole_jpeg(kept):
                return kept
            scratch = self.scratch_thumbs_dir()
            return cached_thumbnail(self.root, scratch, rel, digest, remake=remake)
        return cached_thumbnail(self.root, self.thumbs_dir, rel, digest, remake=remake)

    def scratch_thumbs_dir(self) -> Path:
        """Where thumbnails a read-only project lacks are made: a temporary folder of this
        process, removed when the project is closed."""
        with self._scratch_lock:  # (thumbnails load on several threads)
            if self._scratch is None:
                self._scratch = Path(tempfile.mkdtemp(prefix="labeldesk-thumbs-"))
            return self._scratch

    # -- reading ---------------------------------------------------------------------
    def ids_for(self, paths: Iterable[str | os.PathLike[str]]) -> dict[Any, int]:
        """Image ids for relative paths, keyed as given (a ``pathlib.Path``, or an absolute
        path inside the image folder, names the image there too); raises
        :class:`UnknownPathError` listing all misses."""
        wanted = list(dict.fromkeys(paths))
        spelt = {  # only those given otherwise than as stored are spelt again
            p: stored_spelling(self.root, p)
            for p in wanted
            if not isinstance(p, str) or os.path.isabs(p)
        }
        # a path that is not valid text (a byte that is not UTF-8 in an argument) is no
        # image's: SQLite cannot even be asked for it
        texts = (spelt.get(p, p) for p in wanted)
        asked = [q for q in texts if isinstance(q, str) and not_unicode(q) is None]
        rows = self.db.query(
            f"SELECT path, id FROM images WHERE removed_at IS NULL AND path {IN_LIST}",
            (json_list(asked),),
        )
        found: dict[Any, int] = {row[0]: row[1] for row in rows}
        missing = [os.fspath(p) for p in wanted if spelt.get(p, p) not in found]
        if missing:
            raise UnknownPathError(missing)
        return {p: found[spelt.get(p, p)] for p in wanted} if spelt else found

    def count_labeled(self, label: str) -> int:
        """How many images in the folder now carry ``label``."""
        count = self.db.scalar(
            "SELECT COUNT(*) FROM images WHERE label = ? AND removed_at IS NULL", (label,)
        )
        return count if isinstance(count, int) else 0

    def unusable_count(self) -> int:
        """How many files in the folder the scan could not use (unreadable, not images)."""
        count = self.db.scalar(
            "SELECT COUNT(*) FROM images WHERE skip_reason IS NOT NULL AND removed_at IS NULL"
        )
        return count if isinstance(count, int) else 0

    def batch_image_ids(self, batch_id: int) -> list[int]:
        """The images a batch of label events changed."""
        rows = self.db.query(
            "SELECT DISTINCT image_id FROM label_events WHERE batch_id = ?", (batch_id,)
        )
        return [int(r[0]) for r in rows]

    def paths_of(self, image_ids: Iterable[int]) -> list[str]:
        """Relative paths of some images, in the order given (unknown ids left out)."""
        ids = [int(i) for i in image_ids]
        rows = self.db.query(f"SELECT id, path FROM images WHERE id {IN_LIST}", (json_list(ids),))
        found: dict[int, str] = {row[0]: row[1] for row in rows}
        return [found[i] for i in ids if i in found]

    def skip_reason(self, rel: str) -> str | None:
        """Why image ``rel`` is not used (not an image, unreadable), or None when it is;
        UnknownPathError when the project has no such image."""
        reason = self._row(rel)["skip_reason"]
        return str(reason) if reason else None

    def was_removed(self, rel: str | os.PathLike[str]) -> bool:
        """Whether a scan removed an image that had path ``rel`` (its file was gone):
        a path that is not in the project now, but was."""
        path = stored_spelling(self.root, rel)
        try:
            path.encode("utf-8")
        except UnicodeEncodeError:  # a name that is not UTF-8 was never stored
            return False
        return bool(label_store.removed_ids(self.db, path))

    def _row(self, rel: str | os.PathLike[str]) -> sqlite3.Row:
        path = stored_spelling(self.root, rel)
        rows = self.db.query("SELECT * FROM images WHERE path = ? AND removed_at IS NULL", (path,))
        if not rows:
            raise UnknownPathError([os.fspath(rel)])
        return rows[0]

    def image_states(self, image_ids: Iterable[int]) -> list[ImageState]:
        """Label, effective split and status of some images (unknown ids left out), in
        id order: a cheap re-read after an edit."""
        ids = [int(i) for i in dict.fromkeys(image_ids)]
        rows = self.db.query(
            f"SELECT id, label, {EFFECTIVE_SPLIT}, status FROM images WHERE id {IN_LIST} "
            "ORDER BY id",
            (json_list(ids),),
        )
        return [ImageState(int(r[0]), r[1], r[2], r[3]) for r in rows]

    def images(self, *, include_skipped: bool = True) -> pd.DataFrame:
        """Every image in the folder now, one row each, indexed by image id; label, split
        and status are Categoricals (see :func:`labeldesk.core.image_frame.image_frame`)."""
        from .image_frame import image_frame

        return image_frame(self, include_skipped=include_skipped)

    def stats(self) -> dict:
        """The project database's counts (images, labels, classes, splits, skipped files);
        ``labeldesk.stats(p)`` adds what the model side knows, as ``labeldesk stats --json``."""
        from .stats import project_stats

        return project_stats(self)


def _open_error(folder: Path, db_file: Path, exc: sqlite3.DatabaseError, what: str) -> ProjectError:
    """The reason a project could not be opened: a full or read-only disk named as such
    (SQLite calls both an I/O error), else SQLite's own words."""
    problem = storage_problem(folder, db_file)
    if problem is None and is_damage(exc):
        record_damage(db_file, str(exc))
        return DatabaseDamaged(damaged_database(f"the project database {db_file}", str(exc)))
    if problem is not None and problem.startswith(NO_SPACE):  # as a full disk says elsewhere
        return DiskFull(problem, disk=folder)
    return ProjectError(problem or f"{db_file} {what}: {exc}")


def _emptied(db_file: Path) -> bool:
    """Whether the project database is a 0-byte file with no write-ahead log to rebuild
    it from: no LabelDesk ever leaves one (a new project is built aside and renamed)."""
    wal = db_file.with_name(db_file.name + "-wal")
    try:
        return db_file.stat().st_size == 0 and not (wal.is_file() and wal.stat().st_size)
    except OSError:
        return False


def open_project(path: Path | str, checked: DamagedReason | None = None) -> Project:
    """Open the project folder ``path`` (one ``labeldesk new`` or the app made; an older
    schema is migrated in place). Close it with ``p.close()``, or use ``with
    open_project(path) as p:``. ``ProjectError`` for a folder that is not a project (it
    says what to do); a folder that cannot be written opens read-only (``p.read_only``
    says why). ``checked``: see :class:`Project`."""
    return Project(path, checked)
