"""Picking *Fine-tune backbone* says, before Start, what it costs: the network itself is
trained and every image embedded again, minutes on a CPU (nothing said so until the run
was under way, and the mode's name gave no hint beside the head's *fast*)."""

from __future__ import annotations

import pytest

pytest.importorskip("torch")


def test_the_fine_tune_mode_says_what_it_costs_before_it_starts(training_panel):
    # (one test: each panel starts a device check in a child process)
    panel = training_panel
    assert not panel.cost.isVisible()  # the head, picked first, takes seconds
    panel.mode.setCurrentIndex(panel.mode.findData("finetune"))
    assert panel.cost.isVisible()
    assert "embeds every image again" in panel.cost.text()
    assert "minutes on a CPU" in panel.cost.text()
    panel._set_running(True)  # as Start does: the run's own plan line says the rest
    assert not panel.cost.isVisible()
    panel._set_running(False)
    assert panel.cost.isVisible()
    panel.mode.setCurrentIndex(panel.mode.findData("head"))
    assert not panel.cost.isVisible()
