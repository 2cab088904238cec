"""Syncing an export's files to the disk (after they are hashed for the manifest) is a
phase of its own that reports progress and heeds a cancel. Before, it said nothing and
could not be stopped: on a million-file export, minutes of a command (or the export
dialog) frozen at "hashing the exported files: 100%", and a Ctrl+C or the dialog's
Cancel waited for every file to be synced."""

from __future__ import annotations

import os
import stat
import threading

import pytest

from labeldesk.core import durable
from labeldesk.core.errors import Cancelled
from labeldesk.core.progress import CancelToken, Progress
from labeldesk.interop.export import export
from labeldesk.interop.manifest import HASHING, SYNCING
from labeldesk.interop.writing import EXPORT_CANCELLED


@pytest.fixture
def file_syncs(monkeypatch):
    """Each fsync of a regular file, as its (device, inode), in order."""
    calls: list[tuple[int, int]] = []
    real = os.fsync

    def fsync(fd: int) -> None:
        st = os.fstat(fd)
        real(fd)
        if stat.S_ISREG(st.st_mode):
            calls.append((st.st_dev, st.st_ino))

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(durable, "SYNC_REPORT_EVERY", 2)
    return calls


def test_syncing_an_export_reports_each_step_after_its_files_are_synced(
    project, tmp_path, file_syncs
):
    reports: list[tuple[Progress, int]] = []  # with the files synced by then
    export(project, tmp_path / "out", progress=lambda p: reports.append((p, len(file_syncs))))

    hashed = [p for p, _ in reports if p.message == HASHING][-1].total
    syncing = [(p, n) for p, n in reports if p.message == SYNCING]
    assert hashed > 4
    assert [p.done for p, _ in syncing] == [0, *range(2, hashed, 2), hashed]
    assert {(p.total, (p.data or {}).get("unit")) for p, _ in syncing} == {(hashed, "file")}
    assert all(p.done <= n for p, n in syncing)  # never ahead of the syncs made
    last_hashing = max(i for i, (p, _) in enumerate(reports) if p.message == HASHING)
    assert reports.index(syncing[0]) > last_hashing


def test_a_cancel_while_syncing_stops_the_syncs_and_leaves_nothing(
    project, tmp_path, file_syncs, monkeypatch
):
    monkeypatch.setattr(durable, "SYNC_THREADS", 2)
    cancel, syncing, cancelled = CancelToken(), threading.Event(), threading.Event()
    recorded = os.fsync

    def fsync(fd: int) -> None:  # while syncing, the third file on waits for the cancel
        if syncing.is_set() and len(file_syncs) >= 2:
            assert cancelled.wait(30)
        recorded(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    hashed: list[int] = []

    def progress(p: Progress) -> None:
        if p.message == HASHING:
            hashed.append(p.total)
        elif p.message == SYNCING and p.done == 0:
            file_syncs.clear()  # (those of the syncing phase only)
            syncing.set()
        elif p.message == SYNCING:
            cancel.cancel()
            cancelled.set()

    before = sorted(os.listdir(tmp_path))
    with pytest.raises(Cancelled, match=EXPORT_CANCELLED):
        export(project, tmp_path / "out", progress=progress, cancel=cancel)
    assert 2 <= len(set(file_syncs)) < hashed[-1]  # it stopped before every file was synced
    assert sorted(os.listdir(tmp_path)) == before  # no export, no staging folder left


def test_ctrl_c_while_syncing_stops_the_syncs(project, tmp_path, file_syncs, monkeypatch):
    """Ctrl+C (a KeyboardInterrupt in the main thread, as the command line gets it)
    while syncing stops it as a cancel does, rather than after every file queued."""
    monkeypatch.setattr(durable, "SYNC_THREADS", 2)
    syncing, interrupted = threading.Event(), threading.Event()
    recorded = os.fsync

    def fsync(fd: int) -> None:  # while syncing, the third file on waits for the Ctrl+C
        if syncing.is_set() and len(file_syncs) >= 2:
            assert interrupted.wait(30)
        recorded(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    totals: list[int] = []

    def progress(p: Progress) -> None:
        if p.message == SYNCING and p.done == 0:
            file_syncs.clear()
            syncing.set()
        elif p.message == SYNCING:
            totals.append(p.total)
            interrupted.set()
            raise KeyboardInterrupt

    before = sorted(os.listdir(tmp_path))
    with pytest.raises(KeyboardInterrupt):
        export(project, tmp_path / "out", progress=progress)
    assert 2 <= len(set(file_syncs)) < totals[-1]  # the files left were not synced
    assert sorted(os.listdir(tmp_path)) == before
