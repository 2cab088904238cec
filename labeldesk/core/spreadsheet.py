"""Spreadsheet-safe CSV cells (OWASP, "CSV injection"), written and read back.

A cell that starts like a formula (``=``, ``+``, ``-``, ``@``, tab, carriage return),
other than a plain negative number, is written with a leading apostrophe, so Excel,
LibreOffice and Google Sheets show it as text instead of running it. LabelDesk's CSV
reader takes exactly that apostrophe off again. A cell that already starts with
apostrophes before such a character gets one more, so every value comes back as it was.
"""

from __future__ import annotations

import re

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A negative number is what a spreadsheet shows as one, not a formula: a class named -1
# (class names allow it) is written as it is, so pandas and other readers get -1.
NEGATIVE_NUMBER = re.compile(r"-\d+(\.\d+)?")


def _looks_neutralised(cell: str) -> bool:
    return cell.startswith("'") and cell.lstrip("'").startswith(FORMULA_STARTS)


def neutralise(cell: str) -> str:
    """The cell as an exporter writes it."""
    formula = cell.startswith(FORMULA_STARTS) and not NEGATIVE_NUMBER.fullmatch(cell)
    if formula or _looks_neutralised(cell):
        return f"'{cell}"
    return cell


def restore(cell: str) -> str:
    """The value an exported cell stood for (the inverse of :func:`neutralise`)."""
    return cell[1:] if _looks_neutralised(cell) else cell
