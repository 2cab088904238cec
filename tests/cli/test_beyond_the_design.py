"""README's "Beyond the design" names the `--json` keys LabelDesk prints beyond DESIGN.md's
contract; a script author reads it to know what is there. Each key named here is printed
by its command and named in that section (a key renamed in the code, or one the README
invents, fails here)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from labeldesk.cli import main

README = Path(__file__).resolve().parents[2] / "README.md"


def _section() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("### Beyond the design")
    return text[start : text.index("See `../shared/DESIGN.md`", start)]


def _document(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    capsys.readouterr()
    assert main([*argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def _named(keys: set[str]) -> set[str]:
    """The keys of ``keys`` the section does not name in backquotes."""
    named = set(re.findall(r"`([a-z_]+)`", _section()))
    return keys - named


def test_the_keys_the_section_names_are_printed(clustered_path, tmp_path, capsys):
    fixes = tmp_path / "fixes.csv"
    fixes.write_text("path,label\ntrain/ant/ant0.png,bee\n", encoding="utf-8")
    checked: dict[str, set[str]] = {
        "scan": {"moved", "unchanged", "seconds", "added_skipped", "removed_skipped"},
        "label": {"applied", "changed", "batch", "status_note", "old_class_names"},
        "import": {"format", "skipped", "unmatched", "matched_by_file_name", "skipped_files"},
        "issues": {"verified", "judged"},
        "predict": {"label"},
        "export": {"written", "per_split", "left_out", "missing", "failed", "leakage"},
        "verify": {"ok", "intact", "complete", "labels"},
    }
    printed = {
        "scan": set(_document(capsys, "scan", clustered_path)),
        "label": set(_document(capsys, "label", clustered_path, "--csv", str(fixes))),
        "import": set(_document(capsys, "import", clustered_path, str(fixes))),
        "issues": set(_document(capsys, "issues", clustered_path)[0]),
        "predict": set(_document(capsys, "predict", clustered_path)[0]),
    }
    label_keys = set(_document(capsys, "label", clustered_path, "--csv", str(fixes)))
    assert "skipped_files" in label_keys
    out = tmp_path / "out"
    export = _document(
        capsys, "export", clustered_path, str(out), "--format", "csv", "--exclude-flagged"
    )
    printed["export"] = set(export)
    assert export["flags"] is not None and "judged" in export["flags"]
    assert main(["version", clustered_path, "create", "v1"]) == 0
    out1 = tmp_path / "out1"
    assert main(["export", clustered_path, str(out1), "--version", "v1", "--format", "csv"]) == 0
    printed["verify"] = set(_document(capsys, "version", clustered_path, "verify", str(out1)))
    for command, keys in checked.items():
        assert keys - printed[command] == set(), command
        assert _named(keys) == set(), command
    assert _named({"skipped_files", "flags", "before_class_map"}) == set()
