"""bench_gui_stalls.py's actions on the pages a person opens at a million images: the
Duplicates and leakage window (open, change what it shows, Show in browser), Dataset
versions (open, compare two versions), the Export dialog (open, change its options),
Drift (a folder of new images checked), the map (cached), the labeling queue (open, a
class key), a search typed in the browser's filter box (each keystroke), sorting the
browser by issue and by confidence, and select-all then a class key; new scores arriving
for every image (a rescoring), the first scores arriving with the browser sorted by
label fit (a sort kept from the last session), new scores arriving while every image is
read again, and a class or a sort chosen while the new scores' orders are made.

Each is measured as the other actions are (``Bench.measure``: the longest heartbeat gap
from the action until the app is idle). ``--drift FOLDER`` names the folder of new images
(without it the drift actions are left out)."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import Any

PAGE_ACTIONS = (
    "sort_before_scores (the first scores arriving with the browser sorted by label fit), "
    "rescore (new scores for every image, as the insights feed delivers them), "
    "scores_during_read (new scores arriving while every image is read again, as after a "
    "rescan), class_while_ordering, sort_while_ordering (a class, or the sort by confidence, "
    "chosen while the job making the new scores' orders runs), "
    "search_key_1..N (each keystroke of --search-typed, then search_key_clear), sort_issue, "
    "sort_confidence, class_sorted, all_sorted, search_sorted_1..2 (sorted by confidence), "
    "select_all_label_2, dups_open, dups_kind, dups_show_in_browser, "
    "versions_open, versions_compare, export_open, export_format, export_option, "
    "drift_check, map_open, queue_open, queue_key"
)


def page_actions(bench: Any) -> None:
    """Measure every page action (those ``--actions`` names, if it names any)."""
    window = bench.window
    view = window.view
    classes = view.project.classes()
    wanted = bench.args.actions_wanted

    def any_wanted(*names: str) -> bool:
        return not wanted or any(n in wanted for n in names)

    bench.settle(window.show_browser)
    if any_wanted("sort_before_scores"):
        sort_before_scores(bench)
    if any_wanted("rescore"):  # new scores for every image arrive (as after a label fit)
        fresh = replace(view.feed.latest, issue_score=view.feed.latest.issue_score[::-1].copy())
        bench.measure("rescore", lambda: view.feed._finished(fresh), f"{len(fresh):,} scored")
    if any_wanted("scores_during_read"):
        scores_during_read(bench)
    from gui_stall_reads import read_actions

    read_actions(bench, any_wanted)
    if any_wanted("class_while_ordering"):
        chosen_while_ordering(
            bench, "class_while_ordering", lambda: view.sidebar.select_class(classes[0])
        )
    if any_wanted("sort_while_ordering"):
        chosen_while_ordering(
            bench, "sort_while_ordering", lambda: view.sidebar.select_sort("confidence")
        )
    if any_wanted("search_key_1"):
        typed_search(bench, bench.args.search_typed)
    bench.measure("sort_issue", lambda: view.sidebar.select_sort("issue"))
    bench.measure("sort_confidence", lambda: view.sidebar.select_sort("confidence"))
    # sorted, the list changed: a class picked, back to all, a search typed
    bench.measure("class_sorted", lambda: view.sidebar.select_class(classes[0]), classes[0])
    bench.measure("all_sorted", lambda: view.sidebar.select_class(None))
    if any_wanted("search_sorted_1"):
        typed_search(bench, bench.args.search_typed[:2], "search_sorted")
    bench.settle(lambda: view.sidebar.select_sort("path"))

    def select_all_label() -> None:
        view.grid.selectAll()
        view.labeling.label_selection(classes[2])

    bench.measure("select_all_label_2", select_all_label, f"{view.model.rowCount():,} rows")
    bench.measure("undo_select_all_2", view.labeling.undo)
    if any_wanted("dups_open", "dups_kind", "dups_show_in_browser"):
        duplicates(bench)
    if any_wanted("versions_open", "versions_compare"):
        versions(bench)
    if any_wanted("export_open", "export_format", "export_option"):
        export(bench)
    if bench.args.drift is not None and any_wanted("drift_check"):
        bench.settle(window.show_drift)
        page = window.pages.drift
        bench.measure("drift_check", lambda: page.check(bench.args.drift), str(bench.args.drift))
        bench.settle(window.show_browser)
    if any_wanted("map_open"):
        map_open(bench)
    if any_wanted("queue_open", "queue_key"):
        bench.measure("queue_open", window.review_queue)
        review = window.review.view
        if review is not None and review.session is not None:
            print(f"    {len(review.session.items):,} in the queue", flush=True)
            bench.measure("queue_key", lambda: review.assign_nth(1))
            bench.measure("queue_undo", review.undo)
        bench.settle(window.show_browser)


def sort_before_scores(bench: Any) -> None:
    """The browser sorted by label fit before any scores (as when a project opens with
    that sort kept from its last session: the scores forgotten first, unmeasured), then
    the first scores arrive as the insights feed delivers them; back to path order."""
    view = bench.window.view
    latest = view.feed.latest
    bench.settle(lambda: view._insights_updated(None))
    bench.settle(lambda: view.sidebar.show_filter(replace(view.model.image_filter, sort="issue")))
    note = f"{len(latest):,} scored, sorted by label fit"
    bench.measure("sort_before_scores", lambda: view.feed._finished(latest), note)
    bench.settle(lambda: view.sidebar.select_sort("path"))


def reversed_scores(view: Any) -> Any:
    """New scores for every image: the latest ones with the label fit reversed."""
    latest = view.feed.latest
    return replace(latest, issue_score=latest.issue_score[::-1].copy())


def scores_during_read(bench: Any) -> None:
    """Sorted by label fit, every image read again (a rescan's re-read) and new scores
    arriving as it starts: measured until the new catalog is shown with them."""
    view = bench.window.view
    bench.settle(lambda: view.sidebar.select_sort("issue"))
    fresh = reversed_scores(view)

    def read_and_score() -> None:
        view.fill_in()
        view.feed._finished(fresh)

    bench.measure("scores_during_read", read_and_score, f"{len(fresh):,} scored, sorted by fit")
    if view.catalog.insights is not fresh:
        print("    (the catalog shown did not take the new scores)", flush=True)
    bench.settle(lambda: view.sidebar.select_sort("path"))


def chosen_while_ordering(bench: Any, name: str, choose: Any) -> None:
    """Sorted by label fit, new scores arrive (the feed's way); as soon as they are
    swapped in, while the job making their orders runs, ``choose`` (a class, a sort) is
    measured until idle; then back to every image in path order."""
    view = bench.window.view
    bench.settle(lambda: view.sidebar.show_filter(replace(view.model.image_filter, sort="issue")))
    fresh = reversed_scores(view)
    view.feed._finished(fresh)
    catalog = view.catalog
    bench.pump_until(lambda: catalog.insights is fresh, 600)  # (then the orders' job starts)
    job = view.chosen_sort._job
    note = "while the orders' job runs" if job is not None and job.running else "(job ended)"
    bench.measure(name, choose, note, idle=False)
    bench.settle(lambda: view.sidebar.show_filter(type(view.model.image_filter)()))


def typed_search(bench: Any, text: str, name: str = "search_key") -> None:
    """The filter box, a key at a time: each keystroke until the grid shows its rows (the
    box filters 200 ms after the last key: the app counts as idle only after that)."""
    from PySide6.QtTest import QTest

    view = bench.window.view
    box = view.sidebar.search
    box.setFocus()
    timer = view.sidebar._search_timer
    idle = bench.idle
    bench.idle = lambda: not timer.isActive() and idle()
    try:
        for i, ch in enumerate(text, 1):
            bench.measure(f"{name}_{i}", lambda c=ch: QTest.keyClick(box, c), repr(box.text() + ch))
            print(f"    {view.model.rowCount():,} shown", flush=True)
        bench.measure(f"{name}_clear", box.clear)
    finally:
        bench.idle = idle


def duplicates(bench: Any) -> None:
    window = bench.window
    bench.settle(window.show_statistics)
    stats = window.pages.stats
    bench.pump_until(lambda: stats.duplicate_groups is not None, 600)
    groups = stats.duplicate_groups or []
    bench.settle(window.show_browser)
    bench.measure("dups_open", window.pages.show_duplicates, f"{len(groups):,} groups")
    dialog = window.pages.duplicates
    if dialog is None:
        return
    box = dialog.kind_box
    bench.measure("dups_kind", lambda: box.setCurrentIndex((box.currentIndex() + 1) % box.count()))
    shown = dialog.listed()
    if shown:
        group = shown[0]
        bench.measure(
            "dups_show_in_browser",
            lambda: dialog.open_in_browser(group, group.members[0]),
            f"{len(group.members)} in the group",
        )
    window.pages._close_duplicates()
    bench.settle(lambda: window.view.sidebar.show_filter(type(window.view.model.image_filter)()))


def versions(bench: Any) -> None:
    """Two versions (recorded before, unmeasured), then the page opened and the older
    compared with the newer."""
    window = bench.window
    bench.settle(window.show_versions)
    page = window.pages.versions
    stamp = f"{time.time():.0f}"
    for n in (1, 2):
        if len(page.versions) < 2:
            bench.settle(lambda n=n: page.create_version(f"bench-pages-{stamp}-{n}"))
    bench.settle(window.show_browser)
    bench.measure("versions_open", window.show_versions, f"{len(page.versions)} versions")
    page.table.selectRow(1)  # the older one
    page.compare_with.setCurrentIndex(page.compare_with.findData(page.versions[0].name))
    bench.measure("versions_compare", page.compare, f"{page.versions[1].name} → newest")
    bench.settle(window.show_browser)


def export(bench: Any) -> None:
    """File → Export…: the dialog made and shown as ``export_dataset`` does (not run
    modally here), a format change and an option change, then closed unexported."""
    from labeldesk.gui.export_dialog import ExportDialog

    window = bench.window
    session = window.session
    made: list[Any] = []

    def open_dialog() -> None:
        dialog = ExportDialog(session.project, window, runner=session.runner, exclusive=session)
        dialog.show()
        made.append(dialog)

    bench.measure("export_open", open_dialog)
    dialog = made[0]
    fmt = dialog.format
    following = (fmt.currentIndex() + 1) % fmt.count()
    bench.measure("export_format", lambda: fmt.setCurrentIndex(following))
    box = dialog.include_unlabeled
    bench.measure("export_option", lambda: box.setChecked(not box.isChecked()))
    dialog.reject()
    dialog.shutdown()
    dialog.deleteLater()


def map_open(bench: Any) -> None:
    """The map's page made anew (as in a new session) over its projection cached on
    disk: the projection is computed and cached first, unmeasured, then the page dropped."""
    window = bench.window
    pages = window.pages
    bench.settle(window.show_map)
    bench.settle(window.show_browser)
    page = pages.map
    if page is not None:
        page.shutdown()
        pages.shell.drop_page(page)
        page.deleteLater()
        pages.map = None
    bench.pump_until(lambda: False, 0.3)
    bench.measure("map_open", window.show_map, "cached projection")
    bench.settle(window.show_browser)


def drift_folder(project: Path, folder: Path, n: int = 1000) -> Path:
    """``n`` new images (scale_project.py's tiny PNGs, numbered past any project's) in
    ``folder``, their synthetic vectors stored in ``project``'s current store (as if the
    drift check had embedded them before: the synthetic model has no network to run), so
    that drift_check times the check and its page, not a CNN on 2 cores."""
    import numpy as np
    from scale_project import DIM, tiny_png

    from labeldesk.core.indexed_files import content_hash
    from labeldesk.core.project import open_project
    from labeldesk.ml.store import current_store
    from labeldesk.ml.vectors import VectorStore

    folder.mkdir(parents=True, exist_ok=True)
    hashes = []
    for i in range(n):
        data = tiny_png(10_000_000 + i)
        (folder / f"new{i:05d}.png").write_bytes(data)
        hashes.append(content_hash(data))
    rng = np.random.default_rng(1)
    x = rng.normal(size=(n, DIM)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    with open_project(project) as proj:
        store = current_store(proj)
        missing = [i for i, row in enumerate(store.rows_for(hashes)) if row < 0]
        if missing:
            with VectorStore.writer(store.folder, DIM) as writer:
                writer.append([hashes[i] for i in missing], x[missing])
    return folder


if __name__ == "__main__":  # python benchmarks/gui_stall_pages.py PROJECT FOLDER [N]
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
    print(drift_folder(Path(sys.argv[1]), Path(sys.argv[2]), count))
