"""`drift --html FILE` writes only where it cannot destroy anything: never inside the image
folder or the project, over an existing file only when that is an earlier drift report (or
--overwrite), and a missing folder is named before the report is computed."""

from __future__ import annotations

import json

import pytest
from ml.drift_fixtures import make_project, new_folder

from labeldesk.cli import main
from labeldesk.ml.drift_html import HEAD, is_drift_report

FAST = ["--device", "cpu", "--runtime", "torch"]


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    base = tmp_path_factory.mktemp("drift-html")
    project = make_project(base, per_class=8)
    path, root = project.path, project.root
    project.close()
    folder, _ = new_folder(base / "new", per_class=2, seed=5)
    return path, root, folder


def run(capsys, setup, html, *extra: str) -> tuple[int, dict]:
    path, _, folder = setup
    argv = ["drift", str(path), "--images", str(folder), "--html", str(html), "--json"]
    code = main([*argv, *FAST, *extra])
    return code, json.loads(capsys.readouterr().out)


def test_a_source_image_or_the_database_is_never_replaced(setup, capsys):
    path, root, _ = setup
    image = next(root.rglob("*.png"))
    for target in (image, path / "labeldesk.db", path / "report.html"):
        before = target.read_bytes() if target.exists() else None
        code, doc = run(capsys, setup, target, "--overwrite")
        assert code == 1 and doc["kind"] == "ReportTargetError"
        assert "inside the" in doc["error"]
        assert (target.read_bytes() if target.exists() else None) == before


def test_a_link_into_the_image_folder_is_judged_by_where_it_leads(setup, capsys, tmp_path):
    _, root, _ = setup
    image = next(root.rglob("*.png"))
    before = image.read_bytes()
    link = tmp_path / "looks-safe.html"
    link.symlink_to(image)
    code, doc = run(capsys, setup, link, "--overwrite")
    assert code == 1 and "inside the image folder" in doc["error"]
    assert image.read_bytes() == before and link.is_symlink()


def test_another_file_is_replaced_only_with_overwrite(setup, capsys, tmp_path):
    notes = tmp_path / "notes.html"
    notes.write_text("my own notes")
    code, doc = run(capsys, setup, notes)
    assert code == 1 and "not a LabelDesk drift report" in doc["error"]
    assert notes.read_text() == "my own notes"
    code, doc = run(capsys, setup, notes, "--overwrite")
    assert code == 0 and doc["html"] == str(notes.resolve())
    assert is_drift_report(notes)


def test_an_earlier_report_is_replaced_without_asking(setup, capsys, tmp_path):
    report = tmp_path / "r.html"
    report.write_text(HEAD + "<body>an earlier report</body></html>")
    code, _ = run(capsys, setup, report)
    assert code == 0 and "an earlier report" not in report.read_text()
    assert is_drift_report(report)


def test_a_missing_folder_is_named(setup, capsys, tmp_path):
    code, doc = run(capsys, setup, tmp_path / "nodir" / "r.html")
    assert code == 1 and doc["kind"] == "ReportTargetError"
    assert f"the folder {tmp_path / 'nodir'} does not exist" in doc["error"]
    assert not (tmp_path / "nodir").exists()


def test_the_folder_checked_is_never_written_to(setup, capsys):
    """The new images are only read: a report aimed into their folder is refused, even
    over one of them with --overwrite."""
    _, _, folder = setup
    image = next(folder.rglob("*.png"))
    before = image.read_bytes()
    for target in (image, folder / "report.html"):
        code, doc = run(capsys, setup, target, "--overwrite")
        assert code == 1 and "inside the folder checked" in doc["error"]
    assert image.read_bytes() == before and not (folder / "report.html").exists()
