"""`undo --batch N` of a batch undone and then redone names the redo's batch, which holds
the change now, and the command that takes it back."""

from __future__ import annotations

import json
import shlex

from labeldesk.cli import main


def test_undo_of_a_redone_batch_gives_the_command_for_the_batch_that_holds_it(project, capsys):
    path = str(project.path)
    made = project.set_label("_unlabeled/u0.png", "cat").batch_id
    assert main(["undo", path, "--json"]) == 0
    undo = json.loads(capsys.readouterr().out)["undo_batch"]
    assert main(["redo", path, "--json"]) == 0
    redo = json.loads(capsys.readouterr().out)["redo_batch"]
    assert main(["undo", path, "--batch", str(made)]) == 1
    err = capsys.readouterr().err
    assert (
        f"batch {made} was undone by batch {undo} and made again by batch {redo}; undo batch "
        f"{redo} to take it back (`labeldesk undo {shlex.quote(path)} --batch {redo}`)"
    ) in err
    assert main(["undo", path, "--batch", str(made), "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["kind"] == "NothingToUndoError"
    assert main(["undo", path, "--batch", str(redo)]) == 0  # the advice works
