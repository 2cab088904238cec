"""Verify an export…'s headline names what the check found beyond labels and files:
images the recorded options leave out, and a manifest its files contradict (the format
it names), each once."""

from __future__ import annotations

from labeldesk.gui.verify_dialog import headline
from labeldesk.interop.export_check import ExportCheck

OPTIONS_LINE = "it holds images of the version that the options its manifest records leave out"


def test_images_the_options_leave_out_are_counted_once():
    found = ExportCheck("v1", "/tmp/out", images=3)
    found.not_in_version = [
        {"path": "images/u0.png", "hash": "a", "version_path": "u0.png", "left_out_by": "x"}
    ]
    found.manifest = [OPTIONS_LINE]
    head, _ = headline(found)
    assert head == (
        "✗ This folder is not version v1 as exported: 1 image that its recorded options leave out"
    )


def test_a_manifest_naming_another_format_is_said():
    found = ExportCheck("v1", "/tmp/out", images=3)
    found.manifest = ["its manifest says it was written as imagefolder, but …"]
    found.labels = [{"path": "x", "label": "a"}] * 2
    head, _ = headline(found)
    assert head == (
        "✗ This folder is not version v1 as exported: 2 labels, splits or statuses differ "
        "from the version's; its manifest does not match its files"
    )
