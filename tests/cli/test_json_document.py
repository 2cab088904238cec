"""A ``--json`` document written in pieces is the text json.dump writes of it whole."""

from __future__ import annotations

import json

from labeldesk.cli.json_document import document_text, json_safe


def test_pieces_are_the_text_json_dump_writes():
    rows = [
        {"path": "train/cat/a.jpg", "old": None, "new": "cat"},
        {"path": 'ü\n"quoted"\\\u2028\x00', "label": "é"},  # escapes, non-ASCII
        {"path": "x", "n": 3, "nan": float("nan"), "list": [1, {"b": None}], "empty": {}},
        {"path": "y", "yes": True},
        {},
        {1: "a key that is a number"},
    ]
    doc = {"a": "v1", "rows": rows, "counts": {"rows": 6}, "none": [], "nothing": {}}
    pieces = document_text((k, iter(v) if isinstance(v, list) else v) for k, v in doc.items())
    assert "".join(pieces) == json.dumps(json_safe(doc), indent=2, default=str)
    assert "".join(document_text([])) == json.dumps({}, indent=2)
