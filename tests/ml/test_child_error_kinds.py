"""A child job's error comes back as the kind it raised, not as a plain LabelDeskError
with its message (the app showed a ScanNeeded from Compute embeddings as any failure,
with no way to the scan it asks for)."""

from __future__ import annotations

import pytest

from labeldesk.core.errors import LabelDeskError, ScanNeeded, UnknownPathError
from labeldesk.core.failures import describe
from labeldesk.ml.child_jobs import run_in_child

TARGET = "ml.child_targets:raise_error"


def test_a_scan_needed_in_the_child_is_a_scan_needed_here(project):
    with pytest.raises(ScanNeeded) as raised:
        run_in_child(TARGET, project.path, kind="ScanNeeded")
    assert str(raised.value) == "a ScanNeeded from the child"
    assert describe(raised.value) == ("a ScanNeeded from the child", "ScanNeeded")


def test_an_error_with_its_own_arguments_keeps_its_kind_and_message(project):
    with pytest.raises(UnknownPathError) as raised:
        run_in_child(TARGET, project.path, kind="UnknownPathError")
    assert str(raised.value) == "2 paths not in the project: a.png, b.png; scan first"


def test_an_unknown_kind_comes_back_as_a_plain_labeldesk_error():
    from labeldesk.ml.child_errors import error_from_child as _error_from_child

    for kind in ("os:error", "labeldesk.core.errors:NoSuchError", "labeldesk.nowhere:X", ""):
        error = _error_from_child(kind, "said")
        assert type(error) is LabelDeskError and str(error) == "said"


def test_a_full_disk_in_the_child_is_said_as_here(project):
    """The app's background scoring on a real full disk (a 20 MB tmpfs) showed
    "labeldesk.ml.insights:insights_if_embedded failed: OSError: [Errno 28] No space left
    on device: '…/.tmp-26250-7b208387-140677633792896-predictions-….npz'": a child's
    expected failure came back as its raw text. It comes back in the words the command
    line uses, as a DiskFull."""
    from labeldesk.core.errors import DiskFull

    with pytest.raises(DiskFull) as raised:
        run_in_child("ml.child_targets:fill_the_disk", project.path)
    message, kind = describe(raised.value)
    assert kind == "DiskFull"
    folder = project.path / "embeddings"
    assert message.startswith(f"no space left on the disk: {folder} (writing predictions-1.npz")
    assert "failed" not in message and "Errno" not in message
