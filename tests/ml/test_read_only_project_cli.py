"""The reading commands on a project folder that cannot be written (a read-only share,
disk or backup): issues, predictions, similar images, duplicates, outliers, the queue,
models and an export elsewhere all run, computing what they would cache in memory; the
writing commands say the project is read-only (``"kind": "ProjectReadOnly"``) and leave
every file as it was. (Every command refused such a folder: SQLite in WAL mode writes
even to read.)"""

from __future__ import annotations

import json

import pytest
from read_only_folders import snapshot

from labeldesk.cli import main
from labeldesk.ml.train import HeadParams, train_head


@pytest.fixture
def read_only_clustered(clustered, make_read_only):
    project, flipped = clustered
    train_head(project, HeadParams())
    project.close()
    make_read_only(project.path)
    return project.path, flipped


def _json(capsys, *args: str) -> tuple[int, object]:
    code = main([*args, "--json"])
    return code, json.loads(capsys.readouterr().out)


def test_reading_commands_run_on_a_read_only_project(read_only_clustered, tmp_path, capsys):
    folder, flipped = read_only_clustered
    proj = str(folder)
    before = snapshot(folder)
    code, issues = _json(capsys, "issues", proj)
    assert code == 0 and set(flipped) <= {row["path"] for row in issues}
    code, predictions = _json(capsys, "predict", proj)
    assert code == 0 and len(predictions) > 100
    code, similar = _json(capsys, "similar", proj, "train/ant/ant5.png", "-k", "3")
    assert code == 0 and len(similar) == 3
    for command in ("duplicates", "outliers", "queue", "models", "stats", "history"):
        code, _ = _json(capsys, command, proj)
        assert code == 0, command
    code, versions = _json(capsys, "version", proj, "list")
    assert code == 0 and len(versions) == 1
    code, _ = _json(capsys, "export", proj, str(tmp_path / "out"))
    assert code == 0 and (tmp_path / "out" / "train" / "ant").is_dir()
    assert snapshot(folder) == before


@pytest.mark.parametrize(
    "command",
    [
        ("label", "train/ant/ant5.png", "bee"),
        ("classes", "--add", "fox"),
        ("undo",),
        ("scan",),
        ("train",),
        ("version", "create", "v2"),
    ],
)
def test_writing_commands_say_the_project_is_read_only(read_only_clustered, capsys, command):
    folder, _ = read_only_clustered
    before = snapshot(folder)
    name, *rest = command
    code, error = _json(capsys, name, str(folder), *rest)
    assert code == 1 and error["kind"] == "ProjectReadOnly", error
    assert "is read-only" in error["error"]
    assert "copy the project folder somewhere writable and open the copy" in error["error"]
    assert snapshot(folder) == before


def test_a_drift_check_of_a_read_only_project_is_shown_not_saved(tmp_path, make_read_only, capsys):
    from ml.drift_fixtures import make_project, new_folder

    project = make_project(tmp_path)
    folder = project.path
    project.close()
    new, _ = new_folder(tmp_path / "new", per_class=5, new_class=5, seed=3)
    make_read_only(folder)
    before = snapshot(folder)
    code, report = _json(capsys, "drift", str(folder), "--images", str(new))
    assert code == 0 and report["saved"] is None and report["verdict"] in ("shift", "no shift")
    assert snapshot(folder) == before  # no history file, no folder made for one
    assert main(["drift", str(folder), "--images", str(new)]) == 0
    assert "not saved in the project's history: the project is read-only" in (
        capsys.readouterr().out
    )
