"""With --json, stdout is one JSON document even when something else in the process
prints to sys.stdout while the command runs (Ray's driver prints "(raylet) A worker
died…" from a thread of its own): those lines go to stderr."""

from __future__ import annotations

import json
import sys
import threading

import pytest

from labeldesk.cli import main
from labeldesk.ml import ray_embed
from labeldesk.ml.ray_errors import ClusterError

DIED = "(raylet) A worker died or was killed while executing a task by an unexpected system error"


def chatty_embed(fail: bool):
    """embed_on_ray as a Ray driver behaves: a thread of Ray's prints to sys.stdout."""

    def embed_on_ray(project, model=None, *, address, **kwargs):
        printer = threading.Thread(target=lambda: print(DIED))  # sys.stdout as it prints
        printer.start()
        printer.join()
        sys.stdout.write("and a plain write from this thread\n")
        if fail:
            raise ClusterError("the Ray job failed: the node went away")
        report = ray_embed.ClusterEmbedReport("tiny", "tiny-key", "cpu", address=address)
        report.embedded, report.nodes, report.workers = 3, 2, 2
        return report

    return embed_on_ray


@pytest.mark.parametrize("fail", [False, True])
def test_prints_from_other_threads_go_to_stderr_with_json(project, capsys, monkeypatch, fail):
    monkeypatch.setattr(ray_embed, "embed_on_ray", chatty_embed(fail))
    code = main(["embed", str(project.path), "--ray", "127.0.0.1:6379", "--json"])
    out, err = capsys.readouterr()
    document = json.loads(out)  # the whole of stdout (was: the raylet line first)
    if fail:
        assert code == 1 and document["kind"] == "ClusterError"
        assert "node went away" in document["error"]
    else:
        assert code == 0 and document["embedded"] == 3 and document["engine"] == "ray"
    assert DIED in err and "a plain write" in err
    assert sys.stdout is not sys.stderr  # put back after the command


def test_without_json_prints_stay_on_stdout(project, capsys, monkeypatch):
    monkeypatch.setattr(ray_embed, "embed_on_ray", chatty_embed(False))
    assert main(["embed", str(project.path), "--ray", "127.0.0.1:6379"]) == 0
    out, _ = capsys.readouterr()
    assert DIED in out and "3 images embedded" in out
