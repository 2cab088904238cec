"""``labeldesk new`` and a folder layout that looks one level off: warnings that are true,
advice a person can follow."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import write_image

from labeldesk.cli import main


def _export_like(root: Path) -> list[str]:
    """A CSV export's layout: OUT/images/<split>/<class>/<file> beside OUT/labels.csv."""
    rows = []
    n = 0
    for split in ("train", "test"):
        for label in ("cat", "dog"):
            for i in range(2):
                rel = f"images/{split}/{label}/{label}{i}.png"
                write_image(root / rel, fmt="PNG", seed=n)
                rows.append(f"{rel},{label},{split}")
                n += 1
    return rows


def _new(capsys, *args: str) -> dict:
    assert main(["new", *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_no_one_level_warning_when_a_labels_file_gives_every_label(tmp_path, capsys):
    out = tmp_path / "out"
    rows = _export_like(out)
    (out / "labels.csv").write_text("path,label,split\n" + "\n".join(rows) + "\n")
    data = _new(
        capsys, str(tmp_path / "p"), "--images", str(out), "--labels", str(out / "labels.csv")
    )
    assert data["classes"] == {"cat": 4, "dog": 4}
    assert data["warnings"] == []

    # A file that labels only some images: the rest do get the class 'images'.
    (tmp_path / "part.csv").write_text(
        "path,label\n" + "\n".join(r.rsplit(",", 1)[0] for r in rows[:2]) + "\n"
    )
    data = _new(
        capsys,
        str(tmp_path / "q"),
        "--images",
        str(out),
        "--labels",
        str(tmp_path / "part.csv"),
    )
    assert data["classes"]["images"] == 6
    assert any("one level too high" in w for w in data["warnings"])
