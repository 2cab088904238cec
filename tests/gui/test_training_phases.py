"""The Training page tells a fine-tune's own phases from the re-embedding after it by
their message's start (the page does not import the heavy fine-tune module): each phase
the fine-tune reports must start with one of them, or the page would take it for the
re-embedding and pace its time left wrongly."""

from __future__ import annotations

from labeldesk.core.progress import Progress
from labeldesk.gui.training_panel import re_embedding
from labeldesk.ml import finetune


def test_every_phase_a_fine_tune_reports_is_one_of_its_own():
    for message in (
        "loading backbone",
        finetune.FINE_TUNING,
        "keeping epoch 2: scoring it",
        finetune.SAVING,
    ):
        assert not re_embedding(Progress(0, 0, message)), message
    assert re_embedding(Progress(10, 600, "embedding"))
