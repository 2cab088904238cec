"""Copies inside the compared sets: a new folder holding each image several times (a sync
tool's "copy (1)" files, symlinks), or a project holding duplicate labeled files, must
not look like a shift; the tests count each content once."""

from __future__ import annotations

import os
import shutil

from labeldesk.ml.drift import drift_report
from labeldesk.ml.drift_html import write_html
from ml.drift_fixtures import RUN, TINY, make_project, new_folder, project_fixture

project = project_fixture("drift-copies")


def test_copies_within_the_new_folder_are_compared_once(project, tmp_path):
    once, _ = new_folder(tmp_path / "once", per_class=15, seed=2)
    copied = tmp_path / "copied"
    shutil.copytree(once, copied)
    originals = sorted(p.relative_to(copied).as_posix() for p in copied.rglob("*.png"))
    for i in (1, 2):  # two byte-identical copies of each image, and a symlink
        for rel in originals:
            target = copied / f"dup{i}" / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(copied / rel, target)
    for rel in originals:
        link = copied / "links" / rel
        link.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(copied / rel, link)
    single = drift_report(project, once, **RUN)
    report = drift_report(project, copied, **RUN)
    n = len(originals)
    data = report.to_json()
    assert data["images"] == 4 * n and data["copies_within_folder"] == 3 * n
    assert data["distinct_images"] == n and data["power"]["new_images"] == n
    assert single.to_json()["copies_within_folder"] == 0
    assert report.verdict == single.verdict == "no detectable shift"
    assert report.auc == single.auc and report.p_value == single.p_value
    assert report.mmd_p_value == single.mmd_p_value
    assert report.outlier_p_value == single.outlier_p_value
    # every file is still listed, a copy with its original's score
    scores = {n["path"]: n["score"] for n in data["novel"]}
    assert len(scores) == 4 * n
    for rel in originals:
        assert scores[f"dup1/{rel}"] == scores[f"links/{rel}"] == scores[rel]
    classes = data["predicted_classes"]
    assert classes["new"] == single.to_json()["predicted_classes"]["new"]
    page = write_html(report, tmp_path / "report.html", project).read_text()
    assert f"{3 * n} new files are copies of another file in the folder" in page


def test_duplicate_labeled_files_count_once_in_the_reference(tmp_path):
    from labeldesk.ml.embed import embed_project

    own = make_project(tmp_path / "p", per_class=30)
    try:
        labeled = own.images().dropna(subset=["label"])
        distinct = len(labeled)
        for path in labeled.path.tolist()[:20]:  # 20 labeled images copied under new names
            source = own.image_path(path)
            shutil.copy(source, source.with_name("copy-" + source.name))
        own.scan(workers=1)
        embed_project(own, TINY, device="cpu", runtime="torch")
        assert len(own.images().dropna(subset=["label"])) == distinct + 20
        folder, _ = new_folder(tmp_path / "new", per_class=10, seed=4)
        data = drift_report(own, folder, **RUN).to_json()
        assert data["reference"] == distinct and data["reference_copies"] == 20
        assert data["power"]["reference_images"] == distinct
        assert sum(data["predicted_classes"]["reference"].values()) == distinct
    finally:
        own.close()


def test_the_html_counts_one_copy_in_the_singular():
    from types import SimpleNamespace

    from labeldesk.ml.drift_html import _copies_line

    one = SimpleNamespace(copies_within_folder=1, distinct_images=9, reference_copies=1)
    line = _copies_line(one)
    assert "1 new file is a copy of another file in the folder" in line
    assert "1 labeled image is a copy of another labeled one and is counted once" in line
    two = SimpleNamespace(copies_within_folder=2, distinct_images=8, reference_copies=0)
    assert "2 new files are copies of another file" in _copies_line(two)


def test_the_new_images_are_embedded_in_one_phase(project, tmp_path):
    """The embedding's first report said "embedding the new images" and the next ones
    "embedding": a phase of its own by name, so a terminal drew a second bar and a log
    printed a second phase line, its time left started over."""
    folder, _ = new_folder(tmp_path / "new", per_class=4, seed=5)
    reports = []
    drift_report(project, folder, progress=reports.append, **RUN)
    phases = [r.message for r in reports if r.message and r.message.startswith("embedding")]
    assert len(phases) >= 2 and set(phases) == {"embedding the new images"}
