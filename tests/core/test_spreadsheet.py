"""Formula-looking CSV cells are written safe and read back exactly."""

from __future__ import annotations

import pytest

from labeldesk.core.spreadsheet import neutralise, restore


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=cmd|' -C calc'!A0", "'=cmd|' -C calc'!A0"),
        ("+SUM(1;2)", "'+SUM(1;2)"),
        ("-1", "'-1"),
        ("@home", "'@home"),
        ("\tx", "'\tx"),
        ("'=x", "''=x"),  # a value that looks neutralised already keeps its quote
        ("''+y", "'''+y"),
        ("'plain", "'plain"),
        ("coat", "coat"),
        ("", ""),
    ],
)
def test_every_value_round_trips_and_no_cell_starts_a_formula(value, written):
    assert neutralise(value) == written
    assert restore(neutralise(value)) == value
    assert not neutralise(value).startswith(("=", "+", "-", "@", "\t", "\r"))
