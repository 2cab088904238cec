"""Exports judge a source by its change time (ctime) too: two same-size, same-time files
swapped since the last scan are not linked under each other's labels, and a hard-link
export records the change times its links gave, so the next scan reads nothing."""

from __future__ import annotations

import os
import time

import numpy as np
import pytest
from PIL import Image

from labeldesk.core import probe_pool, scan_writer, scanner
from labeldesk.core.create import create_and_index
from labeldesk.interop.export import ExportOptions, export
from labeldesk.interop.placing import CHANGED_SINCE_INDEXED

SAME_TIME_NS = 1_600_000_000 * 10**9


@pytest.fixture
def same_stat_project(tmp_path):
    """Three 16 x 16 BMPs of one size and one time, two of them labeled."""
    root = tmp_path / "images"
    root.mkdir()
    for name, value in (("a.bmp", 0), ("b.bmp", 80), ("c.bmp", 160)):
        Image.fromarray(np.full((16, 16, 3), value, np.uint8)).save(root / name, "BMP")
        os.utime(root / name, ns=(SAME_TIME_NS, SAME_TIME_NS))
    project, _ = create_and_index(tmp_path / "proj", root, workers=1)
    project.add_classes(["cat", "dog"])
    project.set_labels({"a.bmp": "cat", "b.bmp": "dog"})
    time.sleep(0.05)  # change times tick coarsely: what follows lands on a later one
    yield root, project
    project.close()


@pytest.mark.parametrize("link", ["copy", "hardlink", "symlink"])
def test_files_swapped_since_the_scan_are_not_exported_under_each_others_labels(
    same_stat_project, tmp_path, link
):
    root, project = same_stat_project
    os.rename(root / "a.bmp", root / "t.bmp")
    os.rename(root / "b.bmp", root / "a.bmp")
    os.rename(root / "t.bmp", root / "b.bmp")

    # c.bmp (unchanged) too: an export where every image failed is an error
    options = ExportOptions(link=link, include_unlabeled=True)
    report = export(project, tmp_path / "out", "csv", options)

    assert report.written == 1
    assert sorted(f["path"] for f in report.failed) == ["a.bmp", "b.bmp"]
    assert {f["reason"] for f in report.failed} == {CHANGED_SINCE_INDEXED}


def test_a_hard_link_export_records_the_change_times_it_gave(
    same_stat_project, tmp_path, monkeypatch
):
    root, project = same_stat_project
    report = export(project, tmp_path / "out", "csv", ExportOptions(link="hardlink"))
    assert report.failed == [] and report.written == 2
    assert os.stat(tmp_path / "out/images/a.bmp").st_ino == os.stat(root / "a.bmp").st_ino

    stored = dict(project.db.query("SELECT path, ctime_ns FROM images"))
    assert stored == {p: os.stat(root / p).st_ctime_ns for p in ("a.bmp", "b.bmp", "c.bmp")}

    def fail(*args, **kwargs):
        pytest.fail(f"read a file: {args[:1]}")

    readers = ((probe_pool, "probe_file"), (scanner, "hash_file"), (scan_writer, "hash_file"))
    for module, name in readers:
        monkeypatch.setattr(module, name, fail)
    assert project.scan(workers=1).unchanged == 3
