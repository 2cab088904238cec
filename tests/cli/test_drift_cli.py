"""`labeldesk drift`: the JSON contract, the HTML file, the history, and errors as JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ml.drift_fixtures import make_project, new_folder

from labeldesk.cli import main

FAST = ["--device", "cpu", "--runtime", "torch"]


@pytest.fixture(scope="module")
def project_path(tmp_path_factory):
    project = make_project(tmp_path_factory.mktemp("drift-cli"))
    path = project.path
    project.close()
    return path


def test_drift_json_follows_the_contract(project_path, tmp_path, capsys):
    folder, shifted = new_folder(tmp_path / "new", per_class=15, new_class=15, seed=9)
    html = tmp_path / "out" / "drift.html"
    html.parent.mkdir()
    code = main(
        ["drift", str(project_path), "--images", str(folder), "--json", "--html", str(html), *FAST]
    )
    out = capsys.readouterr()
    assert code == 0, out.err
    data = json.loads(out.out)  # exactly one document on stdout
    assert {
        "images", "shift", "auc", "auc_ci", "p_value", "mmd_p_value", "novel",
        "predicted_classes", "low_confidence_share", "duplicates", "unreadable", "power",
    } <= set(data)  # fmt: skip
    assert data["images"] == 60 and data["shift"] is True
    assert len(data["auc_ci"]) == 2 and data["auc_ci"][0] <= data["auc"] <= data["auc_ci"][1]
    assert 0 < data["p_value"] <= 1 and 0 < data["mmd_p_value"] <= 1
    novel = data["novel"]
    assert len(novel) == 60 and {"path", "score"} <= set(novel[0])
    assert all(not n["path"].startswith("/") and "\\" not in n["path"] for n in novel)
    assert [n["score"] for n in novel] == sorted((n["score"] for n in novel), reverse=True)
    assert sum(n["path"] in shifted for n in novel[:15]) >= 13
    assert set(data["predicted_classes"]["new"]) == {"c0", "c1", "c2"}
    assert 0 <= data["low_confidence_share"] <= 1 and data["duplicates"] == []
    assert html.read_text().startswith("<!doctype html>")
    saved = json.loads(Path(data["saved"]).read_text())
    assert saved["novel"] == novel and saved["shift"] is True


def test_drift_text_output_names_the_verdict(project_path, tmp_path, capsys):
    folder, _ = new_folder(tmp_path / "few", per_class=1, seed=10)
    assert main(["drift", str(project_path), "--images", str(folder), *FAST]) == 0
    text = capsys.readouterr().out
    assert text.startswith("NO POWER:") and "most novel of 3 new images" in text
    assert main(["drift", str(project_path), "--images", str(folder), "--json", *FAST]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["verdict"] == "no power" and data["shift"] is None  # not false: not "no shift"
    assert main(["drift", str(project_path), str(folder), *FAST]) == 0  # folder without --images
    assert capsys.readouterr().out.split("saved")[0] == text.split("saved")[0]
    other = tmp_path / "other"
    assert main(["drift", str(project_path), str(folder), "--images", str(other), *FAST]) == 2
    assert "either NEW_FOLDER or --images" in capsys.readouterr().err


@pytest.mark.parametrize("make", ["empty", "missing"])
def test_drift_errors_are_one_json_document(project_path, tmp_path, capsys, make):
    folder = tmp_path / "nothing"
    if make == "empty":
        folder.mkdir()
    code = main(["drift", str(project_path), "--images", str(folder), "--json", *FAST])
    out = capsys.readouterr()
    assert code == 1
    error = json.loads(out.out)
    assert set(error) == {"error", "kind"}
    assert error["kind"] == ("EmptyFolder" if make == "empty" else "ImageRootError")
    assert str(folder) in error["error"]


def test_drift_history_lists_saved_reports_oldest_first(tmp_path, capsys):
    project = make_project(tmp_path / "p")
    path = str(project.path)
    project.close()
    assert main(["drift", path, "--history", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main(["drift", path, "--json"]) == 2  # a usage error
    assert "--images" in json.loads(capsys.readouterr().out)["error"]
    for seed in (2, 3):
        folder, _ = new_folder(tmp_path / f"new{seed}", per_class=10, seed=seed)
        assert main(["drift", path, "--images", str(folder), "--json", *FAST]) == 0
        capsys.readouterr()
    assert main(["drift", path, "--history", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [Path(r["folder"]).name for r in rows] == ["new2", "new3"]
    assert all(r["images"] == 30 and r["verdict"] for r in rows)


def test_drift_text_says_how_many_files_are_copies_within_the_folder(
    project_path, tmp_path, capsys
):
    import shutil

    folder, _ = new_folder(tmp_path / "new", per_class=4, seed=11)
    for path in sorted(folder.rglob("*.png")):
        shutil.copy(path, path.with_name(f"{path.stem} copy.png"))
    assert main(["drift", str(project_path), "--images", str(folder), *FAST]) == 0
    text = capsys.readouterr().out
    assert "12 of the 24 new files are copies of another file in the folder" in text
    assert "the tests compare 12 distinct images" in text and "most novel of 24" in text


def _report_text(**fields):
    """The text `drift` prints for a stand-in report with ``fields``."""
    from types import SimpleNamespace

    from labeldesk.cli.drift import _text

    base = dict(
        verdict="shift", summary="Shift (large difference)", outputs=None, images=40,
        copies_within_folder=0, distinct_images=40, reference_copies=0, reference=100,
        novel=[{"path": f"n{i:02d}.png", "score": 1 - i / 100} for i in range(40)],
        duplicates=[], unreadable=[],
    )  # fmt: skip
    return _text(SimpleNamespace(**{**base, **fields}), {"saved": "r.json"})


def test_drift_text_counts_one_file_in_the_singular_and_says_what_it_leaves_out():
    copies = [
        {"path": f"c{i:02d}.png", "project_path": f"test/cat/{i}.png", "kind": "exact",
         "label": "cat", "split": "test"}
        for i in range(20)
    ]  # fmt: skip
    text = _report_text(
        copies_within_folder=1,
        distinct_images=39,
        reference_copies=1,
        reference=99,
        duplicates=copies,
        unreadable=[{"path": "broken.png", "reason": "not an image"}],
    )
    assert "1 of the 40 new files is a copy of another file in the folder" in text
    assert "1 labeled image is a copy of another labeled one" in text
    assert "1 file could not be read:" in text
    # the project image's split and label, as the README says (a test image's copy leaks)
    assert "c00.png  =  test/cat/0.png [test, 'cat']" in text
    # lists cut at 15 say so, and where the rest is
    assert "20 copies of project images (15 shown; --json lists all):" in text
    assert "most novel of 40 new images (15 shown; --json lists all):" in text
    whole = _report_text(novel=[{"path": "a.png", "score": 0.5}], images=1)
    assert "most novel of 1 new image:" in whole
    # the score before each path had no name: the line says what the columns are
    novel = whole.splitlines().index(
        "most novel of 1 new image: novelty (0-1, higher: less like the labeled images), path"
    )
    assert whole.splitlines()[novel + 1] == "  0.50  a.png"


def test_the_verdict_line_does_not_repeat_the_verdict():
    """It read "SHIFT: Shift (large difference): …"; the prefix scripts look for stays."""
    tail = "classifier AUC 0.93 (95% CI 0.90-0.96, p = 0.001)"
    lines = {
        ("shift", f"Shift (large difference): {tail}."): f"SHIFT: large difference; {tail}.",
        ("shift", f"Shift in part of the folder: 30% are unlike, while close: {tail}."): (
            f"SHIFT: in part of the folder; 30% are unlike, while close: {tail}."
        ),
        ("no detectable shift", f"No detectable shift at the 5% level: {tail}."): (
            f"NO DETECTABLE SHIFT: at the 5% level; {tail}."
        ),
        ("no power", "No shift found, but 8 images are too few."): (
            "NO POWER: No shift found, but 8 images are too few."
        ),
        ("no power", "Too few images to tell: 3 new images."): (
            "NO POWER: Too few images to tell: 3 new images."
        ),
    }
    for (verdict, summary), first in lines.items():
        assert _report_text(verdict=verdict, summary=summary).splitlines()[0] == first
