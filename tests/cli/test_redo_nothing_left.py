"""`labeldesk redo` of an undo that had changed nothing (another person changed every
image of it since) said "0 images changed again" without saying why; it now says that
there was nothing to make again, and --json has ``undo_changed_nothing``."""

from __future__ import annotations

import json

from helpers import make_imagefolder

from labeldesk.cli import main


def test_redo_with_nothing_to_make_again_says_why(tmp_path, capsys, monkeypatch):
    root = tmp_path / "images"
    make_imagefolder(root)
    proj = str(tmp_path / "proj")
    assert main(["new", proj, "--images", str(root), "--workers", "1", "--json"]) == 0
    for image in ("_unlabeled/u0.png", "_unlabeled/u1.png"):
        monkeypatch.setenv("LABELDESK_USER", "alice")
        assert main(["label", proj, image, "cat"]) == 0
        monkeypatch.setenv("LABELDESK_USER", "bob")
        assert main(["label", proj, image, "dog"]) == 0
        monkeypatch.setenv("LABELDESK_USER", "alice")
        assert main(["undo", proj]) == 0
        capsys.readouterr()
        if image.endswith("u0.png"):
            assert main(["redo", proj]) == 0
            out = capsys.readouterr().out
            assert "0 images changed again (nothing to make again: that undo had changed " in out
        else:
            assert main(["redo", proj, "--json"]) == 0
            data = json.loads(capsys.readouterr().out)
            assert (data["events"], data["undo_changed_nothing"]) == (0, True)
