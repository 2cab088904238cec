"""What the detail panel says of an image the model has no view of."""

from __future__ import annotations


def test_the_detail_panel_promises_no_score_for_a_file_that_is_not_an_image():
    from labeldesk.gui.detail_panel import describe_insight

    assert describe_insight(None, None, skipped=True)[0] == "none: the file is not a usable image"
    assert describe_insight(None, "cat")[0].startswith("not computed yet")
