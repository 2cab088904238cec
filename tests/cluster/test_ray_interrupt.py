"""Ctrl+C (or SIGTERM) while the job's batches come back: the command's one line says
what is kept and how to go on, as a head lost mid-job does. Before, it said only
"interrupted", and the user could not tell whether the minutes of work were lost. The
cluster is a stand-in (no Ray needed); Ctrl+C arrives in this process's main thread,
where the batches are stored (here: as progress is reported)."""

from __future__ import annotations

from typing import Any

import pytest

from cluster.test_ray_model_switch import StandIn, embedded  # noqa: F401
from labeldesk.core.progress import Progress
from labeldesk.ml import ray_embed
from labeldesk.ml.store import project_vectors


def interrupted_at(project: Any, done: int) -> KeyboardInterrupt:
    """embed_on_ray, with Ctrl+C once ``done`` images are stored (0: before any)."""

    def progress(update: Progress) -> None:
        if update.total and update.done == done:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt) as raised:
        ray_embed.embed_on_ray(project, "tiny:48", address="127.0.0.1:6379", progress=progress)
    return raised.value


def test_ctrl_c_mid_job_says_what_is_kept_and_what_is_left(embedded, monkeypatch):  # noqa: F811
    project, n = embedded
    StandIn(monkeypatch, project, take=99, fail=False)
    stopped = interrupted_at(project, 8)
    assert stopped.__notes__ == [
        f"stopped on the Ray cluster; the 8 images embedded before that are kept and "
        f"{n - 8} are left: run it again, and it embeds only those"
    ]
    assert len(project_vectors(project).paths) == 8  # the batches kept, whole


def test_ctrl_c_before_the_first_batch_says_none_came_back(embedded, monkeypatch):  # noqa: F811
    project, n = embedded
    StandIn(monkeypatch, project, take=99, fail=False)
    stopped = interrupted_at(project, 0)
    assert stopped.__notes__ == [
        f"stopped on the Ray cluster before its first batch came back: run it again to "
        f"embed the {n} images"
    ]


def test_sigterm_while_the_first_batch_is_made_the_projects_says_it_is_kept(embedded, monkeypatch):  # noqa: F811
    """SIGTERM (or Ctrl+C) arriving just after the first batch was appended, while the
    project was being switched to its store: the message said "before its first batch
    came back" with 8 images stored (seen on the tests' real cluster), the count being
    made after that switch."""
    from cluster.test_ray_model_switch import DIM, OTHER
    from labeldesk.ml.store import embeddings_dir
    from labeldesk.ml.vectors import VectorStore

    project, n = embedded
    StandIn(monkeypatch, project, take=99, fail=False)

    def switching(*args, **kwargs):  # the signal arrives in the project's database write
        raise KeyboardInterrupt

    monkeypatch.setattr(ray_embed, "use_store", switching)
    with pytest.raises(KeyboardInterrupt) as raised:
        ray_embed.embed_on_ray(project, "tiny:48", address="127.0.0.1:6379")
    assert raised.value.__notes__ == [
        f"stopped on the Ray cluster; the 4 images embedded before that are kept and "
        f"{n - 4} are left: run it again, and it embeds only those"
    ]
    assert VectorStore(embeddings_dir(project) / OTHER.identity.key, DIM).count == 4
