"""The project's classes: valid names, a stable key order, and aliases left by renames.

Order (it decides the number keys 1-9, A…): the classes a person named before any class
was found (``new --classes``) in the order given, then the classes found in folder names
or label files in natural order ("class2" before "class10"), then the classes a person
added later, in the order added. So a scan, a re-scan, a resumed scan and a labels file
give the same keys for the same classes. A new class is inserted at its place; existing
classes never change their order (a renamed class keeps its key).

Renaming, merging or removing a class leaves an alias, so a later scan that finds the old
folder name again files those images under the new name (or leaves them unlabeled) instead
of bringing the old class back.

One name is one class whatever its Unicode form: ``café`` typed on a keyboard (NFC) and
``café`` from a macOS folder or a zip (NFD) find the same class. New classes are stored
in NFC; a class an older version stored in NFD keeps its spelling (nothing is renamed
behind a person's back) and is found by either form. Should a project hold two classes
that differ only in form, a name finds the one spelt exactly like it, otherwise the
first of them in key order.

Nor does case make a new class: ``Bag`` beside ``bag`` would be one folder on Windows
and macOS, and one class to the person who typed it. A name that differs from a class
only in case (after stripping outer spaces, in any Unicode form) is refused when a person
adds it, renames a class to it or a label file would create it (:class:`CaseTwinError`,
naming the class there is). Scans and repairs take the names as the folders and labels
hold them, so a project that already has such a pair (from two folders) opens and works.
"""

from __future__ import annotations

import re
import sqlite3
import time
import unicodedata
from collections.abc import Iterable

from .class_colours import keep_colours
from .display import KNOWN_CLASSES_SHOWN, NOT_UNICODE, not_unicode, quoted_names
from .errors import CaseTwinError, UnknownClassError
from .layout import UNLABELED_FOLDER

MAX_NAME_BYTES = 255  # a class name becomes a folder name on export
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


# What a spreadsheet runs as a formula (OWASP's CSV-injection triggers), except numbers.
_FORMULA = re.compile(r"^[=+@]|^-(?!\d+(\.\d+)?$)")


def class_name_problem(name: object) -> str | None:
    """Why ``name`` (after stripping outer spaces) cannot be a class name, or None.

    A name only Windows (or a USB stick) cannot hold as a folder (``a:b``, ``CON``) is a
    class name: :mod:`.portable_names` notes it, an export refuses it where the disk does."""
    if not isinstance(name, str):
        return "a class name must be text"
    cleaned = name.strip()
    if not cleaned:
        return "a class name cannot be empty"
    odd = not_unicode(cleaned)
    if odd is not None:
        return f"a class name cannot hold {odd!r}, {NOT_UNICODE}"
    if _CONTROL.search(cleaned):
        return "a class name cannot contain control characters (newline, tab, NUL)"
    if "/" in cleaned or "\\" in cleaned:
        return "a class name cannot contain a slash or a backslash"
    if cleaned.startswith("."):
        return "a class name cannot start with '.' (such folders are hidden and not read)"
    if _FORMULA.match(cleaned):
        return (
            "a class name cannot start with =, +, - or @ (a spreadsheet would run it as a "
            "formula); a number such as -1 is fine"
        )
    if cleaned.lower() == UNLABELED_FOLDER:
        return f"{UNLABELED_FOLDER!r} is the folder of unlabeled images, not a class"
    if len(cleaned.encode("utf-8")) > MAX_NAME_BYTES:
        return f"a class name can be at most {MAX_NAME_BYTES} bytes long"
    return None


def validate_class_name(name: object) -> str:
    """The normalised name (outer spaces stripped); raises UnknownClassError if invalid."""
    problem = class_name_problem(name)
    if problem is not None:
        raise UnknownClassError(f"invalid class name {name!r}: {problem}")
    assert isinstance(name, str)
    return name.strip()


def nfc(name: str) -> str:
    """The composed form: what a keyboard types, and how new classes are stored."""
    return unicodedata.normalize("NFC", name)


def folded(name: str) -> str:
    """What two names that differ only in case or Unicode form have in common."""
    return nfc(nfc(name.strip()).casefold())


class NameIndex:
    """Finds the stored spelling of a name given in any Unicode form (see the module doc)."""

    def __init__(self, stored: Iterable[str]):
        self.exact = set()
        self.by_form: dict[str, str] = {}
        self.by_fold: dict[str, str] = {}
        for name in stored:  # in key order: the first of two look-alikes wins
            self.exact.add(name)
            self.by_form.setdefault(nfc(name), name)
            self.by_fold.setdefault(folded(name), name)

    def find(self, name: str) -> str | None:
        return name if name in self.exact else self.by_form.get(nfc(name))

    def twin(self, name: str) -> str | None:
        """The class that ``name`` (no class itself) differs from only in case, or None."""
        return None if self.find(name) is not None else self.by_fold.get(folded(name))


