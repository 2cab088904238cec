"""View → Drift: check a folder, see the most novel first, add some to the project."""

from __future__ import annotations

import pandas as pd
import pytest
from ml.drift_fixtures import new_folder

from gui.drift_pages import drift_page_over_new_project, window_whose_check_found_no_embeddings
from gui.message_fits import assert_shown_whole

pytest.importorskip("torch")


@pytest.fixture
def page(qtbot, tmp_path):
    with drift_page_over_new_project(qtbot, tmp_path) as page:
        yield page


def test_a_shifted_folder_is_reported_and_its_new_images_come_first(qtbot, page, tmp_path):
    folder, shifted = new_folder(tmp_path / "new", per_class=15, new_class=15, seed=9)
    assert page.check(folder) is not None
    qtbot.waitUntil(lambda: page.gallery.count() > 0, timeout=120_000)
    # The gallery fills on the check's result; its slot frees a moment later (its own
    # queued signal): adding before that would be refused as "wait for the check".
    qtbot.waitUntil(lambda: not page.session.busy, timeout=10_000)
    assert "shift" in page.verdict.text().lower() and "AUC" in page.verdict.text()
    # the verdict in plain words, bold; the statistics after it
    assert page.verdict.text().startswith("<b>Shift") and "<br>classifier AUC" in (
        page.verdict.text()
    )
    assert "60 new vs 210 labeled images" in page.verdict.text()
    first = page.shown()[:15]
    assert sum(p in shifted for p in first) >= 13
    assert page.html is not None and page.html.read_text().startswith("<!doctype html>")
    assert page.html_button.isEnabled() and not page.add_selected_button.isEnabled()

    shown_paths, messages = [], []
    page.showPaths.connect(lambda paths, _: shown_paths.extend(paths))
    page.message.connect(messages.append)
    for row in range(3):
        page.gallery.item(row).setSelected(True)
    assert page.add_selected_button.isEnabled()
    chosen = page.selected()
    page.add_selected_button.click()
    qtbot.waitUntil(lambda: bool(shown_paths), timeout=60_000)
    assert shown_paths == [f"_unlabeled/new/{p}" for p in chosen]
    frame = page.project.images().set_index("path")
    assert all(pd.isna(frame.loc[p, "label"]) for p in shown_paths)
    assert messages[-1].startswith("Added 3 images as unlabeled")
    assert all((folder / p).is_file() for p in chosen)  # copied, not moved

    # a new check drops the last folder's report: its button opened that one after a
    # failed check of another folder
    qtbot.waitUntil(lambda: not page.session.busy, timeout=10_000)
    missing = tmp_path / ("new_images_from_the_second_vendor_delivery_round_" * 4) / "missing"
    assert page.check(missing) is not None
    assert page.html is None and not page.html_button.isEnabled()
    qtbot.waitUntil(lambda: "Could not check" in page.verdict.text(), timeout=30_000)
    assert not page.html_button.isEnabled()
    # the folder said whole: its long name breaks (it made the page as wide as the name,
    # or was cut at its edge where the window could not grow)
    assert str(missing) in page.verdict.text().replace("\u200b", "")
    verdict = page.verdict
    qtbot.waitUntil(lambda: verdict.height() >= verdict.heightForWidth(verdict.width()))
    assert_shown_whole(verdict)
    assert page.width() == 1000


def test_adding_from_a_folder_inside_the_image_folder_is_refused(qtbot, page):
    inside = page.project.root / "train"
    rels = [p.relative_to(inside).as_posix() for p in inside.rglob("*.png")][:5]
    page.folder = inside  # as after checking that folder
    errors: list[str] = []
    page.error.connect(errors.append)
    assert rels and page.add_to_project(rels) is None  # no job started
    assert errors == [
        f"Nothing added: {inside} is inside the project's image folder ({page.project.root}): "
        "its images are already in the project, so there is nothing to add"
    ]
    assert not (page.project.root / "_unlabeled").exists()


