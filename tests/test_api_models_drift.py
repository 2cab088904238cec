"""The notebook API's drift report and model versions give what the command line prints."""

from __future__ import annotations

import json

from ml.drift_fixtures import make_project, new_folder
from ml.fake_embeddings import OVERLAPPING, make_overlapping_project

import labeldesk as ld
from labeldesk.cli import main
from labeldesk.core.vocab import EXCLUDED
from labeldesk.ml.model_choice import train_and_choose
from labeldesk.ml.train import HeadParams


def test_model_versions_match_the_cli_listing(tmp_path, capsys):
    project = make_overlapping_project(tmp_path)
    try:
        good, _ = train_and_choose(project, HeadParams(epochs=40))
        project.set_status(
            [f"train/{n}/{i}.png" for n in OVERLAPPING for i in range(2, 80)], EXCLUDED
        )
        worse, _ = train_and_choose(project, HeadParams(epochs=40))
        table = ld.model_versions(project).set_index("id")
        assert main(["models", str(project.path), "--json"]) == 0
        rows = {r["id"]: r for r in json.loads(capsys.readouterr().out)}
        assert list(table.index) == [worse.id, good.id]
        for version_id, row in rows.items():
            assert table.loc[version_id, "in_use"] == row["in_use"]
            assert table.loc[version_id, "chosen"] == row["chosen"]
            assert table.loc[version_id, "accuracy"] == row["evaluation"]["accuracy"]
        assert (
            table.loc[good.id, "chosen"]
            and table.loc[good.id, "accuracy"] > table.loc[worse.id, "accuracy"]
        )
        assert not table["in_use"].any()  # labels changed since #good: the probe predicts
    finally:
        project.close()


def test_drift_report_from_the_api_is_saved_like_the_cli_one(tmp_path):
    from labeldesk.ml.drift_history import drift_history

    project = make_project(tmp_path)
    try:
        folder, shifted = new_folder(tmp_path / "new", per_class=15, new_class=15, seed=9)
        report = ld.drift(project, folder, device="cpu", runtime="torch")
        assert report["images"] == 60 and report["shift"] is True
        assert sum(n["path"] in shifted for n in report["novel"][:15]) >= 13
        history = drift_history(project)
        assert len(history) == 1 and history[0]["novel"] == report["novel"]
        # where it was saved, as `drift --json` says it ("saved" was missing here)
        assert report["saved"] == str(project.path / "drift" / history[0]["file"])
    finally:
        project.close()
