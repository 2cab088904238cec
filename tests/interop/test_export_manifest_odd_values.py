"""An export's manifest (labeldesk-export.json) is read to lead the rows of an export
back to the project's images; a manifest edited by hand or damaged is untrusted input
too. Entries of the wrong type (found by tests/interop/test_import_fuzz.py) were Python's
TypeError, an internal error; they are left unread, as other odd entries already were,
and the import reads the class folders as they are."""

from __future__ import annotations

import json

import pytest
from helpers import made_project

from labeldesk.cli import main
from labeldesk.core.project import open_project


@pytest.mark.parametrize(
    ("fmt", "entry"),
    [
        ("imagefolder", "gif_as_png"),  # a list holding a list: no GIF's file name
        ("imagefolder", "files"),  # a file's path that is a list
        ("hf", "gif_as_png"),
        ("hf", "files"),
    ],
)
def test_an_odd_manifest_entry_is_not_an_internal_error(tmp_path, capsys, fmt, entry):
    files = ["cat/a.png", "cat/b.png", "dog/c.png"]
    path = made_project(tmp_path, files)
    out = tmp_path / "out"
    assert main(["export", str(path), str(out), "--format", fmt]) == 0
    manifest = out / "labeldesk-export.json"
    data = json.loads(manifest.read_text())
    if entry == "gif_as_png":
        data["gif_as_png"] = [["train/cat/a.png"]]
    else:
        data["files"][0]["path"] = [data["files"][0]["path"]]
    manifest.write_text(json.dumps(data))
    (out / "train" / "cat" / "b.png").rename(out / "train" / "dog" / "b.png")  # relabeled
    capsys.readouterr()
    code = main(["import", str(path), str(out), "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 0, doc
    with open_project(path) as p:
        assert p.images().set_index("path").label["cat/b.png"] == "dog"