_ONE_FOLDER = "one class, and one folder on Windows and macOS"


def case_twin_problem(name: str, index: NameIndex, adding: dict[str, str]) -> str | None:
    """Why ``name`` (no class) cannot become one: it differs only in case from a class or
    from a name in ``adding`` (classes about to be added, by :func:`folded` name, where
    ``name`` is noted), else None."""
    twin = index.twin(name)
    if twin is not None:
        return (
            f"{name!r} differs from the class {twin!r} only in case ({_ONE_FOLDER}): "
            f"use {twin!r}, or rename {twin!r} first"
        )
    earlier = adding.setdefault(folded(name), name)
    if nfc(earlier) != nfc(name):
        return f"{name!r} and {earlier!r} differ only in case ({_ONE_FOLDER}): pick one"
    return None


def refuse_case_twins(index: NameIndex, names: list[str]) -> None:
    """CaseTwinError for the first of ``names`` (new classes) that differs only in case
    from a class or from an earlier name of ``names``."""
    adding: dict[str, str] = {}
    for name in names:
        problem = case_twin_problem(name, index, adding)
        if problem is not None:
            none = "; no class was added" if len(names) > 1 else ""
            raise CaseTwinError(f"cannot add class {name!r}: {problem}{none}")


def case_twins(
    conn: sqlite3.Connection, names: Iterable[str], allowed: dict[str, str], batch_id: int
) -> dict[str, str]:
    """The names of ``names`` that no class has but that differ only in case from a
    class someone made after batch ``batch_id`` (an undo or a redo of that batch must
    not make them: a pair there was before, from two folders, may come back), each with
    that class. ``allowed``: name -> the class that becomes it (a rename ``bag`` ->
    ``Bag`` taken back or made again), which is no twin of it."""
    index = class_index(conn)
    found: dict[str, str] = {}
    for name in names:
        twin = index.twin(name)
        if twin is not None and allowed.get(name) != twin and _made_since(conn, twin, batch_id):
            found[name] = twin
    return found


def _made_since(conn: sqlite3.Connection, name: str, batch_id: int) -> bool:
    """Was class ``name`` added, or another class renamed to it, after batch ``batch_id``?"""
    row = conn.execute(
        "SELECT 1 FROM classes c JOIN label_batches b ON b.id = ? "
        "WHERE c.name = ? AND c.created_at > b.created_at UNION ALL "
        "SELECT 1 FROM class_events WHERE op = 'rename' AND target = ? AND batch_id > ?",
        (batch_id, name, name, batch_id),
    ).fetchone()
    return row is not None


def class_index(conn: sqlite3.Connection) -> NameIndex:
    return NameIndex(class_names(conn))


def canonical_name(conn: sqlite3.Connection, name: object) -> str:
    """A valid name as the project spells it: the stored class it matches in any Unicode
    form, else its NFC form (how a new class is stored)."""
    cleaned = validate_class_name(name)
    return class_index(conn).find(cleaned) or nfc(cleaned)


def split_escaped(text: str, sep: str, *, keep_escapes: bool = False) -> list[str]:
    """``text`` cut at each ``sep`` that no backslash precedes: ``bag\\, leather,coat`` is
    ``["bag, leather", "coat"]``. A class name holds no backslash, so a list of names
    written on one line (``classes --add``, ``--class-map``) is never ambiguous. With
    ``keep_escapes`` the backslashes stay, for a second cut (``old=new`` pairs)."""
    parts: list[str] = []
    current: list[str] = []
    chars = iter(text)
    for ch in chars:
        if ch == "\\":
            escaped = next(chars, "")
            if keep_escapes or escaped not in ("\\", ",", "="):
                current.append(ch + escaped)  # (any other stays: a name refuses it)
            else:
                current.append(escaped)
        elif ch == sep:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return parts


def split_names(text: str | None) -> list[str]:
    """Comma-separated class names (``\\,`` a comma in a name), trimmed, blanks dropped."""
    return [n.strip() for n in split_escaped(text or "", ",") if n.strip()]


def names_to_add(text: str | None) -> list[str]:
    """:func:`split_names` of a line typed to add classes (``classes --add``, the app's
    Add class…), refused when it names none: empty, spaces or only commas is an empty
    class name, never a quiet "nothing to add". A blank between two names (``a,,b``, a
    trailing comma) is skipped, as :func:`split_names` does."""
    names = split_names(text)
    if not names:
        given = "no class name given" if not (text or "").strip() else f"no class name in {text!r}"
        raise UnknownClassError(f"{given}: {class_name_problem('')}")
    return names


