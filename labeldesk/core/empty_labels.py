"""A label column with no labels in it: refused, not applied as "unlabel every image".

An empty label cell unlabels its image, so a CSV or Parquet file read with the wrong
label column (``--label-column status``, a column a tool leaves empty) would unlabel
every image it names, as one batch an undo takes back, but without a word before. A
label column that holds no label in any row is refused, naming the columns that do hold
values, unless the person asks for it (``--empty-labels``); one that is empty in most
rows is said in the summary (:func:`empty_labels_note`). A file of one row is not
refused: leaving its label empty is how a file removes one image's label.

The same holds for the files that have no label column but give each entry a label or
``null`` (a JSON or JSON Lines label file, a FiftyOne ``labels.json``, a WebDataset
sample's ``.json``): a file whose every entry gives ``null`` (a FiftyOne export of images
not labeled yet) unlabeled every image it names, in one silent batch; it is refused the
same way. A Label Studio export never unlabels: a task without an annotation leaves its
image's label as it is.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from .display import counted
from .errors import LabelFileError
from .json_shown import quoted

EMPTY_LABELS_FLAG = "--empty-labels"


class LabelFile(Protocol):  # (:class:`.label_read.LabelFile`, which reads this module)
    source: str
    unit: str  # what a row is called: "line", "entry", "row"
    label_column: str  # as the header names it; "": not a column of a table
    label_rows: int  # rows with a label cell (split-only rows aside)
    empty_labels: int  # of them, those whose label cell is empty
    filled_columns: list[str]  # (only when every label cell is empty)
    empty_labels_ok: bool
    nothing_to_unlabel: bool  # no image held a label to lose: they stay unlabeled
    json: bool  # read from JSON: its names are quoted as JSON writes them


class FilledColumns:
    """Which columns of a table hold a value (not blank) in some row, found as its rows
    are read: a column is looked at only until its first value, and none once the label
    column (``label``: its position) has one (the columns are named only when it has
    none: then what this says is no longer kept up)."""

    def __init__(self, names: Sequence[str], label: int | None = None):
        self.names = [name.strip() for name in names]
        self._empty = set(range(len(names)))
        self._label = label

    def see(self, cells: Sequence[object]) -> bool:
        """Note a row's ``cells``; whether no further row needs to be seen."""
        width = len(cells)
        label = self._label
        if label is not None and label < width and has_value(cells[label]):
            return True  # (the label column has a label: no column needs naming)
        filled = [i for i in self._empty if i < width and has_value(cells[i])]
        self._empty.difference_update(filled)
        return not self._empty

    def see_column(self, i: int, cells: Iterable[object]) -> None:
        """``cells`` are column ``i``'s (a table read by column)."""
        if i in self._empty and any(has_value(cell) for cell in cells):
            self._empty.discard(i)

    def names_filled(self) -> list[str]:
        return [name for i, name in enumerate(self.names) if i not in self._empty]


def has_value(cell: object) -> bool:
    return cell is not None and (not isinstance(cell, str) or bool(cell.strip()))


def is_empty_label(label: object) -> bool:
    """Whether a record's label unlabels its image (an empty or blank cell, null)."""
    if label is None or label == "":
        return True
    return isinstance(label, str) and label[0].isspace() and not label.strip()


def no_label_in(found: LabelFile) -> bool:
    """Whether ``found`` read a label column and no row of it holds a label, one row
    included: then the columns with values are found, for :func:`refuse_empty_label_column`
    (one of a dataset's metadata files is counted with the others)."""
    return bool(found.label_column) and 0 < found.label_rows == found.empty_labels


def all_labels_empty(found: LabelFile) -> bool:
    """Whether no row of ``found`` holds a label (its label column, or each entry's label
    in a file without columns), in a file of more than one row (a row that unlabels its
    one image is how a file removes a label, and a mistake there changes one image)."""
    return 1 < found.label_rows == found.empty_labels


def refuse_empty_label_column(found: LabelFile) -> None:
    """Raise :class:`LabelFileError` when ``found``'s label column holds no label at all
    (unless ``found.empty_labels_ok``): every row would unlabel its image."""
    if found.empty_labels_ok or not all_labels_empty(found):
        return
    if not found.label_column:  # (JSON, FiftyOne: each entry gives a label or null)
        raise LabelFileError(
            found.source,
            [
                f"all {counted(found.label_rows, found.unit, _plural(found.unit))} give no "
                "label (null or empty): reading the file would unlabel every image they "
                "name (give --empty-labels to unlabel them)"  # (as written: gui.app_words)
            ],
        )
    filled = [name for name in found.filled_columns if name != found.label_column]
    shown = ", ".join(quoted(name[:60], found.json) for name in filled[:20])
    more = f" and {len(filled) - 20} more" if len(filled) > 20 else ""
    holding = f"the columns with values are {shown}{more}" if filled else "no column has values"
    column = quoted(found.label_column, found.json)
    raise LabelFileError(
        found.source,
        [
            f"the label column {column} is empty in all {found.label_rows:,} "
            f"rows: reading it would unlabel every image they name; {holding} (name the "
            f"label column with "
            "--label-column COL, or give --empty-labels to unlabel them)"
        ],
    )


def empty_labels_note(found: LabelFile) -> str:
    """A line for the summary when most rows of ``found``'s label column are empty (each
    unlabels its image, or leaves it unlabeled where no image held a label), or ""."""
    empty, rows = found.empty_labels, found.label_rows
    if not rows or empty * 2 <= rows:
        return ""
    one = empty == 1
    if found.nothing_to_unlabel:
        result = f"{'its image stays' if one else 'their images stay'} unlabeled"
    else:
        result = f"{'it unlabels its image' if one else 'they unlabel their images'}"
    if not found.label_column:
        units = counted(rows, found.unit, _plural(found.unit))
        return f"{empty:,} of {units} {'gives' if one else 'give'} no label: {result}"
    result = (
        "those rows' images stay unlabeled"
        if found.nothing_to_unlabel
        else "those rows unlabel their images"
    )
    return (
        f"the label column {quoted(found.label_column, found.json)} is empty in {empty:,} of "
        f"{counted(rows, 'row')}: {result}"
    )


def _plural(unit: str) -> str:
    return "entries" if unit == "entry" else unit + "s"