def test_a_refused_add_says_the_disk_its_failure_carries(page, tmp_path, monkeypatch):
    """ "Nothing added: …" was said as plain text: a full disk it met was watched on the
    project's disk (:func:`labeldesk.gui.full_disk.disk_named`), not the one it carried.
    (The check before adding refuses for other reasons today; the words keep the disk
    whatever it meets.)"""
    from labeldesk.core import add_images
    from labeldesk.core.errors import DiskFull
    from labeldesk.gui.full_disk import disk_named

    usb = tmp_path / "usb"
    usb.mkdir()

    def full(project, source) -> None:
        raise DiskFull(f"no space left on the disk: {usb}; free some space", disk=usb)

    monkeypatch.setattr(add_images, "check_source", full)
    page.folder = usb
    errors: list[str] = []
    page.error.connect(errors.append)
    assert page.add_to_project(["a.png"]) is None
    assert disk_named(errors[0], page.project.path) == usb  # before: the project's


def test_cancelling_an_add_adds_nothing_and_says_so(qtbot, page, tmp_path):
    folder, _ = new_folder(tmp_path / "new", per_class=3, new_class=3, seed=4)
    rels = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.png"))
    page.folder = folder  # as after checking that folder
    messages: list[str] = []
    page.message.connect(messages.append)
    job = page.add_to_project(rels)
    assert job is not None
    job.cancel()  # at once: before or between the copies
    qtbot.waitUntil(lambda: bool(messages), timeout=60_000)
    assert messages == ["Adding cancelled: nothing was added."]
    assert not list((page.project.root / "_unlabeled").rglob("*.png"))
    assert all(pd.isna(v) or not v.startswith("_unlabeled") for v in page.project.images().path)


class _Report:
    def __init__(self, data):
        self.data = data

    def to_json(self):
        return self.data


def test_exact_copies_of_project_images_are_left_out_of_the_gallery(page, tmp_path):
    page.folder = tmp_path
    novel = [{"path": f"n{i}.png", "score": 1 - i / 10} for i in range(4)]
    copies = [
        {"path": "n1.png", "kind": "exact", "project_path": "train/a/x.png"},
        {"path": "n2.png", "kind": "near", "project_path": "train/a/y.png"},
    ]
    data = {
        "summary": "no shift", "images": 4, "reference": 10, "low_confidence_share": None,
        "duplicates": copies, "unreadable": [], "novel": novel,
    }  # fmt: skip
    page._done((_Report(data), None))
    assert page.shown() == ["n0.png", "n2.png", "n3.png"]  # a near copy stays: it can be added
    assert "2 are copies of project images: 1 exact (not shown" in page.verdict.text()
    assert page.add_all_button.isEnabled()


def test_one_unreadable_file_is_counted_in_the_singular(page, tmp_path):
    page.folder = tmp_path
    data = {
        "summary": "no power", "images": 1, "reference": 10, "low_confidence_share": None,
        "duplicates": [], "unreadable": [{"path": "b.png", "reason": "not an image"}],
        "novel": [{"path": "a.png", "score": 0.5}],
    }  # fmt: skip
    page._done((_Report(data), None))
    assert "1 file could not be read." in page.verdict.text()


def test_a_check_refused_while_another_job_runs_leaves_the_page_as_it_was(qtbot, page, tmp_path):
    import threading

    from labeldesk.gui.workers import Job

    gate = threading.Event()
    busy = page.session.start_exclusive(Job(lambda **_: gate.wait(10), "Busy"), "Busy")
    assert busy is not None
    before = (page.folder, page.folder_label.text(), page.verdict.text())
    refused: list[str] = []
    page.session.refused.connect(refused.append)
    try:
        assert page.check(tmp_path / "elsewhere") is None
        assert (page.folder, page.folder_label.text(), page.verdict.text()) == before
        assert refused and "Busy" in refused[0]  # the session says which job to wait for
    finally:
        gate.set()
        qtbot.waitUntil(lambda: not busy.running, timeout=10000)


def test_a_check_that_failed_for_want_of_embeddings_says_so_until_they_exist(
    qtbot, tmp_path, monkeypatch
):
    """ "Could not check the folder: no embeddings yet" stayed after embeddings were
    computed. Through the window's own wiring: the check's own end must not clear it
    (a first fix did), embeddings made afterwards must."""
    with window_whose_check_found_no_embeddings(qtbot, tmp_path, monkeypatch, []) as (
        window,
        page,
    ):
        qtbot.waitUntil(lambda: not window.session.busy, timeout=10_000)
        qtbot.wait(100)
        assert page.verdict.text().startswith("Could not check the folder: no embeddings")
        window.project.db.set_meta("embedding_key", "gone")  # a key whose store is gone:
        job = page.check(new_folder(tmp_path / "new2", per_class=3, seed=10)[0])
        assert job is not None
        qtbot.waitUntil(lambda: not job.running, timeout=60_000)
        qtbot.waitUntil(lambda: not window.session.busy, timeout=10_000)
        qtbot.wait(100)  # the check's own end does not take its failure for cured
        assert page.verdict.text().startswith("Could not check the folder: no embeddings")
        window.project.db.set_meta("embedding_key", "made")  # an embedding job finished
        window.pages._job_ended()
        assert page.verdict.text().startswith("Embeddings are ready")