def natural_key(name: str) -> tuple:
    """Case-insensitive order with numbers compared as numbers."""
    parts = re.split(r"(\d+)", name.casefold())
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in parts if p), name


def class_names(conn: sqlite3.Connection) -> list[str]:
    return [r[0] for r in conn.execute("SELECT name FROM classes ORDER BY position, id")]


FOUND, NAMED_FIRST, NAMED_LATER = 0, 1, 2  # classes.origin


def add_classes(
    conn: sqlite3.Connection,
    names: Iterable[str],
    *,
    explicit: bool = True,
    as_given: bool = False,
    case_twins: bool = False,
) -> list[str]:
    """Add the classes that no class matches yet (in any Unicode form); return the new
    ones, in NFC.

    ``explicit``: a person named them (they keep the order given); otherwise they were
    found in folders or a labels file and take their place in natural order.
    ``as_given``: keep each exact spelling (an undo bringing back the class its images'
    labels still spell that way), matching classes by that spelling only.
    ``case_twins``: take a name that differs from a class (or another name) only in case
    (what folders hold); otherwise CaseTwinError and nothing is added. ``as_given``
    takes them too: an undo brings back what was there.
    """
    index = class_index(conn)
    added: list[str] = []
    for raw in names:
        name = validate_class_name(raw)
        new = name if as_given else nfc(name)
        known = name in index.exact if as_given else index.find(name) is not None
        if not known and new not in added:
            added.append(new)
    if not added:
        return []
    if not (case_twins or as_given):
        refuse_case_twins(index, added)
    if not explicit:
        origin = FOUND
    elif conn.execute("SELECT 1 FROM classes WHERE origin = ?", (FOUND,)).fetchone():
        origin = NAMED_LATER
    else:
        origin = NAMED_FIRST
    order = conn.execute("SELECT id, name, origin FROM classes ORDER BY position, id").fetchall()
    rows: list[tuple[int | None, str, int]] = [(r[0], r[1], r[2]) for r in order]
    for name in added:
        rows.insert(_place(rows, name, origin), (None, name, origin))
    # A class named again after it was removed or renamed is no longer an alias.
    drop_aliases(conn, added)
    keep_colours(conn)  # the classes there are keep their colours, whatever their places
    now = time.time()
    for position, (class_id, name, row_origin) in _kept_places(conn, rows):
        if class_id is None:
            conn.execute(
                "INSERT INTO classes(name, position, created_at, origin) VALUES (?, ?, ?, ?)",
                (name, position, now, row_origin),
            )
        else:
            conn.execute("UPDATE classes SET position = ? WHERE id = ?", (position, class_id))
    keep_colours(conn)
    return added


def _kept_places(
    conn: sqlite3.Connection, rows: list[tuple[int | None, str, int]]
) -> list[tuple[int, tuple[int | None, str, int]]]:
    """The position each of ``rows`` (in their order) gets: a class keeps its own unless
    one put before it takes it (then it and those after it move down one, no further).
    The empty places removed classes left stay empty: an undo puts a class back in its
    place by number, and numbering them all afresh (as before) moved the others into
    it, so an undone removal came back after a class it had been before."""
    held = dict(conn.execute("SELECT id, position FROM classes").fetchall())
    placed: list[tuple[int, tuple[int | None, str, int]]] = []
    free = 0
    for row in rows:
        own = held.get(row[0]) if row[0] is not None else None
        position = free if own is None else max(int(own), free)
        placed.append((position, row))
        free = position + 1
    return placed


def _place(rows: list[tuple[int | None, str, int]], name: str, origin: int) -> int:
    """Where a new class goes: found ones in natural order among the found (before any
    named later), named ones at the end. Existing classes never change their order."""
    if origin != FOUND:
        return len(rows)
    key = natural_key(name)
    for i, (_, other, other_origin) in enumerate(rows):
        if other_origin == NAMED_LATER or (other_origin == FOUND and natural_key(other) > key):
            return i
    return len(rows)


def class_exists(conn: sqlite3.Connection, name: str) -> bool:
    return conn.execute("SELECT 1 FROM classes WHERE name = ?", (name,)).fetchone() is not None


def require_class(conn: sqlite3.Connection, name: str) -> str:
    """The stored name of the class ``name`` finds (in any Unicode form)."""
    cleaned = validate_class_name(name)
    stored = class_index(conn).find(cleaned)
    if stored is None:
        known = quoted_names(class_names(conn), KNOWN_CLASSES_SHOWN) or "none yet"
        raise UnknownClassError(f"no class {cleaned!r}; known classes: {known}")
    return stored


def class_position(conn: sqlite3.Connection, name: str) -> tuple[int, int]:
    row = conn.execute("SELECT position, origin FROM classes WHERE name = ?", (name,)).fetchone()
    return (int(row[0]), int(row[1])) if row else (0, 0)


