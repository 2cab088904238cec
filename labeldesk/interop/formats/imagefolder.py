"""ImageFolder: OUT/<split>/<class>/<file>, the layout torchvision's ``ImageFolder`` reads
(and LabelDesk's own scanner: an export opens as a project with the same labels).
:mod:`.folder_labels` reads it back as labels.

torchvision picks files by extension: a name without one it reads gets its format's,
and a GIF (torchvision reads no ``.gif``) is written as a PNG of its first frame
(:mod:`labeldesk.interop.export_names`); the manifest records both, so the export read
back leads each file to its image."""

from __future__ import annotations

from ..writing import ExportRun, Item, copy_images, register_exporter


@register_exporter("imagefolder")
def _imagefolder(run: ExportRun) -> None:
    """OUT/<split>/<class>/<file>; unlabeled images (if asked for) in OUT/<split>/_unlabeled."""
    for _ in copy_images(
        run,
        _imagefolder_place,
        all_paths=True,
        typed=True,  # torchvision reads files by extension: `noext` would be dropped
        gif_as_png=True,  # and reads no .gif
    ):
        pass


def _imagefolder_place(item: Item) -> str:
    """OUT/<split>/<class>, OUT/<split>/_unlabeled; unlabeled without a split: OUT/_unlabeled
    (as the scanner reads it back: no class, no split)."""
    if item.label is None and item.split == "unassigned":
        return "_unlabeled"
    return f"{item.split}/{item.label or '_unlabeled'}"
