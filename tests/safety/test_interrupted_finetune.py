"""`labeldesk train --mode finetune` stopped with Ctrl+C (a real SIGINT, sent as a person
presses it) while its result is written to the project: once saving has begun, Ctrl+C
waits until the model, its version row and its dataset version are all written, then the
command stops (exit 130) saying what was kept. Before, a Ctrl+C then lost the epoch the
first Ctrl+C had just kept, or (after the version's transaction) deleted the folder of a
recorded version, whose model then could not be loaded."""

from __future__ import annotations

import json
import signal

import pytest

from safety.killed_runs import leftovers, run_interrupted
from safety.test_killed_finetune import tuned, usable  # noqa: F401 (a fixture)
from safety.test_killed_train import unused_folders

pytestmark = pytest.mark.slow  # real commands in child processes: seconds each

EPOCH_2_SAVED = ("os.replace", 2, "model.safetensors")  # the first Ctrl+C: in epoch 2
RECORDED = ("os.unlink", 1, ".labeldesk-run")  # the second: its version just committed


def test_ctrl_c_while_the_kept_epoch_is_saved_keeps_it_whole(tuned):  # noqa: F811
    project, *_ = tuned
    had, in_use, _ = usable(project)
    done = run_interrupted(
        ["train", project, "--mode", "finetune", "--epochs", "2"], [EPOCH_2_SAVED, RECORDED]
    )
    assert done.returncode == 130, done.stderr[-3000:]
    assert "Ctrl+C again is ignored until it is saved" in done.stderr
    error = json.loads(done.stdout)["error"]
    versions, now_in_use, _ = usable(project)  # every recorded model loads
    assert versions == had + 1 and now_in_use == in_use
    assert f"fine-tuned model version {versions} keeps epoch 1 of 2" in error
    assert unused_folders(project) == [] and leftovers(project) == []


def test_sigterm_while_a_finished_run_is_saved_waits_until_it_is_saved_whole(tuned):  # noqa: F811
    """`kill` (SIGTERM) as the version of a run that finished all its epochs is just
    committed: held as Ctrl+C is; the run is saved whole, as one still to embed with,
    and the command stops (exit 143) saying so, before its re-embedding."""
    project, *_ = tuned
    had, in_use, _ = usable(project)
    done = run_interrupted(
        ["train", project, "--mode", "finetune", "--epochs", "1"], [RECORDED], send=signal.SIGTERM
    )
    assert done.returncode == 143, done.stderr[-3000:]
    assert "Ctrl+C again is ignored until it is saved" in done.stderr
    error = json.loads(done.stdout)["error"]
    versions, now_in_use, _ = usable(project)  # every recorded model loads
    assert versions == had + 1 and now_in_use == in_use
    assert error.startswith("terminated; ")
    assert f"fine-tuned model version {versions} is saved, but embedding with it" in error
    assert unused_folders(project) == [] and leftovers(project) == []