def test_the_pages_hint_counts_the_tests_the_verdict_runs(page):
    """It said "two tests" while the verdict (and the README, and `drift`'s line of
    p-values) came from five."""
    from PySide6.QtWidgets import QLabel

    from labeldesk.ml.drift_verdict import TESTS

    hint = next(w.text() for w in page.findChildren(QLabel) if "are compared with" in w.text())
    number = ("two", "three", "four", "five", "six")[TESTS - 2]
    assert f"({number} statistical tests, and what the model predicts)" in hint


def test_before_a_folder_is_chosen_the_gallery_area_says_what_to_do(page, tmp_path):
    """The picture area was a large blank until a check ran."""
    assert page.gallery_hint.isVisible() and not page.gallery.isVisible()
    text = page.gallery_hint.text()
    assert "Choose folder…" in text and "most novel first" in text
    page.folder = tmp_path
    data = {
        "summary": "no shift", "images": 1, "reference": 10, "low_confidence_share": None,
        "duplicates": [], "unreadable": [], "novel": [{"path": "a.png", "score": 0.5}],
    }  # fmt: skip
    page._done((_Report(data), None))
    assert page.gallery.isVisible() and not page.gallery_hint.isVisible()


def _copies_text(page, tmp_path, kinds: list[str], share: float | None = None) -> str:
    page.folder = tmp_path
    copies = [
        {"path": f"c{i}.png", "kind": kind, "project_path": f"train/a/{i}.png"}
        for i, kind in enumerate(kinds)
    ]
    data = {
        "summary": "no shift", "images": 20, "reference": 10, "low_confidence_share": share,
        "duplicates": copies, "unreadable": [], "novel": [{"path": "n.png", "score": 0.5}],
    }  # fmt: skip
    page._done((_Report(data), None))
    return page.verdict.text()


def test_the_verdict_writes_percentages_as_the_app_does_and_says_copies_once(page, tmp_path):
    """ "90 %" stood beside "68%"; "10 are copies of project images (10 exact copies,
    …)" said the count twice."""
    text = _copies_text(page, tmp_path, ["exact"] * 10, share=0.68)
    assert "68% of the new images are below the confidence at which the model is 90% right" in (
        text
    )
    assert " %" not in text
    assert "10 are exact copies of project images (not shown: the project has them)." in text
    assert "10 exact copies" not in text
    one = _copies_text(page, tmp_path, ["exact"])
    assert "1 is an exact copy of a project image (not shown: the project has it)." in one
    near = _copies_text(page, tmp_path, ["near", "near"])
    assert "2 are near copies of project images." in near
    mixed = _copies_text(page, tmp_path, ["exact", "near", "near"])
    assert "3 are copies of project images: 1 exact (not shown: the project has it), 2 near." in (
        mixed
    )


def test_the_statistics_behind_the_verdict_are_as_large_as_the_page_text(page, tmp_path):
    """They were in <small>: about 7 pt under a 9 pt page, hard to read at normal DPI."""
    from PySide6.QtGui import QTextDocument

    page.folder = tmp_path
    data = {
        "summary": "shift: classifier AUC 0.91, energy p < 0.001", "images": 4, "reference": 10,
        "low_confidence_share": None, "duplicates": [], "unreadable": [],
        "novel": [{"path": "a.png", "score": 0.5}],
    }  # fmt: skip
    page._done((_Report(data), None))
    document = QTextDocument()
    document.setDefaultFont(page.verdict.font())
    document.setHtml(page.verdict.text())
    sizes = {}
    block = document.begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            fragment = it.fragment()
            sizes[fragment.text()] = fragment.charFormat().font().pointSizeF()
            it += 1
        block = block.next()
    evidence = next(text for text in sizes if "classifier AUC" in text)
    assert sizes[evidence] == page.verdict.font().pointSizeF(), sizes
