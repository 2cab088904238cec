"""A verify of an export stopped while it hashes the export's files said "export
cancelled: nothing was written" (the words of the hashing it shares with the export): a
verify writes nothing, it says that nothing was checked."""

from __future__ import annotations

import pytest

from labeldesk.core import versions
from labeldesk.core.errors import Cancelled
from labeldesk.core.progress import CancelToken
from labeldesk.interop.export_check import check_export
from labeldesk.interop.manifest import file_hashes


def test_a_cancelled_verify_says_nothing_was_checked(project, tmp_path):
    from labeldesk.cli import main

    out = tmp_path / "out"
    versions.create_version(project.db, "v1", "")
    assert main(["export", str(project.path), str(out), "--version", "v1"]) == 0
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled) as stopped:
        check_export(project, "v1", out, cancel=token)
    assert str(stopped.value) == "verify cancelled: nothing was checked"


def test_the_hashing_for_an_export_still_says_nothing_was_written(tmp_path):
    (tmp_path / "a.txt").write_text("a")
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled) as stopped:
        file_hashes(tmp_path, lambda _: None, token)
    assert str(stopped.value) == "export cancelled: nothing was written"


@pytest.mark.parametrize(
    "when", [("reading shards", "first"), ("hashing the exported files", "last")]
)
def test_a_verify_cancelled_while_it_reads_the_labels_back_is_cancelled(project, tmp_path, when):
    """Cancel pressed while a WebDataset export's shards are read for their labels: the
    reader's Cancelled (a LabelDeskError) was caught as a label file that could not be
    read, and the check came back "not the version" (exit 1) with *its labels cannot be
    read: cancelled while reading …* instead of stopping. The shards are read once, for
    their hashes and labels together, before the other files are hashed: Cancel there,
    or once the files are hashed, stops it."""
    from labeldesk.cli import main

    out = tmp_path / "out"
    versions.create_version(project.db, "v1", "")
    path = str(project.path)
    assert main(["export", path, str(out), "--format", "webdataset", "--version", "v1"]) == 0
    token = CancelToken()

    message, at = when

    def progress(report):
        if report.message == message and report.done == (0 if at == "first" else report.total):
            token.cancel()

    with pytest.raises(Cancelled) as stopped:
        check_export(project, "v1", out, progress=progress, cancel=token)
    assert str(stopped.value) == "verify cancelled: nothing was checked"
