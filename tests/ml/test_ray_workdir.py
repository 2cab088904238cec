"""The working directory a Ray job is given (ml/ray_workdir.py), so that its workers do
not import LabelDesk from the folder the command was run in: an empty folder of this
process's, for as long as ``ray.init`` runs; none where Ray adds no such folder (Ray
Client) or the job has the user's own (`ray job submit --working-dir`)."""

from __future__ import annotations

import json
import os

import pytest

from labeldesk.ml.ray_workdir import SUBMITTED_JOB, job_environment


def test_a_direct_connection_gets_an_empty_folder_removed_after(monkeypatch):
    monkeypatch.delenv(SUBMITTED_JOB, raising=False)
    with job_environment("127.0.0.1:6379") as env:
        assert env is not None
        folder = env["working_dir"]
        assert os.path.isdir(folder) and os.listdir(folder) == []
    assert not os.path.exists(folder)


def test_ray_client_and_a_job_with_its_own_working_dir_get_none(monkeypatch):
    monkeypatch.delenv(SUBMITTED_JOB, raising=False)
    with job_environment(" ray://head:10001") as env:
        assert env is None
    monkeypatch.setenv(SUBMITTED_JOB, json.dumps({"runtime_env": {"working_dir": "/srv/app"}}))
    with job_environment("auto") as env:
        assert env is None


def test_a_submitted_job_without_a_working_dir_gets_one(monkeypatch):
    monkeypatch.setenv(SUBMITTED_JOB, json.dumps({"runtime_env": {"pip": ["x"]}}))
    with job_environment("auto") as env:
        assert env is not None and os.path.isdir(env["working_dir"])
    monkeypatch.setenv(SUBMITTED_JOB, "not json")
    with job_environment("auto") as env:
        assert env is not None


def test_a_process_leaving_while_ray_init_runs_removes_its_folder(monkeypatch):
    """`cli.leave` with a ``ray.init`` still in Ray's hands ends the process without its
    teardown: the folder that call was given goes first."""
    from labeldesk import cli
    from labeldesk.ml import ray_cluster

    monkeypatch.delenv(SUBMITTED_JOB, raising=False)
    monkeypatch.setattr(ray_cluster, "left_to_ray", lambda: True)
    monkeypatch.setattr(cli.os, "_exit", lambda code: None)
    with job_environment("127.0.0.1:6379") as env:  # (ray.init still running)
        assert env is not None
        with pytest.raises(SystemExit):  # (the stand-in for os._exit returns)
            cli.leave(1)
        assert not os.path.exists(env["working_dir"])
