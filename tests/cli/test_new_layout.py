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

    # A file that labels only some images: the rest would get the class 'images', so
    # `new` refuses (after indexing in its staging folder: nothing is left) unless
    # --force, and then warns.
    part = tmp_path / "part.csv"
    part.write_text("path,label\n" + "\n".join(r.rsplit(",", 1)[0] for r in rows[:2]) + "\n")
    q = str(tmp_path / "q")
    assert main(["new", q, "--images", str(out), "--labels", str(part)]) == 1
    assert "6 images the labels file does not label would get it" in capsys.readouterr().err
    assert not (tmp_path / "q").exists()
    data = _new(capsys, q, "--images", str(out), "--labels", str(part), "--force")
    assert data["classes"]["images"] == 6
    assert any("one level too high" in w for w in data["warnings"])


def _one_level_up(root: Path) -> Path:
    """ROOT/fashion/{train,test}/<class>/…: every image would get the class 'fashion'."""
    for i, rel in enumerate(["train/shirt/a.png", "train/coat/b.png", "test/shirt/c.png"]):
        write_image(root / "fashion" / rel, fmt="PNG", seed=50 + i)
    return root / "fashion"


def test_new_refuses_a_folder_one_level_too_high_up_front_and_says_what_to_run(tmp_path, capsys):
    """The advice `use …/fashion instead` led to `p already exists and is not empty`."""
    root = tmp_path / "sd"
    inner = _one_level_up(root)
    p = tmp_path / "p"
    assert main(["new", str(p), "--images", str(root)]) == 1
    error = capsys.readouterr().err
    assert "every image would get the one class 'fashion'" in error
    assert "nothing was created" in error
    assert f"`labeldesk new {p} --images {inner}`" in error
    assert "--force" in error
    assert not p.exists()
    data = _new(capsys, str(p), "--images", str(inner))  # the advice, followed, works
    assert data["classes"] == {"coat": 1, "shirt": 2}


def test_a_project_made_one_level_too_high_is_told_how_to_re_point_it(tmp_path, capsys):
    root = tmp_path / "sd"
    inner = _one_level_up(root)
    p = tmp_path / "p"
    data = _new(capsys, str(p), "--images", str(root), "--force")
    assert data["classes"] == {"fashion": 3}
    advice = next(w for w in data["warnings"] if "one level too high" in w)
    scan = f"`labeldesk scan {p} --images {inner}`"
    remove = f"`labeldesk classes {p} --remove fashion`"
    assert scan in advice and remove in advice
    # Following it gives the project the inner folder's classes, keys and all.
    assert main(["scan", str(p), "--images", str(inner), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["moved"], data["classes"]) == (3, {"coat": 1, "fashion": 0, "shirt": 2})
    assert data["warnings"] == []
    assert main(["classes", str(p), "--remove", "fashion", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["classes"] == {"coat": 1, "shirt": 2}
