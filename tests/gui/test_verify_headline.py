"""Verify an export…'s headline names what the check found beyond labels and files:
images the recorded options leave out, and a manifest its files contradict (the format
it names), each once."""

from __future__ import annotations

from labeldesk.core.versions import CURRENT
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


def test_an_export_of_the_labels_of_its_day_is_weighed_against_the_project_now():
    """It named "the version's" labels and "images of the version missing", which such an
    export has none of: it is compared with the project as it is now."""
    found = ExportCheck(CURRENT, "/tmp/out", images=3)
    found.labels = [{"path": "x", "label": "a"}] * 2
    found.not_exported = [{"path": "test/a-copy.jpg", "listed": None}]
    found.not_in_version = [{"path": "gone.png", "hash": "b"}]
    found.state = ["it records label state #4, the state now is #9"]
    head, _ = headline(found)
    assert head == (
        "✗ This folder is not the labels as they are now as exported: 2 labels, splits or "
        "statuses differ from the project's now; 1 image that the project does not have "
        "now; 1 image of the project now not in it; written from another label state"
    )


def test_images_added_since_an_export_of_the_labels_of_its_day_are_said_so():
    """An image whose file is newer than the export (``since_export``, as `labeldesk
    version verify` lists it: "added to the image folder or changed since the export was
    written") was counted with the rest, "of the project now not in it", as if the export
    had lost it."""
    found = ExportCheck(CURRENT, "/tmp/out", images=3)
    found.not_exported = [
        {"path": "test/a-copy.jpg", "listed": None, "since_export": True},
        {"path": "test/b-copy.jpg", "listed": None, "since_export": True},
        {"path": "_unlabeled/u0.png", "listed": None, "since_export": False},
    ]
    head, _ = headline(found)
    assert head == (
        "✗ This folder is not the labels as they are now as exported: 2 images added to the "
        "image folder or changed since it was exported; 1 image of the project now not in it"
    )
    found.not_exported = found.not_exported[:1]
    head, _ = headline(found)
    assert head.endswith(": 1 image added to the image folder or changed since it was exported")
