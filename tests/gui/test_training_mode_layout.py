"""Switching the training mode on a 1280 × 720 screen: the "Train blocks" row appeared
for a fine-tune, so Start training and Cancel moved down a row under the pointer and the
settings column widened (its longer label), moving the plot. The row keeps its room."""

from __future__ import annotations

from ml.fake_embeddings import make_clustered_project
from PySide6.QtWidgets import QApplication

from labeldesk.gui.training_panel import TrainingPanel


def test_the_settings_and_buttons_stay_put_when_the_mode_changes(qtbot, tmp_path):
    project, _ = make_clustered_project(tmp_path)
    panel = TrainingPanel(project)
    qtbot.addWidget(panel)
    try:
        panel.resize(1268, 640)  # the page in a 1280 × 720 window
        panel.show()
        qtbot.waitExposed(panel)
        settings = panel.start_button.parentWidget()
        watched = (settings, panel.start_button, panel.cancel_button, panel.plot)

        def places() -> list[tuple[int, int, int, int]]:
            QApplication.processEvents()
            return [w.geometry().getRect() for w in watched]

        head = places()
        assert panel.train_blocks.isHidden()
        panel.mode.setCurrentIndex(panel.mode.findData("finetune"))
        assert not panel.train_blocks.isHidden()
        assert places() == head
        panel.mode.setCurrentIndex(panel.mode.findData("head"))
        assert places() == head
    finally:
        panel.shutdown()
        project.close()
