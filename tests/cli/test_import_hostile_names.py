"""Names that are not valid text on the command line (a label file or a class typed with
a byte that is not UTF-8, as an old archive's Latin-1 names are), and the project's own
folder given as the label source: each is a clear error, or works, never an internal
error, and nothing is changed by an error."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from helpers import make_imagefolder

from labeldesk.cli import main
from labeldesk.core.project import open_project

LATIN1 = os.fsdecode(b"caf\xe9")  # how Python hands a program a name that is not UTF-8


@pytest.fixture
def proj(tmp_path: Path, capsys) -> Path:
    root = tmp_path / "images"
    make_imagefolder(root)
    assert main(["new", str(tmp_path / "p"), "--images", str(root), "--workers", "1"]) == 0
    capsys.readouterr()
    return tmp_path / "p"


def _run(capsys, *args: str) -> tuple[int, dict]:
    code = main([*args, "--json"])
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    return code, json.loads(out.out)


def _labels(proj: Path) -> dict[str, object]:
    with open_project(proj) as project:
        frame = project.images()
        return dict(zip(frame.path, frame.label.astype(object), strict=True))


@pytest.mark.parametrize("option", [None, "--csv"])
def test_a_label_file_whose_name_is_not_utf8_is_applied(proj, tmp_path, capsys, option):
    """The batch's description named the file, which SQLite could not store: an internal
    error after every row had been checked."""
    f = tmp_path / f"{LATIN1}.csv"
    f.write_text("path,label\ntrain/cat/cat0.jpg,dog\n")
    args = ["label", str(proj), "--csv", str(f)] if option else ["import", str(proj), str(f)]
    code, out = _run(capsys, *args)
    assert code == 0, out
    assert _labels(proj)["train/cat/cat0.jpg"] == "dog"
    code, history = _run(capsys, "history", str(proj), "train/cat/cat0.jpg")
    assert code == 0 and history, history


@pytest.mark.parametrize(
    ("path", "label", "said"),
    [
        ("train/cat/cat0.jpg", LATIN1, "not valid text"),
        (f"train/cat/{LATIN1}.jpg", "dog", "not in the project"),
    ],
    ids=["label", "path"],
)
def test_a_label_or_path_argument_that_is_not_utf8_is_a_clear_error(
    proj, capsys, path, label, said
):
    before = _labels(proj)
    code, out = _run(capsys, "label", str(proj), path, label)
    assert code != 0 and out["kind"] != "InternalError", out
    assert said in out["error"], out
    assert _labels(proj) == before


@pytest.mark.parametrize("part", ["", "thumbs", "labeldesk.db"])
def test_importing_the_projects_own_files_is_one_clear_line(proj, capsys, part):
    before = _labels(proj)
    code, out = _run(capsys, "import", str(proj), str(proj / part) if part else str(proj))
    assert code != 0, out
    assert "is a LabelDesk project's" in out["error"] and "\n" not in out["error"], out
    assert "--format" not in out["error"], out
    assert _labels(proj) == before


@pytest.mark.parametrize(
    ("fmt", "to_import"), [("csv", "labels.csv"), ("labelstudio", "tasks.json")]
)
def test_an_exports_manifest_or_folder_names_the_file_to_import(proj, capsys, fmt, to_import):
    """`import P OUT/labeldesk-export.json` said only 'expected {"classes": [...],
    "labels": {...}}' (FiftyOne's shape), and `import P OUT` 'not a label file LabelDesk
    recognises': neither said that the export's labels are in OUT/labels.csv."""
    out = proj.parent / "out"
    assert main(["export", str(proj), str(out), "--format", fmt]) == 0
    capsys.readouterr()
    for source in (out / "labeldesk-export.json", out):
        code, said = _run(capsys, "import", str(proj), str(source))
        assert code == 1 and said["kind"] != "InternalError", said
        assert f"a LabelDesk export ({fmt})" in said["error"], said
        assert f"import {out / to_import}" in said["error"], said
        # the file to import is the advice: no "with --format NAME" tacked on after it
        assert said["error"].endswith("to read its labels"), said
    assert main(["import", str(proj), str(out / to_import)]) == 0  # as it says


@pytest.mark.parametrize(
    ("manifest", "wrong"),
    [
        ('{"format": ["imagefolder"]}', 'gives its "format" as ["imagefolder"], not as text'),
        ('{"format": null}', 'gives its "format" as null, not as text'),
        ('{"format": "tfrecord"}', 'names the format "tfrecord", which LabelDesk does not'),
        ('{"version": 1}', 'has no "format"'),
        ('["csv"]', 'is not a JSON object but ["csv"]'),
        ("{not json", "is not valid JSON"),
    ],
)
def test_an_exports_bad_manifest_is_named_not_the_folder_again(proj, capsys, manifest, wrong):
    """A manifest whose format was a list said "OUT is a LabelDesk export (['imagefolder']),
    not a label file: import OUT to read its labels": the folder it had just refused."""
    out = proj.parent / "out"
    assert main(["export", str(proj), str(out), "--format", "csv"]) == 0
    (out / "labeldesk-export.json").write_text(manifest, encoding="utf-8")
    capsys.readouterr()
    for source in (out / "labeldesk-export.json", out):
        code, said = _run(capsys, "import", str(proj), str(source))
        assert code == 1 and said["kind"] != "InternalError", said
        assert f"labeldesk-export.json {wrong}" in said["error"], said
        assert f"import {out} " not in said["error"], said
        assert "import the label file in it" in said["error"], said
