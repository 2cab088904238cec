"""What the browser's grid says when the sidebar's choices leave it empty.

A class, a split, an *Images* choice and a path search narrow one another: a class picked
earlier and a search typed later could leave the grid blank, with only "showing 0" far
off in the status bar, as if the project had no images. The grid now names the choices
that hide the images and how to undo each.
"""

from __future__ import annotations

from labeldesk.browse.image_records import ImageFilter
from labeldesk.gui.sidebar import SHOW_TEXT


def empty_grid_text(wanted: ImageFilter, images: int) -> str:
    """The grid's words with no image shown under ``wanted``, in a project of ``images``
    usable images ("" when it has none: nothing is hidden, there is nothing yet)."""
    if images <= 0:
        return ""
    hiding: list[str] = []
    undo: list[str] = []
    if wanted.selection or wanted.paths is not None or wanted.ranking is not None:
        hiding.append(f"the images {wanted.selection}" if wanted.selection else "a selection")
        undo.append("✕ on the banner drops the selection")
    if wanted.unlabeled or wanted.label is not None:
        hiding.append("class Unlabeled" if wanted.unlabeled else f"class {wanted.label}")
        undo.append("pick All images in the class list")
    if wanted.split is not None:
        hiding.append(f"split {wanted.split}")
        undo.append("pick Split: All")
    if wanted.show != "all":
        hiding.append(f"Images: {SHOW_TEXT.get(wanted.show, wanted.show)}")
        undo.append("pick Images: All images")
    if wanted.search:
        hiding.append(f"path contains “{wanted.search}”")
        undo.append("clear the search (Esc in it)")
    if not hiding:
        return ""
    return (
        f"No image matches {', '.join(hiding)}.\n"
        f"To see more of the {images:,} images: {'; '.join(undo)}."
    )
