"""`label PATH LABEL` reports what it changed: 0 when the image has that label already
(so nothing to undo), 1 when it wrote a change."""

from __future__ import annotations

import json

from labeldesk.cli import main


def _label(capsys, proj: str, *args: str) -> dict:
    code = main(["label", proj, *args, "--json"])
    out = capsys.readouterr()
    assert code == 0, out.err
    return json.loads(out.out)


def test_a_label_the_image_has_already_is_not_counted(project, capsys):
    proj = str(project.path)
    assert _label(capsys, proj, "train/cat/cat0.jpg", "cat") == {"applied": 0}
    assert _label(capsys, proj, "train/cat/cat0.jpg", "dog") == {"applied": 1}
    assert _label(capsys, proj, "train/cat/cat0.jpg", "dog") == {"applied": 0}
    assert _label(capsys, proj, "_unlabeled/u0.png", "-") == {"applied": 0}  # unlabeled already
