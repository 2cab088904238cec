"""A Ray job that fails says what the cluster reported meanwhile and where its time went,
as one that finishes does (both were said only of finished jobs), on the command line
and through the app's child process (which passed on the error's message alone)."""

from __future__ import annotations

import pytest

from labeldesk.core.errors import Cancelled, LabelDeskError
from labeldesk.core.failures import describe
from labeldesk.ml.child_jobs import run_in_child
from labeldesk.ml.ray_notices import NodeLost, Notices, noted
from labeldesk.ml.ray_timing import JobTiming

DIED = "A worker died or was killed while executing a task. Worker IP address: 10.0.0.2"
NOTE = "note: a Ray worker died during the job (on 10.0.0.2)"


def test_a_failed_job_is_noted_with_the_notices_and_its_timing_once_sent():
    notices = Notices()
    notices.take(DIED)
    timing = JobTiming()
    with pytest.raises(NodeLost) as before_sent, noted(notices, timing):
        raise NodeLost("gone")
    message, kind = describe(before_sent.value)
    assert kind == "NodeLost" and message.startswith(f"gone; {NOTE}")
    assert "where the time went" not in message  # nothing was sent: no timing to tell
    timing.job_started()
    with pytest.raises(NodeLost) as sent, noted(notices, timing):
        raise NodeLost("gone")
    assert describe(sent.value)[0].endswith(
        "; where the time went: 0.0 s joining the cluster, "
        "0.0 s checking it and loading the model here, "
        "no batch came back"
    )


def test_cancel_is_not_noted():
    notices = Notices()
    notices.take(DIED)
    with pytest.raises(Cancelled) as stopped, noted(notices):
        raise Cancelled("stopped")
    assert not getattr(stopped.value, "__notes__", None)


def test_the_child_passes_the_notes_on(project):
    with pytest.raises(LabelDeskError) as failed:
        run_in_child("ml.child_targets:cluster_job_fails", project.path)
    said = str(failed.value)
    assert said.startswith(f"node 10.0.0.3 left the Ray cluster mid-job; {NOTE}")
    assert "; where the time went: " in said and "first batch of 16 images" in said
