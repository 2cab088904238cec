"""A read-only project keeps no duplicate search, so its export's leakage check searched
near duplicates never, and told the person to run a search first, which could not help:
the search's result cannot be kept in a read-only folder. The export now searches a
read-only project's embedded images itself, for this run, where that is quick (up to
IN_MEMORY_MAX), and otherwise says to search in a writable copy."""

from __future__ import annotations

import threading

import pytest

import labeldesk as ld
from interop.near_copy import NEAR, embedded_with_a_near_copy
from labeldesk.core.project import open_project
from labeldesk.interop import export_leaks
from labeldesk.interop.export_texts import leakage_text
from labeldesk.interop.writing import ExportReport


@pytest.fixture
def read_only(tmp_path, make_read_only):
    """An embedded project, no duplicate search made, then opened read-only."""
    project = embedded_with_a_near_copy(tmp_path)  # NEAR: a leak
    path = project.path
    project.close()
    make_read_only(path)
    opened = open_project(path)
    assert opened.read_only is not None
    yield opened
    opened.close()


def _files(folder) -> set[str]:
    return {str(p) for p in folder.rglob("*")}


def test_a_read_only_project_s_export_searches_near_duplicates_itself(read_only, tmp_path):
    before = _files(read_only.path)
    leakage = ld.export(read_only, tmp_path / "out")["leakage"]
    assert leakage["checked"] == ["exact", "near"]
    assert (leakage["near"], leakage["paths"]) == (1, [NEAR])
    assert _files(read_only.path) == before  # nothing kept in the project


def test_too_many_to_search_says_to_search_in_a_writable_copy(read_only, tmp_path, monkeypatch):
    monkeypatch.setattr(export_leaks, "IN_MEMORY_MAX", 3)
    leakage = ld.export(read_only, tmp_path / "out")["leakage"]
    assert leakage["near"] is None and leakage["checked"] == ["exact"]
    assert leakage["near_not_checked"] == export_leaks.READ_ONLY_LARGE
    report = ExportReport(out="", format="imagefolder")
    report.leakage = leakage
    text = leakage_text(report, see="S", search="SEARCH", in_copy="COPY")
    assert text.endswith(f"({export_leaks.READ_ONLY_LARGE}: COPY)") and "SEARCH" not in text


SEARCHING = "checking for leakage: searching near duplicates"


def test_the_search_reports_its_progress_and_a_cancel_stops_it(read_only, tmp_path, monkeypatch):
    """The search made for the export (up to 20,000 images) said "0 of 1" and then
    nothing until it ended, and Cancel waited for the whole of it: it now reports the
    images searched after each step, and a cancel is heard at the next one (the export
    is cancelled: nothing is written)."""
    from labeldesk.core.errors import Cancelled
    from labeldesk.core.progress import CancelToken
    from labeldesk.interop.export import export
    from labeldesk.ml import neighbors, search

    monkeypatch.setattr(neighbors, "IN_MEMORY_MIN_BATCH", 2)  # steps, at this size
    embedded = len(read_only.images())
    seen: list[tuple[int, int]] = []

    def heard(p) -> None:
        if p.message == SEARCHING:
            seen.append((p.done, p.total))

    export(read_only, tmp_path / "whole", progress=heard)
    assert {total for _, total in seen} == {embedded}
    done = [d for d, _ in seen]
    assert done == sorted(done) and done[0] == 0 and done[-1] == embedded and len(done) > 3

    seen.clear()
    cancel = CancelToken()
    # Batches after the first wait until the first step is heard (and the cancel made):
    # unheld, on a busy machine the search threads finished every batch before the
    # thread that reports the steps heard the first one, and the cancel came too late
    first_heard = threading.Event()
    search_rows = search.graph_rows

    def held_rows(index, queries, k, first):
        if first > 0:
            first_heard.wait(30)
        return search_rows(index, queries, k, first)

    monkeypatch.setattr(search, "graph_rows", held_rows)

    def cancel_at_first_step(p) -> None:
        heard(p)
        if p.message == SEARCHING and p.done > 0:
            cancel.cancel()
            first_heard.set()

    with pytest.raises(Cancelled):
        export(read_only, tmp_path / "out", progress=cancel_at_first_step, cancel=cancel)
    assert seen[-1][0] < embedded  # stopped part-way, not after the whole search
    assert not (tmp_path / "out").exists()
