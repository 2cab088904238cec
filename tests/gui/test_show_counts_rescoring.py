"""While the model scores the labels again after label keys, the sidebar's Images list
says its count of likely mislabels is being updated ("Likely mislabeled (…)", above the
note that says so): it showed the old count less the labels just changed ("Likely
mislabeled (237)") beside a note that the labels were being scored again, until the
new scores came."""

from __future__ import annotations

from ml.fake_embeddings import make_clustered_project
from PySide6.QtCore import Qt

from gui.scored_window import open_scored
from labeldesk.browse.image_records import SHOW_CHOICES

FLAGGED = SHOW_CHOICES.index("flagged")


def flagged_text(view) -> str:
    return view.sidebar.show_box.itemText(FLAGGED)


def test_the_images_list_says_its_count_of_likely_mislabels_is_updating(qtbot, window, tmp_path):
    project, _ = make_clustered_project(tmp_path)
    view = open_scored(qtbot, window, project)
    before = view.catalog.show_counts(None)["flagged"]
    assert before > 0 and flagged_text(view) == f"Likely mislabeled ({before:,})"

    view.feed._timer.setInterval(600_000)  # the scoring stays due while this is read
    view.sidebar.select_show("flagged")
    catalog = view.catalog
    first = catalog.info(int(catalog.flagged.nonzero()[0][0]))
    other = next(name for name in catalog.classes if name != first.label)
    view.project.set_labels({first.path: other})  # as its class key does
    qtbot.waitUntil(lambda: view.feed.busy, timeout=5000)
    qtbot.waitUntil(lambda: view.catalog.show_counts(None)["flagged"] < before)
    assert flagged_text(view) == "Likely mislabeled (…)"
    assert view.sidebar.show_box.currentText() == "Likely mislabeled (…)"
    assert view.sidebar.expected_note.text().startswith("Scoring the labels again…")
    tip = view.sidebar.show_box.itemData(FLAGGED, Qt.ItemDataRole.ToolTipRole)
    assert tip.startswith("Scoring the labels again…")

    view.feed.refresh()
    qtbot.waitUntil(lambda: not view.feed.busy, timeout=20000)
    now = view.catalog.show_counts(None)["flagged"]
    assert flagged_text(view) == f"Likely mislabeled ({now:,})"
