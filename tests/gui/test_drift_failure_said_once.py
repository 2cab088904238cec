"""A drift check that could not run said why three times: on the page's line, in a
dialog over it and in the status bar (seen checking a folder in a project not embedded
yet). The page's line says it, and the status bar; no dialog."""

from __future__ import annotations

import pytest

from gui.drift_pages import window_whose_check_found_no_embeddings

pytest.importorskip("torch")


def test_a_check_without_embeddings_says_why_on_the_page_without_a_dialog(
    qtbot, tmp_path, monkeypatch
):
    dialogs: list[str] = []
    with window_whose_check_found_no_embeddings(qtbot, tmp_path, monkeypatch, dialogs) as (
        window,
        page,
    ):
        qtbot.waitUntil(lambda: "Could not check" in page.verdict.text(), timeout=10_000)
        assert page.verdict.text() == (
            "Could not check the folder: no embeddings yet: use Tools → Compute embeddings "
            "(Ctrl+E) first"
        )
        assert window.statusBar().currentMessage() == (
            "No embeddings yet: use Tools → Compute embeddings (Ctrl+E) first"
        )
        assert dialogs == []
