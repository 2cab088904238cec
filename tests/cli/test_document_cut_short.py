"""A `--json` document written as it is read (`version diff`) that fails part-way: the
error is one line on stderr with the exit code of that failure, as for any command, not
a traceback (Ctrl+C: Python's KeyboardInterrupt; `kill`: exit 130 instead of 143), and
no error document is glued onto the half-written one."""

from __future__ import annotations

import json
import sqlite3

import pytest

from labeldesk.cli import Terminated, json_document, main


@pytest.fixture
def diffed(project, capsys):
    project.close()
    proj = str(project.path)
    assert main(["version", proj, "create", "v1"]) == 0
    assert main(["label", proj, "train/cat/cat0.jpg", "dog"]) == 0
    assert main(["label", proj, "train/cat/cat1.jpg", "dog"]) == 0
    capsys.readouterr()
    return proj


def _failing_after(monkeypatch, pieces: int, error: BaseException) -> None:
    whole = json_document.document_text

    def cut(pairs):
        for n, piece in enumerate(whole(pairs)):
            if n == pieces:
                raise error
            yield piece

    monkeypatch.setattr(json_document, "document_text", cut)


@pytest.mark.parametrize(
    ("error", "code", "said"),
    [
        (KeyboardInterrupt(), 130, "error: interrupted"),
        (Terminated(), 143, "error: terminated"),
        (sqlite3.OperationalError("disk I/O error"), 1, "disk I/O error"),
    ],
)
def test_a_document_cut_short_ends_with_the_error_on_stderr(
    diffed, capsys, monkeypatch, error, code, said
):
    _failing_after(monkeypatch, 3, error)
    assert main(["version", diffed, "diff", "v1", "--json"]) == code
    captured = capsys.readouterr()
    assert captured.out.startswith('{\n  "a": "v1"') and captured.out.endswith("\n")
    with pytest.raises(json.JSONDecodeError):  # cut short: no reader takes it as whole
        json.loads(captured.out)
    assert '"kind"' not in captured.out and said in captured.err
    assert "Traceback" not in captured.err


def test_a_failure_before_the_document_begins_is_the_error_document(diffed, capsys, monkeypatch):
    _failing_after(monkeypatch, 0, KeyboardInterrupt())
    assert main(["version", diffed, "diff", "v1", "--json"]) == 130
    assert json.loads(capsys.readouterr().out) == {"error": "interrupted", "kind": "Interrupted"}


def test_the_whole_document_is_unchanged(diffed, capsys):
    assert main(["version", diffed, "diff", "v1", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [c["path"] for c in listed["labels_changed"]] == [
        "train/cat/cat0.jpg",
        "train/cat/cat1.jpg",
    ]