def undo_rename(conn: sqlite3.Connection, old: str, new: str, batch_id: int) -> None:
    """Take back the rename of batch ``batch_id``: ``new`` is called ``old`` again, in the
    same place, and made no later than that batch (the class was there before it). A
    class ``new`` that an undo brought back since (a merge of it undone) was made then:
    a redo of the rename took ``old`` for a class made after the rename, someone else's,
    and left it, empty, making ``new`` a class at the end without the alias."""
    conn.execute(
        "UPDATE classes SET name = ?, created_at = MIN(created_at, "
        "(SELECT created_at FROM label_batches WHERE id = ?)) WHERE name = ?",
        (old, batch_id, new),
    )
    conn.execute("DELETE FROM class_aliases WHERE alias IN (?, ?)", (old, new))


def point_aliases(conn: sqlite3.Connection, names: list[str], target: str) -> None:
    """Make old names lead to ``target`` again (undo of a rename or a removal), also
    those a later change dropped; a name that is a class now stays a class."""
    index = class_index(conn)
    for name in names:
        if index.find(name) is None:
            set_alias(conn, name, target)


def aliases_of(conn: sqlite3.Connection, name: str) -> list[str]:
    return [r[0] for r in conn.execute("SELECT alias FROM class_aliases WHERE target = ?", (name,))]


def rename_in_table(conn: sqlite3.Connection, old: str, new: str) -> None:
    conn.execute("UPDATE classes SET name = ? WHERE name = ?", (new, old))
    # ``new`` is a class again: an alias left by its earlier removal or rename would send
    # its folder's new files elsewhere (as add_classes drops it for a name added again).
    drop_aliases(conn, [new])
    conn.execute("UPDATE class_aliases SET target = ? WHERE target = ?", (new, old))
    set_alias(conn, old, new)


def delete_from_table(conn: sqlite3.Connection, name: str, alias_to: str | None) -> None:
    keep_colours(conn, removing=[name])
    conn.execute("DELETE FROM classes WHERE name = ?", (name,))
    keep_colours(conn)
    conn.execute("UPDATE class_aliases SET target = ? WHERE target = ?", (alias_to, name))
    set_alias(conn, name, alias_to)


def restore_in_table(conn: sqlite3.Connection, name: str, position: int, origin: int) -> None:
    """Put a removed class back where it was (undo). The classes after it move down one
    only when another holds its place: a removal leaves its place empty, and moving them
    anyway put the next class restored (an earlier merge undone) after one it had been
    before, so its key and theirs were not the ones they had."""
    if not class_exists(conn, name):
        keep_colours(conn)
        taken = conn.execute("SELECT 1 FROM classes WHERE position = ?", (position,)).fetchone()
        if taken:
            conn.execute(
                "UPDATE classes SET position = position + 1 WHERE position >= ?", (position,)
            )
        conn.execute(
            "INSERT INTO classes(name, position, created_at, origin) VALUES (?, ?, ?, ?)",
            (name, position, time.time(), origin),
        )
        keep_colours(conn)  # its colour from before its removal, if no class took it
    conn.execute("DELETE FROM class_aliases WHERE alias = ?", (name,))


def drop_aliases(conn: sqlite3.Connection, names: list[str]) -> None:
    """Forget the aliases that ``names`` find in any Unicode form (they are classes now)."""
    forms = {nfc(n) for n in names}
    stale = [a for a in aliases(conn) if nfc(a) in forms]
    conn.executemany("DELETE FROM class_aliases WHERE alias = ?", [(a,) for a in stale])


def set_alias(conn: sqlite3.Connection, alias: str, target: str | None) -> None:
    conn.execute(
        "INSERT INTO class_aliases(alias, target) VALUES (?, ?) "
        "ON CONFLICT(alias) DO UPDATE SET target = excluded.target",
        (alias, target),
    )


def aliases(conn: sqlite3.Connection) -> dict[str, str | None]:
    """Old class name -> the class its images now go to (None: unlabeled)."""
    return {r[0]: r[1] for r in conn.execute("SELECT alias, target FROM class_aliases")}


def drop_unused_found(conn: sqlite3.Connection) -> list[str]:
    """Remove the classes taken from folder names that no image carries (a new project
    whose labels file renamed everything, or whose folders only hold a layout); returns
    their names. Classes a person named are kept, used or not."""
    unused = [
        row[0]
        for row in conn.execute(
            "SELECT name FROM classes c WHERE origin = ? AND NOT EXISTS "
            "(SELECT 1 FROM images i WHERE i.label = c.name AND i.removed_at IS NULL)",
            (FOUND,),
        )
    ]
    for name in unused:
        delete_from_table(conn, name, alias_to=None)
    return unused
