"""The rows of a label file, kept compactly: a million rows of a 30 MB CSV.

A :class:`LabelRow` per row as a Python tuple costs about 200 bytes (the tuple, its line
number, the list slot) besides the path; :class:`RowTable` keeps the paths in a list and
everything else in arrays of small codes, and makes each row's tuple only when it is
read. It is a sequence of :class:`LabelRow` (``len``, indexing, iterating, ``append``,
``extend``), so code that reads rows does not tell it from a list.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator, Sequence
from typing import NamedTuple, overload

from .label_status import KEEP_STATUS


class LabelRow(NamedTuple):  # a tuple: a million of them are made quickly
    path: str  # as written in the file; made project-relative when applied
    label: str | None  # a valid class name (outer spaces stripped), None = unlabeled
    split: str | None  # train / val / test, None = leave the split as it is
    line: int  # line where the row starts (JSON lists and objects: entry number)
    keep_label: bool = False  # a split only: the image keeps its label (``label`` unused)
    status: str = KEEP_STATUS  # verified / excluded / unreviewed; "": keep it (label_status)
    # A row that keeps the image's label (``keep_label``) and says ``verified`` for a
    # label: it verifies only an image that has that label when it is applied
    verified_label: str | None = None


class _Codes:
    """Distinct values, each numbered once (a label file repeats its few classes)."""

    def __init__(self, first: object) -> None:
        self.values: list[object] = [first]
        self.codes: dict[object, int] = {first: 0}

    def code(self, value: object) -> int:
        code = self.codes.get(value)
        if code is None:
            code = self.codes[value] = len(self.values)
            self.values.append(value)
        return code


class RowTable(Sequence[LabelRow]):
    """:class:`LabelRow` s stored as columns: paths, and arrays of line numbers and of
    codes for the label, split, status and keep-label flag; the few rows' verified label
    by row."""

    def __init__(self, rows: Iterable[LabelRow] = ()) -> None:
        self._paths: list[str] = []
        self._lines = array("q")
        self._labels = array("l")  # code in self._label_values
        self._splits = array("l")
        self._statuses = array("l")
        self._keep = bytearray()
        self._bound: dict[int, str] = {}  # row -> its verified_label (few rows have one)
        self._label_values = _Codes(None)
        self._split_values = _Codes(None)
        self._status_values = _Codes(KEEP_STATUS)
        self.extend(rows)

    def append(self, row: LabelRow) -> None:
        self._paths.append(row.path)
        self._lines.append(row.line)
        self._labels.append(self._label_values.code(row.label))
        self._splits.append(self._split_values.code(row.split))
        self._statuses.append(self._status_values.code(row.status))
        self._keep.append(1 if row.keep_label else 0)
        if row.verified_label is not None:
            self._bound[len(self._paths) - 1] = row.verified_label

    def extend(self, rows: Iterable[LabelRow]) -> None:
        for row in rows:
            self.append(row)

    def clear_statuses(self) -> None:
        """Every row keeps its image's status (a status column that was not read)."""
        self._statuses = array("l", bytes(len(self._statuses) * self._statuses.itemsize))
        self._bound.clear()

    def __len__(self) -> int:
        return len(self._paths)

    @overload
    def __getitem__(self, index: int) -> LabelRow: ...

    @overload
    def __getitem__(self, index: slice) -> list[LabelRow]: ...

    def __getitem__(self, index: int | slice) -> LabelRow | list[LabelRow]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        return LabelRow(
            self._paths[index],
            self._label_values.values[self._labels[index]],  # type: ignore[arg-type]
            self._split_values.values[self._splits[index]],  # type: ignore[arg-type]
            self._lines[index],
            bool(self._keep[index]),
            self._status_values.values[self._statuses[index]],  # type: ignore[arg-type]
            self._bound.get(index % len(self) if index < 0 else index),
        )

    def __iter__(self) -> Iterator[LabelRow]:
        labels, splits = self._label_values.values, self._split_values.values
        statuses = self._status_values.values
        bound = self._bound
        for i, (path, line, label, split, keep, status) in enumerate(
            zip(
                self._paths,
                self._lines,
                self._labels,
                self._splits,
                self._keep,
                self._statuses,
                strict=True,
            )
        ):
            yield LabelRow(
                path,
                labels[label],
                splits[split],
                line,
                keep == 1,
                statuses[status],
                bound.get(i) if bound else None,
            )

    def __eq__(self, other: object) -> bool:  # (as a list of the same rows would be)
        if isinstance(other, (RowTable, list)):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # (mutable, like a list)

    def __repr__(self) -> str:
        return f"RowTable({list(self)!r})"


Rows = list[LabelRow] | RowTable  # a LabelFile's rows: a reader's list, or a big file's table
__all__ = ["LabelRow", "RowTable", "Rows"]
