"""The training page's versions: frozen-test scores, the head in use, compare, pin."""

from __future__ import annotations

import pytest
from ml.fake_embeddings import OVERLAPPING, make_overlapping_project

from labeldesk.core.vocab import EXCLUDED
from labeldesk.gui.history_table import SCORE_COLUMN
from labeldesk.gui.training_panel import TrainingPanel
from labeldesk.ml.model_choice import in_use, train_and_choose
from labeldesk.ml.train import HeadParams

pytest.importorskip("torch")

IN_USE_COLUMN = SCORE_COLUMN + 3


@pytest.fixture
def trained(qtbot, tmp_path):
    """A project with a good head (#1, in use) and a worse one trained on 2 labels per
    class (#2, kept out), and the training page open on it."""
    project = make_overlapping_project(tmp_path)
    good, _ = train_and_choose(project, HeadParams(epochs=40))
    few = [f"train/{n}/{i}.png" for n in OVERLAPPING for i in range(2, 80)]
    project.set_status(few, EXCLUDED)
    worse, _ = train_and_choose(project, HeadParams(epochs=40))
    panel = TrainingPanel(project)
    qtbot.addWidget(panel)
    panel.resize(1100, 750)
    panel.show()
    box = panel.versions_box
    qtbot.waitUntil(lambda: box.in_use.text().startswith("In use"), timeout=60_000)
    yield panel, good, worse
    panel.shutdown()
    project.close()


def _row(panel, version_id):
    return next(r for r, v in enumerate(panel.versions_box.versions) if v.id == version_id)


def _select_rows(panel, *versions) -> None:
    """The rows of ``versions`` added to the table's selection (as a Ctrl+click would)."""
    for version in versions:
        index = panel.table.model().index(_row(panel, version.id), 0)
        panel.table.selectionModel().select(
            index,
            panel.table.selectionModel().SelectionFlag.Select
            | panel.table.selectionModel().SelectionFlag.Rows,
        )


def test_versions_show_frozen_test_scores_and_the_head_in_use(trained):
    panel, good, worse = trained
    box = panel.versions_box
    assert box.in_use.text().startswith(f"In use: #{good.id} (kept")
    assert "frozen test set" in box.in_use.text()
    # labels changed since #good was trained (the exclusions): the probe predicts now
    assert "For now a quick fit on the embeddings (the linear probe) predicts" in (
        box.in_use.text()
    )
    table = panel.table
    assert table.item(_row(panel, good.id), IN_USE_COLUMN).text() == "✓"
    assert table.item(_row(panel, worse.id), IN_USE_COLUMN).text() == ""
    good_acc = table.item(_row(panel, good.id), SCORE_COLUMN).text()
    worse_acc = table.item(_row(panel, worse.id), SCORE_COLUMN).text()
    assert float(good_acc.rstrip("%")) > float(worse_acc.rstrip("%"))
    assert "200 images of" in table.item(_row(panel, good.id), SCORE_COLUMN).toolTip()


def test_comparing_two_lists_the_images_only_one_gets_right(qtbot, trained):
    panel, good, worse = trained
    box = panel.versions_box
    assert not box.compare_button.isEnabled()
    panel.table.selectRow(_row(panel, good.id))
    assert box.pin_button.isEnabled() and not box.compare_button.isEnabled()
    _select_rows(panel, good, worse)
    assert box.compare_button.isEnabled() and not box.pin_button.isEnabled()
    box.compare_button.click()
    qtbot.waitUntil(box.comparison.isVisible, timeout=60_000)
    text = box.comparison.toPlainText()
    assert f"#{worse.id} makes significantly more mistakes than #{good.id}" in text
    assert "one-sided McNemar p = " in text and "(two-sided " in text
    assert f"Only #{good.id} right" in text and "test/" in text


def test_pinning_a_version_makes_the_app_use_it(qtbot, trained):
    panel, _, worse = trained
    box = panel.versions_box
    changed = []
    panel.inUseChanged.connect(lambda: changed.append(True))
    panel.table.selectRow(_row(panel, worse.id))
    assert not box.unpin_button.isEnabled()  # nothing pinned yet
    box.pin_button.click()
    assert changed and in_use(panel.project).version.id == worse.id
    qtbot.waitUntil(lambda: "pinned by hand" in box.in_use.text(), timeout=60_000)
    assert box.unpin_button.isEnabled()
    assert panel.table.item(_row(panel, worse.id), IN_USE_COLUMN).text() == "✓"
    box.unpin_button.click()
    qtbot.waitUntil(lambda: "kept" in box.in_use.text(), timeout=60_000)


def test_a_comparison_on_no_image_says_why_and_gives_no_verdict(qtbot, trained):
    """Every test image's class removed since: "Compare two" said "on 0 images … p = 1.
    #2 is not worse than #1." (a verdict on nothing, with no reason); `labeldesk models
    --compare` names the reason."""
    panel, good, worse = trained
    project = panel.project
    for name in OVERLAPPING:
        project.remove_class(name)
    box = panel.versions_box

    _select_rows(panel, good, worse)
    box.compare_button.click()
    qtbot.waitUntil(box.comparison.isVisible, timeout=60_000)
    text = box.comparison.toPlainText()
    assert "): no test image could be scored by both: " in text
    assert f"#{good.id}: class removed since (" in text
    assert "not worse" not in text and "McNemar" not in text
