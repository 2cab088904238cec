"""Deleting a staging folder while something still writes in it: a killed `new`'s
decoding worker, alive for a moment after its command, wrote one more thumbnail while
the next run deleted the folder. The delete of the thumbnail folder failed (not empty),
the marker went anyway, and the folder stayed for good: without its marker nothing said
LabelDesk had made it. Now the delete is tried again, and a folder it cannot empty keeps
its marker for the next run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from labeldesk.core.staging import MARKER, delete_marked, make_staging, remove_stale


def late_writes(monkeypatch, folder: Path, times: int) -> list[str]:
    """Write one more file into ``folder`` just before each of the first ``times`` tries to
    remove it (as a worker finishing a thumbnail would), so that the removal fails as it
    does then (ENOTEMPTY)."""
    real, written = os.rmdir, []

    def rmdir(path, *args, **kwargs):
        if os.path.basename(os.fsdecode(path)) == folder.name and len(written) < times:
            late = folder / f"late{len(written)}.jpg"
            late.write_bytes(b"a thumbnail")
            written.append(late.name)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(os, "rmdir", rmdir)
    return written


def staged_project(target: Path) -> Path:
    """A staging folder for ``target`` made by a process that has ended (a killed run)."""
    made = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from labeldesk.core.staging import make_staging;"
            "from pathlib import Path; print(make_staging(Path(sys.argv[1])))",
            str(target),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    staging = Path(made.stdout.strip())
    (staging / "thumbs" / "ab").mkdir(parents=True)
    (staging / "thumbs" / "ab" / "ab12.jpg").write_bytes(b"a thumbnail")
    (staging / "labeldesk.db").write_bytes(b"a database")
    return staging


def test_a_file_written_during_the_delete_is_deleted_too(tmp_path, monkeypatch):
    staging = make_staging(tmp_path / "proj")
    (staging / "thumbs" / "ab").mkdir(parents=True)
    (staging / "thumbs" / "ab" / "ab12.jpg").write_bytes(b"a thumbnail")
    written = late_writes(monkeypatch, staging / "thumbs", times=1)
    delete_marked(staging)
    assert written == ["late0.jpg"]
    assert list(tmp_path.iterdir()) == []


def test_a_folder_that_cannot_be_emptied_keeps_its_marker_for_the_next_run(tmp_path, monkeypatch):
    target = tmp_path / "proj"
    staging = staged_project(target)
    with monkeypatch.context() as patched:
        late_writes(patched, staging / "thumbs", times=100)  # a writer that never stops
        assert remove_stale(target) == []
        assert (staging / MARKER).is_file()
        assert not (staging / "labeldesk.db").exists()
    assert remove_stale(target) == [staging]  # the next run, once the writer has stopped
    assert list(tmp_path.iterdir()) == []


def test_nothing_beside_the_staging_folder_is_touched(tmp_path, monkeypatch):
    target = tmp_path / "proj"
    staging = staged_project(target)
    (tmp_path / "mine.txt").write_text("a person's file")
    (tmp_path / "thumbs").mkdir()  # named as a staging folder's subfolder, not in one
    (tmp_path / "thumbs" / "keep.jpg").write_bytes(b"theirs")
    late_writes(monkeypatch, staging / "thumbs", times=2)
    assert remove_stale(target) == [staging]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.txt", "thumbs"]
    assert (tmp_path / "thumbs" / "keep.jpg").read_bytes() == b"theirs"


def test_a_file_written_between_the_last_look_and_the_folders_removal_keeps_its_marker(
    tmp_path, monkeypatch
):
    """The folder itself is removed after its marker: a worker that made its thumbnail
    folder again just then (after the delete had found the folder empty) made that
    removal fail, and the folder stayed without its marker, for good. Its marker is put
    back, as it was, and the next run removes it."""
    target = tmp_path / "proj"
    staging = staged_project(target)
    marker = (staging / MARKER).read_bytes()
    real, late = os.rmdir, []

    def rmdir(path, *args, **kwargs):
        if os.fsdecode(path) == str(staging) and not late:
            late.append((staging / "thumbs").mkdir())  # the worker's folder, again
        return real(path, *args, **kwargs)

    with monkeypatch.context() as patched:
        patched.setattr(os, "rmdir", rmdir)
        assert remove_stale(target) == []
    assert late and (staging / MARKER).read_bytes() == marker
    assert remove_stale(target) == [staging]
    assert list(tmp_path.iterdir()) == []
