"""Every keyboard shortcut in one table: actions take their keys from here and the
Help dialog lists the same table, so the two cannot drift apart.

Keys are stored as specs (text or a standard key) and turned into QKeySequences on use:
a standard-key QKeySequence needs a running QGuiApplication, which import time lacks.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QKeyCombination, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence

KeySpec = str | QKeySequence.StandardKey
_Std = QKeySequence.StandardKey

# The N-th class's key: 1-9, then letters (X and Z are taken: exclude and undo).
CLASS_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWY"
LABEL_KEYS: tuple[KeySpec, ...] = (*(str(n) for n in range(1, 10)), *CLASS_LETTERS)
CLEAR_KEYS: tuple[KeySpec, ...] = ("0", "Backspace")
EXCLUDE_KEYS: tuple[KeySpec, ...] = ("X",)
UNDO_KEYS: tuple[KeySpec, ...] = (_Std.Undo,)
# Both common redo keys on every system (StandardKey.Redo is only one of them on each).
REDO_KEYS: tuple[KeySpec, ...] = ("Ctrl+Shift+Z", "Ctrl+Y")
ADD_CLASS_KEYS: tuple[KeySpec, ...] = ("Ctrl+K",)
SEARCH_KEYS: tuple[KeySpec, ...] = (_Std.Find,)
NEW_KEYS: tuple[KeySpec, ...] = (_Std.New,)
OPEN_KEYS: tuple[KeySpec, ...] = (_Std.Open,)
RESCAN_KEYS: tuple[KeySpec, ...] = ("F5",)
EMBED_KEYS: tuple[KeySpec, ...] = ("Ctrl+E",)
QUIT_KEYS: tuple[KeySpec, ...] = ("Ctrl+Q",)  # StandardKey.Quit is unbound on Linux
HELP_KEYS: tuple[KeySpec, ...] = ("F1",)
THEME_KEYS: tuple[KeySpec, ...] = ("Ctrl+Shift+D",)
BROWSER_KEYS: tuple[KeySpec, ...] = ("Ctrl+B",)
STATS_KEYS: tuple[KeySpec, ...] = ("Ctrl+T",)
TRAINING_KEYS: tuple[KeySpec, ...] = ("Ctrl+Shift+T",)
MAP_KEYS: tuple[KeySpec, ...] = ("Ctrl+M",)
VERSIONS_KEYS: tuple[KeySpec, ...] = ("Ctrl+Shift+V",)
DRIFT_KEYS: tuple[KeySpec, ...] = ("Ctrl+Shift+R",)
EXPORT_KEYS: tuple[KeySpec, ...] = ("Ctrl+Shift+E",)
IMPORT_KEYS: tuple[KeySpec, ...] = ("Ctrl+Shift+I",)
REVIEW_ISSUES_KEYS: tuple[KeySpec, ...] = ("Ctrl+I",)
REVIEW_QUEUE_KEYS: tuple[KeySpec, ...] = ("Ctrl+L",)
REVIEW_ACCEPT_KEYS: tuple[KeySpec, ...] = ("Return", "Enter")
REVIEW_KEEP_KEYS: tuple[KeySpec, ...] = ("Space",)
REVIEW_UNDO_KEYS: tuple[KeySpec, ...] = ("Z", _Std.Undo)
REVIEW_REDO_KEYS = REDO_KEYS
REVIEW_PREVIOUS_KEYS: tuple[KeySpec, ...] = ("Left",)
REVIEW_NEXT_KEYS: tuple[KeySpec, ...] = ("Right",)
REVIEW_BACK_KEYS: tuple[KeySpec, ...] = ("Escape",)
SELECT_ALL_KEYS: tuple[KeySpec, ...] = (_Std.SelectAll,)
# The browser's out-of-date "Likely mislabeled" list: show it as the model flags it now
NEW_MATCHES_KEYS: tuple[KeySpec, ...] = ("Alt+S",)  # "show them"
OPEN_LARGE_KEYS: tuple[KeySpec, ...] = ("Return", "Enter")  # the browser's current image
# The labeling queue's button and number (their underlined letters, "&Label …", "&queue")
QUEUE_HELD_OUT_KEYS: tuple[KeySpec, ...] = ("Alt+L",)
QUEUE_REFRESH_KEYS: tuple[KeySpec, ...] = ("Alt+Q",)
MOVE_KEYS: tuple[KeySpec, ...] = ("Left", "Right", "Up", "Down", "Home", "End", "PgUp", "PgDown")
# The large image and the embedding map: zoom (as in a web browser; + and - alone too:
# neither labels, and 0 alone removes a label in the browser, so fitting is Ctrl+0)
ZOOM_IN_KEYS: tuple[KeySpec, ...] = ("+", "=", "Ctrl++", "Ctrl+=")
ZOOM_OUT_KEYS: tuple[KeySpec, ...] = ("-", "Ctrl+-")
ZOOM_FIT_KEYS: tuple[KeySpec, ...] = ("Ctrl+0",)
# The embedding map's selection around its keyboard cursor
MAP_GROW_KEYS: tuple[KeySpec, ...] = ("]",)
MAP_SHRINK_KEYS: tuple[KeySpec, ...] = ("[",)


def with_shift(specs: Sequence[KeySpec]) -> tuple[KeySpec, ...]:
    """``specs`` and, for each letter among them, Shift+letter: the sidebar and the
    keys line show a class's letter as a capital ("A trouser"), and a person who types
    it as one (Shift+A) means the same key; it had done nothing, without a word."""
    shifted = [f"Shift+{s}" for s in specs if isinstance(s, str) and len(s) == 1 and s.isalpha()]
    return (*specs, *shifted)


def fixed_key_use(key: QKeySequence) -> str:
    """What a fixed key of the browser or the review does ("" if ``key`` is none of
    them); menu commands may not take these: the command would win (or Qt would find the
    key ambiguous and do neither), so labeling, Undo, Redo or Add class would stop
    working."""
    fixed: list[tuple[Sequence[KeySpec], str]] = [
        (with_shift(LABEL_KEYS), "labeling with a class"),
        (CLEAR_KEYS, "removing a label"),
        (with_shift(EXCLUDE_KEYS), "excluding"),
        (UNDO_KEYS, "undoing the last change"),
        (REDO_KEYS, "redoing what was undone"),
        (ADD_CLASS_KEYS, "adding a class"),
        (SELECT_ALL_KEYS, "selecting every image"),
        (NEW_MATCHES_KEYS, "showing the flagged list as it is now"),
        (REVIEW_ACCEPT_KEYS, "accepting in review"),
        (REVIEW_KEEP_KEYS, "keeping in review"),
        (REVIEW_UNDO_KEYS, "undoing in review"),
        (MOVE_KEYS, "moving between images"),
        (tuple(f"Shift+{k}" for k in MOVE_KEYS), "extending the selection"),
        (REVIEW_BACK_KEYS, "leaving review"),
        ((*QUEUE_HELD_OUT_KEYS, *QUEUE_REFRESH_KEYS), "the labeling queue"),
        ((*ZOOM_IN_KEYS, *ZOOM_OUT_KEYS, *ZOOM_FIT_KEYS), "zooming the map or a large image"),
        ((*MAP_GROW_KEYS, *MAP_SHRINK_KEYS), "selecting on the map"),
    ]
    text = key.toString()
    for keys, use in fixed:
        if any(s.toString() == text for s in sequences(keys)):
            return use
    return ""


def pressed(event: QKeyEvent, specs: Sequence[KeySpec]) -> bool:
    """Whether ``event`` is one of the keys ``specs``: the keypad's + and - count, and
    so do + and = however the keyboard makes them (Shift+= on many: Qt then adds Shift)."""
    key = event.key()
    mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
    if 0x20 < key < 0x100 and not chr(key).isalnum():  # a symbol: Shift chose it
        mods &= ~Qt.KeyboardModifier.ShiftModifier
    text = QKeySequence(QKeyCombination(mods, Qt.Key(key))).toString()
    return any(s.toString() == text for s in sequences(specs))


def class_key(n: int) -> str:
    """The key that gives the ``n``-th class (0-based), "" when there are too many."""
    return str(LABEL_KEYS[n]) if 0 <= n < len(LABEL_KEYS) else ""


def sequences(specs: Sequence[KeySpec]) -> list[QKeySequence]:
    """QKeySequences for ``specs`` (a standard key may map to several, or none)."""
    result: list[QKeySequence] = []
    for spec in specs:
        if isinstance(spec, str):
            result.append(QKeySequence(spec))
        else:
            result.extend(QKeySequence.keyBindings(spec))
    return [s for s in result if not s.isEmpty()]


def key_words(text: str) -> str:
    """A key as the user reads it on the keyboard and in README: Qt's "Return" is the
    key labelled Enter (and Qt's "Enter", the keypad's, is Enter too)."""
    head, plus, last = text.rpartition("+")
    return head + plus + ("Enter" if last == "Return" else last)


def _text(specs: Sequence[KeySpec]) -> str:
    """Each spec's main key only: "Ctrl+Z", not every platform alias ("Alt+Backspace");
    a key named twice (Return and Enter) once."""
    shown = [sequences((spec,))[:1] for spec in specs]
    words = [key_words(s[0].toString(QKeySequence.SequenceFormat.NativeText)) for s in shown if s]
    return ", ".join(dict.fromkeys(words))


def shortcut_table() -> list[tuple[str, str]]:
    """(keys, what they do) rows for the Help → Keyboard shortcuts dialog."""
    return [
        ("1 … 9, A …", "Label the selected images with the 1st … 9th, 10th … class (then move on)"),
        (_text(CLEAR_KEYS), "Remove the label of the selected images (then move on)"),
        (
            _text(EXCLUDE_KEYS),
            "Exclude the selected images from the dataset, or include again (then move on)",
        ),
        (_text(UNDO_KEYS), "Undo your last change (labels, exclusions, splits, classes)"),
        (_text(REDO_KEYS), "Redo what Undo took back (until you make a new change)"),
        ("Arrow keys, Home, End, PgUp, PgDn", "Move between images"),
        ("Shift+arrows, Shift+click", "Extend the selection"),
        ("Ctrl+click", "Add or remove one image from the selection"),
        (_text(SELECT_ALL_KEYS), "Select every image shown"),
        (
            _text(NEW_MATCHES_KEYS),
            "Likely mislabeled: show the list as the model flags it now (when the line "
            "under Images says it changed)",
        ),
        ("Esc", "Narrow a selection of several images to the current image"),
        (
            _text(OPEN_LARGE_KEYS),
            "Show the current image large (+ and - zoom; any other key or a click closes it)",
        ),
        (
            f"{_text(ZOOM_IN_KEYS[:1])}, {_text(ZOOM_OUT_KEYS[:1])} / {_text(ZOOM_FIT_KEYS)}",
            "In the large image and on the map: zoom in, out / fit (Ctrl+=, Ctrl+- too)",
        ),
        ("Arrow keys (zoomed)", "In the large image: look around it"),
        ("Tab", "Reach the nearest neighbours (arrows move, Enter or Space goes to one)"),
        (_text(SEARCH_KEYS), "Search image paths"),
        ("Enter, Down / Esc", "In the search: back to the images / clear it, then leave it"),
        (_text(ADD_CLASS_KEYS), "Add a class"),
        (_text(NEW_KEYS), "New project from an image folder"),
        (_text(OPEN_KEYS), "Open a project"),
        (_text(RESCAN_KEYS), "Rescan the image folder"),
        (_text(EMBED_KEYS), "Compute embeddings for images that have none"),
        (_text(BROWSER_KEYS), "Show the image browser"),
        (_text(STATS_KEYS), "Show statistics: classes, duplicates, training history"),
        (_text(TRAINING_KEYS), "Train a classifier head or fine-tune the backbone"),
        (_text(MAP_KEYS), "Embedding map: similar images close; box or lasso to the grid"),
        ("Arrow keys", "Map: move between images (to the nearest one that way)"),
        ("Space / Shift+arrows", "Map: select the image or take it out / move and select"),
        (
            f"{_text(MAP_GROW_KEYS)}, {_text(MAP_SHRINK_KEYS)}",
            "Map: select more / fewer images around it (1, 5, 10, 25, …)",
        ),
        ("Enter / Esc", "Map: show the selection in the browser / clear it"),
        (_text(VERSIONS_KEYS), "Dataset versions: name a state, compare, export any"),
        (_text(DRIFT_KEYS), "Drift: is a folder of new images like this project's?"),
        (_text(EXPORT_KEYS), "Export the curated dataset"),
        (_text(IMPORT_KEYS), "Import labels from another tool's file"),
        (_text(THEME_KEYS), "Switch between light and dark theme"),
        (_text(REVIEW_ISSUES_KEYS), "Review likely mislabels, one image at a time"),
        (_text(REVIEW_QUEUE_KEYS), "Label the queue: the unlabeled images most worth labeling"),
        (_text(REVIEW_ACCEPT_KEYS), "Review: accept the suggestion or prediction"),
        ("1 … 9, A …", "Review: give the 1st … 9th, 10th … class"),
        (_text(REVIEW_KEEP_KEYS), "Review: keep the label (verified), or skip in the queue"),
        (_text(EXCLUDE_KEYS), "Review: exclude the image"),
        (_text(REVIEW_UNDO_KEYS), "Review: undo the last decision and go back to its image"),
        (_text(REVIEW_REDO_KEYS), "Review: redo the decision undone, then move on"),
        ("Left, Right", "Review: previous / next image"),
        (_text(REVIEW_BACK_KEYS), "Review: back to the browser"),
        (_text(QUEUE_HELD_OUT_KEYS), "Queue: label val and test images too (when train is done)"),
        (_text(QUEUE_REFRESH_KEYS), "Queue: how often it is refreshed (type, then Enter)"),
        (_text(HELP_KEYS), "Show this list"),
        (_text(QUIT_KEYS), "Quit"),
    ]
