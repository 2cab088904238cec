"""A training run killed outright left its folder of weights with no version to use it,
for good; a fine-tune interrupted while embedding left no word of how to finish."""

from __future__ import annotations

import json
import socket
import subprocess
import sys

import pytest

from labeldesk.core.errors import Cancelled
from labeldesk.core.staging import process_space
from labeldesk.ml import finetune as finetune_module
from labeldesk.ml.models import RUN_MARKER, models_dir, new_version_dir, record_version


def dead_pid() -> int:
    done = subprocess.Popen([sys.executable, "-c", "pass"])
    done.wait()
    return done.pid


def record(project, checkpoint, kind="head"):
    return record_version(
        project,
        kind=kind,
        status="complete",
        label_event_id=0,
        embedding_key=None,
        params={},
        metrics={},
        checkpoint=checkpoint,
    )


def marker(folder, pid: int, **run) -> None:
    (folder / RUN_MARKER).write_text(json.dumps({"pid": pid, **run}))


def test_a_killed_runs_folder_is_removed_by_the_next_run_and_nothing_else(project):
    here = {"host": socket.gethostname(), "made_in": process_space()}
    killed = new_version_dir(project, "finetune")
    (killed / "model.safetensors").write_bytes(b"x" * 100)
    marker(killed, dead_pid(), **here)
    running = new_version_dir(project, "head")  # this process: alive, kept
    recorded = new_version_dir(project, "head")
    (recorded / "head.safetensors").write_bytes(b"y")
    marker(recorded, dead_pid(), **here)
    record(project, recorded / "head.safetensors")  # ... its row was written: in use
    marker(recorded, dead_pid(), **here)
    elsewhere = new_version_dir(project, "head")  # a run on another machine: kept
    marker(elsewhere, dead_pid(), host="other-box", made_in="another-boot/pid:[1]")
    # a run in a container on this host: the same host name, its own process ids (its
    # pid names no process here, or another one): kept while it may be running
    container = new_version_dir(project, "head")
    marker(container, dead_pid(), host=here["host"], made_in=process_space() + "-other")
    older = new_version_dir(project, "head")  # an older LabelDesk's marker: whose pid?
    marker(older, dead_pid(), host=here["host"])
    theirs = models_dir(project) / "my-notes"
    theirs.mkdir()
    (theirs / "x.txt").write_text("mine")

    new_version_dir(project, "head")

    assert not killed.exists()
    assert running.exists() and (running / RUN_MARKER).is_file()
    assert (recorded / "head.safetensors").is_file() and not (recorded / RUN_MARKER).exists()
    assert (theirs / "x.txt").read_text() == "mine"
    assert (elsewhere / RUN_MARKER).is_file()
    assert (container / RUN_MARKER).is_file() and (older / RUN_MARKER).is_file()


def test_two_runs_naming_their_folders_in_one_second_each_get_one(project, monkeypatch):
    """A run looked for a free name, then made it: another run (the app's, a second
    command) making the same name in between ended this one with 'already exists'."""
    import time
    from pathlib import Path

    monkeypatch.setattr(time, "strftime", lambda fmt, *a: "20260101-000000")
    first = new_version_dir(project, "head")
    real = Path.exists
    # the other run's folder is made just after this one looked
    monkeypatch.setattr(Path, "exists", lambda p: False if p == first else real(p))

    second = new_version_dir(project, "head")

    assert second != first and second.is_dir() and (first / RUN_MARKER).is_file()


def test_an_interrupted_reembed_says_how_to_finish(project, monkeypatch):
    from labeldesk.ml import embed
    from labeldesk.ml.models import get_version

    folder = new_version_dir(project, "finetune")
    version = record(project, folder / "model.safetensors", kind="finetune")
    monkeypatch.setattr(
        finetune_module, "finetune", lambda *a, **k: get_version(project, version.id)
    )

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(embed, "embed_project", interrupted)
    with pytest.raises(KeyboardInterrupt) as stopped:  # still Ctrl+C, with a note
        finetune_module.finetune_and_reembed(project)
    # a plain `embed` finishes them: the project awaits the tuned model's embeddings
    finish = f"until `labeldesk embed {project.path}` finishes them"
    assert any(finish in note and "--model" not in note for note in stopped.value.__notes__)


@pytest.mark.parametrize(("stop", "code"), [("interrupt", 130), ("cancel", 1)])
def test_the_command_line_says_how_to_finish_and_keeps_its_exit_status(
    project, monkeypatch, capsys, stop, code
):
    """Ctrl+C during the re-embed still exits 130 (it was turned into an error: 1)."""
    from labeldesk.cli import main
    from labeldesk.ml import embed
    from labeldesk.ml.models import get_version

    version = record(project, new_version_dir(project, "finetune") / "model.safetensors")
    monkeypatch.setattr(
        finetune_module, "finetune", lambda *a, **k: get_version(project, version.id)
    )

    def stopped(*args, **kwargs):
        raise KeyboardInterrupt if stop == "interrupt" else Cancelled("cancelled")

    monkeypatch.setattr(embed, "embed_project", stopped)
    path = str(project.path)
    assert main(["train", path, "--mode", "finetune", "--json"]) == code
    error = json.loads(capsys.readouterr().out)["error"]
    assert f"until `labeldesk embed {path}` finishes them" in error and "--model" not in error
