"""File names with a line break, a carriage return or a terminal escape in them: the
text output keeps one line per image and passes no control character to the terminal;
``--json`` gives the names as they are."""

from __future__ import annotations

import json

from helpers import made_project, write_image

from labeldesk.cli import main
from labeldesk.core.display import printable_text, shown_path

BREAK = "cat/two\nlines.png"
RETURN = "cat/cr\rfake.png"
ESCAPE = "cat/red\x1b[31mtext\x1b[0m.png"


def test_shown_path_quotes_only_names_with_unprintable_characters():
    assert shown_path("cat/a b é.png") == "cat/a b é.png"
    assert shown_path(BREAK) == "'cat/two\\nlines.png'"
    assert shown_path("x\u202egpj.exe") == "'x\\u202egpj.exe'"  # a right-to-left override
    assert printable_text("a\tb\nc\r\x1b[0m") == "a\tb\nc\\r\\x1b[0m"


def test_history_text_keeps_one_line_per_event_and_json_the_names(tmp_path, capsys):
    path = made_project(tmp_path, [BREAK, RETURN, ESCAPE, "cat/plain.png"])
    capsys.readouterr()
    assert main(["history", str(path)]) == 0
    out = capsys.readouterr().out
    assert "\r" not in out and "\x1b" not in out
    lines = out.splitlines()
    assert len(lines) == 4, lines
    for name in (BREAK, RETURN, ESCAPE):
        assert sum(repr(name) in line for line in lines) == 1, (name, lines)
    assert main(["history", str(path), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["path"] for r in rows} == {BREAK, RETURN, ESCAPE, "cat/plain.png"}


def test_skipped_files_and_errors_are_shown_escaped(tmp_path, capsys):
    path = made_project(tmp_path, ["cat/plain.png"])
    (tmp_path / "im" / "cat" / "bad\x1b[2J.png").write_bytes(b"not an image")
    capsys.readouterr()
    assert main(["scan", str(path)]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "'cat/bad\\x1b[2J.png': not an image" in out
    assert main(["label", str(path), "cat/gone\x1b[2J.png", "cat"]) == 1
    err = capsys.readouterr().err
    assert "\x1b" not in err and "gone\\x1b[2J.png" in err


def test_undo_lists_the_images_it_changed_escaped(tmp_path, capsys):
    path = made_project(tmp_path, ["cat/plain.png"])
    write_image(tmp_path / "im" / "cat" / BREAK.split("/")[1], seed=9)
    assert main(["scan", str(path)]) == 0
    assert main(["label", str(path), BREAK, "-"]) == 0
    capsys.readouterr()
    assert main(["undo", str(path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("Undid ") and f"“unlabel {shown_path(BREAK)}”" in lines[0]
    assert lines[1:] == [f"  {shown_path(BREAK)}"]


def test_version_diff_lists_each_image_on_one_line(tmp_path, capsys):
    path = made_project(tmp_path, [BREAK, "cat/plain.png"])
    assert main(["version", str(path), "create", "v0"]) == 0
    assert main(["label", str(path), BREAK, "-"]) == 0
    capsys.readouterr()
    assert main(["version", str(path), "diff", "v0"]) == 0
    assert f"  {shown_path(BREAK)}: 'cat' → ∅" in capsys.readouterr().out.splitlines()
