"""Named dataset versions: "the data model 3 was trained on", kept so it can be exported
again after any number of relabels and re-scans.

A version is three things, all cheap to keep: the ordered class list then (so an export
of it names the classes, and numbers them, as they were), the label state (the newest label event's
id then; labels, statuses and splits are rebuilt from the append-only label events, see
:func:`~labeldesk.core.labels.states_at`) and the membership (which images, by id, with
which content hash and path, were usable in the folder). Versions with the same membership
share its rows, so the version a training run records each time costs a row, not a copy
of the image table. Rebuilding a version's images is :mod:`labeldesk.core.version_state`.

Names are the person's (``labeldesk version P create v1``); a training run records an
automatic one (``auto-model-N``) unless a version with the same state exists. Two names
are read, not stored: ``current`` (the state now, for ``diff``) and ``model:N`` (the
version model version N trained on).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from .classes import class_names
from .db import Database
from .display import NOT_UNICODE, not_unicode
from .errors import LabelDeskError
from .image_rows import Member, usable_members
from .labels import current_user

CURRENT = "current"  # the state now: `diff v1 current`
MODEL_PREFIX = "model:"  # `model:3`: the version model version 3 trained on
AUTO_PREFIX = "auto-model-"
MAX_NAME = 100
MAX_SQLITE_INT = 2**63 - 1
# Unicode's control, format (zero-width, bidirectional overrides) and line/paragraph
# separator characters: invisible or line-breaking in a listing, so a name could pass for
# another one
_HIDDEN_CATEGORIES = ("Cc", "Cf", "Zl", "Zp")
_JOINERS = "\u200c\u200d"  # zero-width non-joiner and joiner
_JOINING_SCRIPTS = (
    (0x0600, 0x08FF),  # Arabic, Syriac, Thaana, N'Ko and their supplements
    (0x0900, 0x0DFF),  # Devanagari to Sinhala
    (0x0F00, 0x109F),  # Tibetan, Myanmar
    (0x1780, 0x17FF),  # Khmer
    (0xA8E0, 0xA8FF),  # Devanagari extended
    (0xFB50, 0xFDFF),  # Arabic presentation forms A
    (0xFE70, 0xFEFF),  # Arabic presentation forms B
    (0x1800, 0x18AF),  # Mongolian
    (0x1E900, 0x1E95F),  # Adlam
)
_EMOJI_FROM = 0x2600  # symbols from here on (©, °, arrows before it join nothing)
MAX_NOTE = 10_000
_PATH_SEPARATORS = "/\\"  # (a backslash separates folders on Windows)


class VersionError(LabelDeskError):
    """A dataset version that cannot be made or found (the message says why)."""


@dataclass(frozen=True)
class DatasetVersion:
    id: int
    name: str
    note: str
    created_at: float
    author: str | None
    label_event_id: int  # the label state: labels, statuses, splits right after this event
    membership_id: int
    images: int  # how many images it holds
    automatic: bool  # recorded by a training run, not named by a person
    models: tuple[int, ...] = ()  # model versions trained on it, oldest first
    # The class list then, in order; None for a version recorded before LabelDesk kept it
    # (schema 10): those export with the classes of the day.
    classes: tuple[str, ...] | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "note": self.note,
            "created_at": self.created_at,
            "author": self.author,
            "label_event_id": self.label_event_id,
            "images": self.images,
            "automatic": self.automatic,
            "models": list(self.models),
            "classes": None if self.classes is None else list(self.classes),
        }


def check_name(name: str) -> str:
    """``name`` without outer spaces, or VersionError saying why it cannot be one."""
    # NFC: "café" typed composed or decomposed (as macOS writes it) is one name
    clean = unicodedata.normalize("NFC", name.strip()) if isinstance(name, str) else ""
    if not clean:
        raise VersionError("a version needs a name")
    if len(clean) > MAX_NAME:
        raise VersionError(f"a version name has at most {MAX_NAME} characters")
    if (odd := not_unicode(clean)) is not None:
        raise VersionError(f"a version name cannot hold {odd!r}, {NOT_UNICODE}")
    if any(_hidden(clean, i) for i in range(len(clean))):
        raise VersionError(
            "a version name cannot hold control, invisible or line-separating characters "
            "(tabs, new lines, zero-width or direction marks)"
        )
    # (nothing in LabelDesk makes a path of a name, but a script does, `OUT/NAME`: there
    # "bad name/x" was two folders and ".." the folder above; a name that begins with '-'
    # is fine: the command line says to put it after `--`)
    if any(ch in _PATH_SEPARATORS for ch in clean):
        raise VersionError(
            "a version name cannot hold a slash (/ or \\): a script that puts the name "
            "in a folder's path would make folders of it; write - or _ instead"
        )
    if clean in (".", ".."):
        raise VersionError(
            f"{clean!r} cannot be a version name: in a folder's path it is "
            f"{'that folder' if clean == '.' else 'the folder above'}; pick another name"
        )
    if clean.lower() == CURRENT or clean.lower().startswith(MODEL_PREFIX):
        raise VersionError(
            f"{clean!r} is reserved ({CURRENT!r} means the state now, "
            f"{MODEL_PREFIX}N the version model N trained on); pick another name"
        )
    return clean


def _hidden(text: str, i: int) -> bool:
    """Is ``text[i]`` invisible or line-breaking? The zero-width (non-)joiner between two
    letters or symbols is spelling (Persian words, emoji sequences), not hiding."""
    if unicodedata.category(text[i]) not in _HIDDEN_CATEGORIES:
        return False
    if text[i] in _JOINERS and 0 < i < len(text) - 1:
        return not (_joins(text[i - 1]) and _joins(text[i + 1]))
    return True


def _joins(ch: str) -> bool:
    """Is ``ch`` of a script whose spelling uses the zero-width (non-)joiner (Arabic,
    Syriac, the Indic scripts, Tibetan, Myanmar, Khmer, Mongolian, Adlam), or part of an
    emoji ZWJ sequence (a pictograph, a skin tone, the emoji variation selector)?"""
    code = ord(ch)
    return (
        (unicodedata.category(ch) == "So" and code >= _EMOJI_FROM)
        or 0x1F3FB <= code <= 0x1F3FF  # skin tones
        or ch == "\ufe0f"  # emoji presentation
        or any(low <= code <= high for low, high in _JOINING_SCRIPTS)
    )


def _named(conn: sqlite3.Connection, name: str) -> str | None:
    """The stored name of the version called ``name`` in any Unicode form (names stored
    before LabelDesk kept them composed may be decomposed), or None."""
    if not_unicode(name) is not None:  # (a byte that is not UTF-8: no name can hold it)
        return None
    if conn.execute("SELECT 1 FROM dataset_versions WHERE name = ?", (name,)).fetchone():
        return name
    wanted = unicodedata.normalize("NFC", name)
    for (stored,) in conn.execute("SELECT name FROM dataset_versions ORDER BY id"):
        if unicodedata.normalize("NFC", stored) == wanted:
            return str(stored)
    return None


def create_version(
    db: Database, name: str, note: str = "", *, author: str | None = None
) -> DatasetVersion:
    """Record the state now under ``name`` (which must be new)."""
    name = check_name(name)
    if len(note) > MAX_NOTE:
        raise VersionError(f"a version note has at most {MAX_NOTE:,} characters")
    if (odd := not_unicode(note)) is not None:
        raise VersionError(f"a version note cannot hold {odd!r}, {NOT_UNICODE}")
    with db.write() as conn:  # one transaction: the label state and membership agree
        if _named(conn, name) is not None:
            raise VersionError(f"there is a version named {name!r} already; pick another name")
        _insert(conn, name, note, author or current_user(), _membership(conn), automatic=False)
    return get_version(db, name)


def version_for_model(
    conn: sqlite3.Connection,
    model_id: int,
    label_event_id: int,
    classes: list[str] | None = None,
    seen: Collection[Member] | None = None,
) -> int:
    """Inside the transaction that records model version ``model_id``: the dataset version
    it trained on, an existing one with the same label state, membership and class list,
    else a new automatic ``auto-model-<model_id>``; the model row is linked to it. Returns
    its id. ``classes``: the run's class list, as it was when the run began (a class
    renamed while it trained is not what it learned); the list now when not given.
    ``seen``: the images the run used, as it read them when it began (:func:`usable_members`,
    less those it could not use: a head sees only images that had a vector), else every
    usable image now. Read at the start, not now: a file edited or removed while a long
    run trained is one the run saw as it was, and an export of its version must report
    it changed or gone, not hand out the new bytes or leave it out unsaid."""
    membership = _membership(conn, seen)
    listed = _classes_json(conn, classes)
    found = conn.execute(
        "SELECT id FROM dataset_versions WHERE label_event_id = ? AND membership_id = ? "
        "AND classes = ? ORDER BY automatic, id LIMIT 1",
        (label_event_id, membership, listed),
    ).fetchone()
    if found:
        version_id = int(found[0])
    else:
        name, n = f"{AUTO_PREFIX}{model_id}", 1
        while conn.execute("SELECT 1 FROM dataset_versions WHERE name = ?", (name,)).fetchone():
            n += 1
            name = f"{AUTO_PREFIX}{model_id}-{n}"
        note = f"recorded when model version {model_id} was trained"
        version_id = _insert(
            conn,
            name,
            note,
            current_user(),
            membership,
            automatic=True,
            event=label_event_id,
            classes=classes,
        )
    conn.execute(
        "UPDATE model_versions SET dataset_version_id = ? WHERE id = ?", (version_id, model_id)
    )
    return version_id


def _insert(
    conn: sqlite3.Connection,
    name: str,
    note: str,
    author: str | None,
    membership: int,
    *,
    automatic: bool,
    event: int | None = None,
    classes: list[str] | None = None,
) -> int:
    """A new version row, with ``classes`` (else the class list now); at the newest label
    event unless ``event`` names one."""
    if event is None:
        event = int(conn.execute("SELECT COALESCE(MAX(id), 0) FROM label_events").fetchone()[0])
    listed = _classes_json(conn, classes)
    row_id = conn.execute(
        "INSERT INTO dataset_versions(name, note, created_at, author, label_event_id, "
        "membership_id, automatic, classes) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (name, note, time.time(), author, event, membership, int(automatic), listed),
    ).lastrowid
    return int(row_id or 0)


def _classes_json(conn: sqlite3.Connection, classes: list[str] | None = None) -> str:
    """The ordered class list (``classes``, else the list now) as stored with a version
    (one spelling: compared too)."""
    return json.dumps(class_names(conn) if classes is None else classes, ensure_ascii=False)


def _membership(conn: sqlite3.Connection, seen: Collection[Member] | None = None) -> int:
    """The id of the membership ``seen`` (else the usable images now: their paths and
    content hashes), stored once: a digest of the rows finds an identical earlier one."""
    rows = usable_members(conn) if seen is None else sorted(seen)
    digest = hashlib.sha256()
    for row in rows:  # JSON, so a path holding a tab or a new line cannot fake a row break
        digest.update(json.dumps(list(row)).encode("ascii") + b"\n")
    key = digest.hexdigest()
    found = conn.execute(
        "SELECT id FROM dataset_memberships WHERE digest = ? AND images = ?", (key, len(rows))
    ).fetchone()
    if found:
        return int(found[0])
    earlier = _with_legacy_digest(conn, rows)
    if earlier is not None:  # stored before the JSON digest: the same rows, given it now
        conn.execute("UPDATE dataset_memberships SET digest = ? WHERE id = ?", (key, earlier))
        return earlier
    membership = conn.execute(
        "INSERT INTO dataset_memberships(digest, images, created_at) VALUES (?, ?, ?)",
        (key, len(rows), time.time()),
    ).lastrowid
    conn.executemany(
        "INSERT INTO dataset_membership_images(membership_id, image_id, path, hash) "
        "VALUES (?, ?, ?, ?)",
        [(membership, r[0], r[1], r[2]) for r in rows],
    )
    return int(membership or 0)


def _with_legacy_digest(conn: sqlite3.Connection, rows: list[Any]) -> int | None:
    """The membership stored with the digest LabelDesk used before (fields joined by tabs,
    rows by new lines) whose rows are exactly ``rows``, or None. That digest could not
    tell some paths apart, so the rows themselves are compared."""
    digest = hashlib.sha256()
    for image_id, path, content in rows:
        digest.update(f"{image_id}\t{path}\t{content}\n".encode("utf-8", "surrogateescape"))
    found = conn.execute(
        "SELECT id FROM dataset_memberships WHERE digest = ? AND images = ?",
        (digest.hexdigest(), len(rows)),
    ).fetchone()
    if found is None:
        return None
    stored = conn.execute(
        "SELECT image_id, path, hash FROM dataset_membership_images WHERE membership_id = ? "
        "ORDER BY image_id",
        (found[0],),
    ).fetchall()
    return int(found[0]) if [tuple(r) for r in stored] == [tuple(r) for r in rows] else None


_SELECT = (
    "SELECT v.id, v.name, v.note, v.created_at, v.author, v.label_event_id, v.membership_id, "
    "m.images, v.automatic, v.classes FROM dataset_versions v "
    "JOIN dataset_memberships m ON m.id = v.membership_id"
)


def list_versions(db: Database) -> list[DatasetVersion]:
    """Every version, newest first, each with the model versions trained on it."""
    with db.reading() as conn:
        rows = conn.execute(_SELECT + " ORDER BY v.id DESC").fetchall()
        trained = conn.execute(
            "SELECT dataset_version_id, id FROM model_versions "
            "WHERE dataset_version_id IS NOT NULL ORDER BY id"
        ).fetchall()
    models: dict[int, list[int]] = {}
    for version_id, model_id in trained:
        models.setdefault(int(version_id), []).append(int(model_id))
    return [_version(r, models.get(int(r[0]), [])) for r in rows]


def get_version(db: Database, name: str) -> DatasetVersion:
    """The version called ``name`` (or ``model:N``: the one model version N trained on)."""
    text = name.strip() if isinstance(name, str) else ""
    if text.lower().startswith(MODEL_PREFIX):
        return _model_version(db, text)
    with db.reading() as conn:
        stored = _named(conn, text)
        where = _SELECT + " WHERE v.name = ?"
        rows = [] if stored is None else conn.execute(where, (stored,)).fetchall()
        if not rows:
            known = [r[0] for r in conn.execute("SELECT name FROM dataset_versions ORDER BY id")]
            shown = ", ".join(known[-5:]) or "none yet"
            raise VersionError(
                f"no dataset version named {text!r} (versions: {shown}); "
                "`labeldesk version PROJECT list` lists them"
            )
        models = conn.execute(
            "SELECT id FROM model_versions WHERE dataset_version_id = ? ORDER BY id", (rows[0][0],)
        ).fetchall()
    return _version(rows[0], [int(m[0]) for m in models])


def _model_version(db: Database, text: str) -> DatasetVersion:
    written = text[len(MODEL_PREFIX) :].strip().lstrip("#")
    number = (written.lstrip("0") or "0") if written else written
    if not (number.isascii() and number.isdigit()):
        raise VersionError(f"{text[:60]!r}: write model:N with N a model version's number")
    if len(number) > 19 or int(number) > MAX_SQLITE_INT:
        raise VersionError(
            f"no model version {number[:30]} (`labeldesk models PROJECT` lists them)"
        )
    row = db.query("SELECT dataset_version_id FROM model_versions WHERE id = ?", (int(number),))
    if not row:
        raise VersionError(f"no model version {number} (`labeldesk models PROJECT` lists them)")
    if row[0][0] is None:
        raise VersionError(
            f"model version {number} was trained before LabelDesk recorded dataset versions; "
            "its label state is known, not which images it saw"
        )
    name = db.scalar("SELECT name FROM dataset_versions WHERE id = ?", (row[0][0],))
    return get_version(db, str(name))


def _version(row: sqlite3.Row, models: list[int]) -> DatasetVersion:
    return DatasetVersion(
        id=int(row[0]),
        name=row[1],
        note=row[2],
        created_at=float(row[3]),
        author=row[4],
        label_event_id=int(row[5]),
        membership_id=int(row[6]),
        images=int(row[7]),
        automatic=bool(row[8]),
        models=tuple(models),
        classes=None if row[9] is None else tuple(json.loads(row[9])),
    )


def members(db: Database, version: DatasetVersion) -> list[tuple[int, str, str]]:
    """``(image id, path, content hash)`` of the images in ``version``, as they were."""
    rows = db.query(
        "SELECT image_id, path, hash FROM dataset_membership_images WHERE membership_id = ? "
        "ORDER BY image_id",
        (version.membership_id,),
    )
    return [(int(r[0]), r[1], r[2]) for r in rows]


def find_state(db: Database, name: str) -> DatasetVersion | None:
    """The version called ``name`` (or ``model:N``), or None for ``current``: the state now.
    The command line and the notebook API read a state's name the same way."""
    return None if name.strip().lower() == CURRENT else get_version(db, name)
