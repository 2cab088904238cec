"""A row naming its image by a Windows path with a drive (``C:\\Users\\ana\\data\\train\\
cat\\a.jpg``, from a CSV written on Windows or a Label Studio local-files task) is never
matched by its ending, as no absolute path is; it said only "is not an image in the
project", which reads as if the image were missing. It now says why and what to write."""

from __future__ import annotations

import json

from helpers import made_project

from labeldesk.cli import main


def test_a_drive_path_says_it_is_not_matched_and_what_to_write(tmp_path, capsys):
    path = made_project(tmp_path, ["train/cat/a.png", "b.png"])
    file = tmp_path / "labels.csv"
    file.write_text(
        "path,label\nC:\\Users\\ana\\data\\train\\cat\\a.png,cat\nD:/x/b.png,cat\n",
        encoding="utf-8",
    )
    capsys.readouterr()
    assert main(["import", str(path), str(file), "--new-class", "--json"]) == 1
    error = json.loads(capsys.readouterr().out)["error"]
    root = tmp_path / "im"
    assert (
        "line 2: 'C:\\\\Users\\\\ana\\\\data\\\\train\\\\cat\\\\a.png' is a Windows path with a "
        f"drive, which is never matched by its ending: name the image by its path in the "
        f"image folder {root}, the drive and the folders above it taken off"
    ) in error
    assert "line 3: 'D:/x/b.png' is a Windows path with a drive" in error
