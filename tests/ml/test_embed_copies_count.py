"""Identical files are embedded once; the output says how many images are such copies
(it said "398 images embedded …; 403 usable images in the project", leaving five
images unaccounted for)."""

from __future__ import annotations

import json
import shutil

from helpers import write_image

from labeldesk.cli import main


def test_embed_names_the_copies_that_share_a_vector(tmp_path, capsys):
    root = tmp_path / "images"
    for i in range(3):
        write_image(root / "cat" / f"c{i}.png", size=(32, 32), fmt="PNG", seed=i)
    shutil.copy(root / "cat" / "c0.png", root / "cat" / "copy.png")
    (root / "_unlabeled").mkdir()
    shutil.copy(root / "cat" / "c0.png", root / "_unlabeled" / "again.png")
    proj = str(tmp_path / "p")
    assert main(["new", proj, "--images", str(root), "--workers", "1", "--json"]) == 0
    capsys.readouterr()
    assert main(["embed", proj, "--device", "cpu", "--batch-size", "2"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("3 images embedded with ")
    assert "; 2 more are identical copies of them and share their vectors;" in text
    assert text.rstrip().endswith("5 usable images in the project")

    write_image(root / "cat" / "c9.png", size=(32, 32), fmt="PNG", seed=9)
    shutil.copy(root / "cat" / "c9.png", root / "cat" / "c9-copy.png")
    assert main(["scan", proj, "--json"]) == 0
    capsys.readouterr()
    assert main(["embed", proj, "--device", "cpu", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert (document["embedded"], document["copies"], document["total"]) == (1, 1, 7)
