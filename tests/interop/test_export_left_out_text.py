"""The summary's "left out:" names each reason in words a person reads as a reason."""

from __future__ import annotations

from labeldesk.interop.export_texts import left_out_text
from labeldesk.interop.writing import ExportReport


def test_images_a_class_map_dropped_read_as_dropped_not_as_class_maps():
    report = ExportReport(out="o", format="imagefolder", left_out={"unlabeled": 3, "class map": 40})
    assert left_out_text(report) == "3 unlabeled, 40 dropped by the class map"
    assert report.left_out["class map"] == 40  # --json keeps its key


def test_nothing_left_out_says_nothing():
    assert (
        left_out_text(ExportReport(out="o", format="csv", left_out={"unlabeled": 0})) == "nothing"
    )
