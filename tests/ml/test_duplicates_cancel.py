"""find_duplicates reports its phases and stops promptly when cancelled (no network)."""

from __future__ import annotations

import pytest

from labeldesk.core import imageio
from labeldesk.core.errors import Cancelled
from labeldesk.core.progress import CancelToken, Progress
from labeldesk.ml import duplicates
from labeldesk.ml.duplicates import PHASES, find_duplicates


def forget_phashes(project) -> int:
    with project.db.write() as conn:
        conn.execute("UPDATE images SET phash = NULL")
    return len(project.db.query("SELECT id FROM images WHERE hash IS NOT NULL"))


def missing_phashes(project) -> int:
    return len(project.db.query("SELECT id FROM images WHERE phash IS NULL"))


def test_a_full_run_reports_every_phase_in_order(clustered_project):
    seen: list[Progress] = []
    groups = find_duplicates(clustered_project, progress=seen.append, cancel=CancelToken())
    assert [p.message for p in seen] == [*PHASES, "done"]
    assert [p.done for p in seen] == list(range(len(PHASES) + 1))
    assert {p.total for p in seen} == {len(PHASES)}
    assert groups == find_duplicates(clustered_project)  # same answer without progress or token


def test_a_token_cancelled_up_front_raises_before_any_work(clustered_project):
    forget_phashes(clustered_project)
    token = CancelToken()
    token.cancel()
    seen: list[Progress] = []
    with pytest.raises(Cancelled):
        find_duplicates(clustered_project, progress=seen.append, cancel=token)
    assert seen == []
    assert missing_phashes(clustered_project) > 0  # not one hash computed


@pytest.mark.parametrize("phase", PHASES)
def test_cancelling_during_a_phase_stops_before_the_next(clustered_project, phase):
    token = CancelToken()
    seen: list[str] = []

    def progress(update: Progress) -> None:
        seen.append(update.message)
        if update.message == phase:
            token.cancel()  # as if the user pressed Cancel while this phase runs

    with pytest.raises(Cancelled):
        find_duplicates(clustered_project, progress=progress, cancel=token)
    assert seen[-1] == phase


def test_near_duplicate_pairs_are_checked_between_batches(clustered_project, monkeypatch):
    monkeypatch.setattr(duplicates, "BATCH", 1)
    token = CancelToken()
    calls: list[int] = []

    def distance(a: int, b: int) -> int:
        calls.append(1)
        token.cancel()
        return 0

    monkeypatch.setattr(imageio, "hash_distance", distance)
    with pytest.raises(Cancelled):
        find_duplicates(clustered_project, threshold=-1.0, cancel=token)  # every pair a candidate
    assert len(calls) == 1  # the next batch saw the cancel


def test_perceptual_hashes_stop_between_batches_and_keep_what_was_done(
    clustered_project, monkeypatch
):
    total = forget_phashes(clustered_project)
    monkeypatch.setattr(duplicates, "BATCH", 1)
    token = CancelToken()
    real = imageio.cached_phash
    calls: list[int] = []

    def phash(thumb):
        calls.append(1)
        if len(calls) == 3:
            token.cancel()
        return real(thumb)

    monkeypatch.setattr(imageio, "cached_phash", phash)
    with pytest.raises(Cancelled):
        find_duplicates(clustered_project, cancel=token)
    assert len(calls) == 3
    assert missing_phashes(clustered_project) == total - 3  # the three hashes found were saved
    monkeypatch.setattr(imageio, "cached_phash", real)
    find_duplicates(clustered_project)  # the next run finishes the job
    assert missing_phashes(clustered_project) == 0
