"""What to tell a person when the class keys moved (a class added before others, merged,
removed or back): the labeling keys' notice (:mod:`labeldesk.gui.labeling`)."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from labeldesk.core.display import quoted_names
from labeldesk.gui import shortcuts


def keys_moved(
    before: Sequence[str], after: Sequence[str], known: Collection[str] = ()
) -> str | None:
    """What to tell a person when classes that had keys got others: new classes (a scan
    found a class folder, an import added classes) took their keys (the classes are kept
    in natural order, so ``accessory`` comes before ``bag``), or a class merged or removed
    gave its key to the next (pullover merged into coat: sandal's 6 is now 5, and 6 is
    shirt), or one came back (the undo of a removal or merge: ``known`` classes, not
    called new). None when no class that had a key moved (a class added at the end, a
    rename)."""
    if not before:
        return None
    came = [c for c in after if c not in before]
    added = [c for c in came if c not in known]
    back = [c for c in came if c in known]
    gone = [c for c in before if c not in after] if len(after) < len(before) else []
    moved = [
        (c, before.index(c), n) for n, c in enumerate(after) if c in before and before.index(c) != n
    ]
    if not (came or gone) or not moved:
        return None
    changes = ", ".join(
        f"{c!r} is now {shortcuts.class_key(new) or 'without a key'} "
        f"(was {shortcuts.class_key(old) or 'none'})"
        for c, old, new in moved[:6]
    )
    more = f" and {len(moved) - 6} more" if len(moved) > 6 else ""
    if added:
        what = f"New class {quoted_names(added, limit=3)}"
    elif back:  # (an undo of a removal or merge: the keys it moved move back)
        what = f"Class {quoted_names(back, limit=3)} back"
    else:
        what = f"Class {quoted_names(gone, limit=3)} gone"
    return f"{what}: class keys changed. {changes}{more}."
