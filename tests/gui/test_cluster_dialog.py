"""Tools → Embed on a Ray cluster…: the saved choice, and Compute embeddings using it."""

from __future__ import annotations

import importlib.util

import pytest

from labeldesk.gui.cluster_dialog import ClusterChoice, ClusterDialog, cluster_choice


def test_the_choice_is_checked_saved_and_switched_off_again(qtbot):
    dialog = ClusterDialog(project_open=False)
    qtbot.addWidget(dialog)
    assert not dialog.enabled.isChecked() and not dialog.fields.isEnabled()
    dialog.enabled.setChecked(True)
    assert not dialog.save_button.isEnabled()  # no address yet
    dialog.address.setText("head-node")
    assert not dialog.save_button.isEnabled() and "not a Ray address" in dialog.problem.text()
    if importlib.util.find_spec("ray") is None:
        pytest.skip("Ray is not installed: the dialog says so and saves nothing")
    dialog.address.setText("ray://head-node:10001")
    dialog.workers.setValue(4)
    dialog.remote_root.setText("s3://photos/2024")
    assert dialog.save_button.isEnabled() and not dialog.embed_button.isEnabled()
    dialog.save_button.click()
    assert cluster_choice() == ClusterChoice("ray://head-node:10001", 4, None, "s3://photos/2024")

    again = ClusterDialog()  # opens with what was saved
    qtbot.addWidget(again)
    assert again.address.text() == "ray://head-node:10001" and again.workers.value() == 4
    again.enabled.setChecked(False)
    again.save_button.click()
    assert cluster_choice() is None  # embeddings run here again; the address is kept
    assert ClusterDialog().address.text() == "ray://head-node:10001"


def test_compute_embeddings_runs_on_the_saved_cluster(
    qtbot, window, project, monkeypatch, child_targets
):
    """Through the menu as a user would: save a cluster and embed now. Nothing answers
    at the address: one clear message, and the project is left as it was."""
    if importlib.util.find_spec("ray") is None:
        pytest.skip("Ray is not installed")
    window.open_project(project.path)
    errors: list[str] = []
    monkeypatch.setattr(window, "notify_error", lambda message, dialog=True: errors.append(message))

    def fill_in_and_embed(dialog: ClusterDialog) -> int:
        dialog.enabled.setChecked(True)
        dialog.address.setText("127.0.0.1:9")
        dialog.embed_button.click()
        return dialog.result()

    monkeypatch.setattr(ClusterDialog, "exec", fill_in_and_embed)
    window.menus.cluster_action.trigger()
    job = window.embed_job
    assert job is not None
    qtbot.waitUntil(lambda: not job.running, timeout=60000)
    assert child_targets == ["labeldesk.ml.ray_embed:embed_on_ray"]
    assert errors and "no Ray cluster answers at 127.0.0.1:9" in errors[0]
    assert not (project.path / "embeddings").exists()
    assert "on the Ray cluster" in window.menus.embed_action.text()
