"""While a review's list is computed, the page and the job bar say what is looked for:
the labeling queue said "Finding labeling queue…", as if the queue were a thing to look
for; now "Finding the images to label next…". The mislabels' words stay."""

from __future__ import annotations

from ml.fake_embeddings import make_clustered_project

from labeldesk.gui.review_view import ReviewView
from labeldesk.gui.workers import JobRunner


def test_the_words_while_a_review_list_is_computed(qtbot, tmp_path):
    project, _ = make_clustered_project(tmp_path)
    runner = JobRunner()
    tracked: list[str] = []
    view = ReviewView(project, runner, track=lambda job, title: tracked.append(title))
    qtbot.addWidget(view)
    view.show()
    try:
        for source, words in (
            ("queue", "Finding the images to label next"),
            ("issues", "Finding likely mislabels"),
        ):
            with qtbot.waitSignal(view.loaded, timeout=20000):
                view.load(source)
                assert view.notice.text() == f"{words}…"
            assert tracked[-1] == words
    finally:
        view.shutdown()
        runner.pool.waitForDone(10000)
        runner.shutdown()
        project.close()
