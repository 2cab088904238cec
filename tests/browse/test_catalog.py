"""Filtering and counting over the project's images (array logic, no Qt)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from labeldesk.browse.catalog import ImageCatalog, StateColumns
from labeldesk.browse.image_records import ImageFilter
from labeldesk.ml.insights import ImageInsights


def paths(catalog: ImageCatalog, wanted: ImageFilter) -> list[str]:
    return [str(p) for p in catalog.paths[catalog.filter(wanted)]]


def reread(catalog: ImageCatalog, project, image_ids) -> np.ndarray:
    """What the browser does after an edit: re-read these images' states into the catalog
    (labeldesk.gui.row_refresh); the positions that changed."""
    return catalog.apply_columns(StateColumns.of(project.image_states(image_ids)))


def test_catalog_holds_every_usable_image_in_path_order(project):
    catalog = ImageCatalog.load(project)
    frame = project.images()
    assert len(catalog) == len(frame) == 19
    assert list(catalog.paths) == sorted(frame.path)
    assert catalog.classes == project.classes() == ["cat", "dog"]


def test_filters_by_class_split_unlabeled_and_search(project):
    catalog = ImageCatalog.load(project)
    assert len(catalog.filter(ImageFilter())) == 19
    assert len(catalog.filter(ImageFilter(label="cat"))) == 8
    assert len(catalog.filter(ImageFilter(unlabeled=True))) == 3
    assert len(catalog.filter(ImageFilter(split="val"))) == 4
    assert len(catalog.filter(ImageFilter(label="dog", split="test"))) == 2
    assert paths(catalog, ImageFilter(search="U1")) == ["_unlabeled/u1.png"]  # any case
    assert len(catalog.filter(ImageFilter(search="cat", split="train"))) == 4
    assert len(catalog.filter(ImageFilter(label="bird"))) == 0


def test_a_search_kept_for_the_next_filter_is_not_narrowed_by_it(project):
    """The last search's paths are kept (the browser filters again at each key press):
    a filter that narrows them further (a split), another search, then the first again
    give what a fresh catalog gives."""
    catalog = ImageCatalog.load(project)
    everywhere = paths(catalog, ImageFilter(search="cat"))
    assert len(everywhere) == 8 and all("cat" in p for p in everywhere)
    assert len(catalog.filter(ImageFilter(search="cat", split="train"))) == 4
    assert paths(catalog, ImageFilter(search="CAT")) == everywhere  # the same text
    assert paths(catalog, ImageFilter(search="u1")) == ["_unlabeled/u1.png"]
    assert paths(catalog, ImageFilter(search="cat")) == everywhere


def test_label_counts_follow_the_split(project):
    catalog = ImageCatalog.load(project)
    assert catalog.label_counts() == {"cat": 8, "dog": 8, None: 3}
    assert catalog.label_counts("val") == {"cat": 2, "dog": 2, None: 0}


def test_applying_states_updates_only_the_given_images(project):
    catalog = ImageCatalog.load(project)
    project.set_labels({"_unlabeled/u0.png": "dog", "train/cat/cat0.jpg": None})
    ids = project.ids_for(["_unlabeled/u0.png", "train/cat/cat0.jpg"])
    changed = reread(catalog, project, ids.values())
    assert sorted(catalog.paths[changed]) == ["_unlabeled/u0.png", "train/cat/cat0.jpg"]
    assert catalog.label_counts() == {"cat": 7, "dog": 9, None: 3}
    position = int(catalog.positions_of([ids["_unlabeled/u0.png"]])[0])
    # Effective split, as Project.images() reports it: a labeled image without one is train.
    assert catalog.info(position).split == "train"
    assert catalog.class_index(position) == 1
    assert np.array_equal(catalog.positions_of([-5]), [-1])


def fake_insights(catalog: ImageCatalog) -> ImageInsights:
    """Insights for every labeled image: scores descend with path order, two flags."""
    rows = np.flatnonzero(~pd.isna(catalog.labels).astype(bool))
    n = len(rows)
    return ImageInsights(
        key="k",
        ids=catalog.ids[rows],
        classes=catalog.classes,
        predicted=np.arange(n) % 2,
        confidence=np.linspace(0.99, 0.5, n),
        issue_score=np.linspace(1.0, 0.0, n),
        flagged=np.arange(n) >= n - 2,
        suggested=np.zeros(n, dtype=np.int64),
        outlier_score=np.linspace(0.1, 0.9, n)[::-1],
        neighbour_ids=np.tile([*catalog.ids[rows][:2], -1], (n, 1)),
        neighbour_sims=np.tile([0.9, 0.8, np.nan], (n, 1)),
    )


def test_sorts_by_model_scores_with_unscored_images_last(project):
    catalog = ImageCatalog.load(project)
    insights = fake_insights(catalog)
    catalog.set_insights(insights)
    by_issue = catalog.filter(ImageFilter(sort="issue"))
    assert list(catalog.ids[by_issue[:16]]) == list(insights.ids[::-1])
    assert all(catalog.labels[p] is None for p in by_issue[16:])  # not scored: last
    by_confidence = catalog.filter(ImageFilter(sort="confidence"))
    assert list(catalog.ids[by_confidence[:16]]) == list(insights.ids[::-1])
    by_outlier = catalog.filter(ImageFilter(sort="outlier", label="cat"))
    assert list(catalog.ids[by_outlier]) == [
        i for i in insights.ids if i in catalog.ids[catalog.filter(ImageFilter(label="cat"))]
    ]
    ranked = tuple(int(i) for i in insights.ids[[5, 1, 3]])
    assert list(catalog.ids[catalog.filter(ImageFilter(ranking=ranked))]) == list(ranked)
    assert len(catalog.filter(ImageFilter(ranking=ranked, label="bird"))) == 0


def test_show_choices_and_their_counts(project):
    catalog = ImageCatalog.load(project)
    catalog.set_insights(fake_insights(catalog))
    counts = catalog.show_counts()
    assert counts["all"] == 19 and counts["labeled"] == 16 and counts["unlabeled"] == 3
    assert counts["flagged"] == 2 and counts["skipped"] == 0
    assert len(catalog.filter(ImageFilter(show="flagged"))) == 2
    assert len(catalog.filter(ImageFilter(show="labeled", split="val"))) == 4
    flagged = catalog.filter(ImageFilter(show="flagged"))
    info = catalog.insight(int(flagged[0]))
    assert info is not None and info.flagged and info.suggested == "cat"
    assert info.neighbour_sims == (0.9, 0.8) and len(info.neighbour_ids) == 2
    # Relabeling a flagged image clears its flag at once (its score is stale).
    path = str(catalog.paths[flagged[0]])
    project.set_label(path, "cat" if catalog.labels[flagged[0]] == "dog" else "dog")
    reread(catalog, project, project.ids_for([path]).values())
    assert catalog.show_counts()["flagged"] == 1
    # An undo puts the label the model judged back: so does the flag (the status bar
    # counted one likely mislabel fewer until the next scoring).
    project.undo()
    reread(catalog, project, project.ids_for([path]).values())
    assert catalog.show_counts()["flagged"] == 2 and catalog.flagged[flagged[0]]
    project.set_status([path], "verified")  # looked at: a status change clears it too
    reread(catalog, project, project.ids_for([path]).values())
    assert catalog.show_counts()["flagged"] == 1
    catalog.set_insights(None)
    assert catalog.insight(int(flagged[0])) is None and catalog.show_counts()["flagged"] == 0


def test_skipped_files_are_listed_only_when_asked_for(project):
    (project.root / "train" / "cat" / "broken.jpg").write_bytes(b"not an image")
    project.scan()
    catalog = ImageCatalog.load(project)
    assert len(catalog) == 20 and catalog.usable_count() == 19
    assert len(catalog.filter(ImageFilter())) == 19
    skipped = catalog.filter(ImageFilter(show="skipped"))
    assert [str(p) for p in catalog.paths[skipped]] == ["train/cat/broken.jpg"]
    assert catalog.info(int(skipped[0])).skip_reason
    assert catalog.label_counts()["cat"] == 8  # a skipped file never counts as its class


def test_the_model_line_names_the_guess_not_the_raw_prediction(project):
    """Prediction "coat 28%" beside suggestion "shirt" read as a contradiction: the one
    line names what the model thinks (the suggestion, de-noised probability) only."""
    from dataclasses import replace

    catalog = ImageCatalog.load(project)
    insights = fake_insights(catalog)
    n = len(insights.ids)
    guess = 1 - insights.predicted  # where the suggestion and the raw prediction differ
    catalog.set_insights(
        replace(insights, guess=guess, guess_confidence=np.full(n, 0.62), expected_errors=3)
    )
    assert catalog.expected_errors == 3
    assert catalog.pixel_share == 0.0
    catalog.set_insights(replace(insights, expected_errors=3, pixel_share=0.35))
    assert catalog.pixel_share == 0.35  # told in the app's tooltips on the estimate
    catalog.set_insights(
        replace(insights, guess=guess, guess_confidence=np.full(n, 0.62), expected_errors=3)
    )
    flagged = int(catalog.filter(ImageFilter(show="flagged"))[1])
    assert (catalog.labels[flagged], catalog.predicted[flagged]) == ("dog", "dog")
    assert catalog.guess[flagged] == "cat"
    assert catalog.opinion(flagged) == "Model: probably cat (62%) — label dog looks wrong"
    guessed = "cat"
    info = catalog.insight(flagged)
    assert info is not None and info.guess == guessed and info.guess_confidence == 0.62
    unlabeled = int(catalog.filter(ImageFilter(unlabeled=True))[0])
    assert catalog.opinion(unlabeled) == ""  # no insights for it: nothing claimed
    # the classes changed (cat renamed puma) and the insights are computed again
    catalog.set_classes(["puma" if c == "cat" else c for c in catalog.classes])
    assert catalog.opinion(flagged) == (
        "Model: updating (the classes changed since it named 'cat')"
    )  # not "probably cat … label dog looks wrong" about a class that is gone


def test_filters_narrow_a_selection(project):
    catalog = ImageCatalog.load(project)
    chosen = frozenset(["train/cat/cat0.jpg", "val/dog/dog1.jpg", "_unlabeled/u0.png"])
    whole = ImageFilter(paths=chosen, selection="selected on the map")
    assert len(catalog.filter(whole)) == 3
    within = ImageFilter(paths=chosen, selection="selected on the map", split="val")
    assert paths(catalog, within) == ["val/dog/dog1.jpg"]


def test_a_big_selection_filters_100k_images_quickly():
    """A map box over half of 100k images: one dict lookup per path (np.isin on object
    arrays took minutes for 50k paths, and 0.2 s for 55)."""
    import time

    n = 100_000
    frame = pd.DataFrame(
        {
            "path": [f"d/{i:06d}.jpg" for i in range(n)],
            "hash": "h",
            "label": "a",
            "split": "train",
            "status": None,
            "width": 64,
            "height": 64,
            "size": 1000,
            "format": "JPEG",
        },
        index=pd.RangeIndex(1, n + 1),
    )
    catalog = ImageCatalog(frame, ["a"])
    chosen = frozenset(f"d/{i:06d}.jpg" for i in range(0, n, 2)) | {"not/there.jpg"}
    started = time.perf_counter()
    shown = catalog.filter(ImageFilter(paths=chosen))
    assert time.perf_counter() - started < 2.0
    assert len(shown) == n // 2 and list(shown[:3]) == [0, 2, 4]


def test_split_and_status_counts_follow_edits_through_their_codes(project):
    """Counts and filters by split and status read small integer codes (fast at 1M
    images); after edits they must still agree with the values themselves."""
    catalog = ImageCatalog.load(project)
    project.set_status(["train/cat/cat0.jpg", "train/dog/dog1.jpg"], "excluded")
    project.set_status(["val/cat/cat0.jpg"], "verified")
    project.set_splits({"train/cat/cat1.jpg": "test"})
    edited = ["train/cat/cat0.jpg", "train/dog/dog1.jpg", "val/cat/cat0.jpg", "train/cat/cat1.jpg"]
    reread(catalog, project, project.ids_for(edited).values())
    assert catalog.excluded_count() == 2
    shown = catalog.show_counts()
    assert (shown["excluded"], shown["verified"]) == (2, 1)
    assert paths(catalog, ImageFilter(show="verified")) == ["val/cat/cat0.jpg"]
    assert "train/cat/cat1.jpg" in paths(catalog, ImageFilter(split="test"))
    assert "train/cat/cat1.jpg" not in paths(catalog, ImageFilter(split="train"))
    for split in ("train", "val", "test"):
        assert len(catalog.filter(ImageFilter(split=split))) == int((catalog.splits == split).sum())
    assert catalog.label_counts("test") == {"cat": 3, "dog": 2, None: 0}


def test_show_counts_within_a_split_are_what_each_choice_shows_there(project):
    """The sidebar's *Images* choices count within the chosen split, as its class list
    does: with *test* picked, "Likely mislabeled (2)" said 2 over a grid of fewer."""
    catalog = ImageCatalog.load(project)
    catalog.set_insights(fake_insights(catalog))
    project.set_status(["val/cat/cat0.jpg"], "verified")
    reread(catalog, project, project.ids_for(["val/cat/cat0.jpg"]).values())
    assert catalog.show_counts() == catalog.show_counts(None)
    for split in ("train", "val", "test"):
        counts = catalog.show_counts(split)
        for show in ("all", "labeled", "unlabeled", "flagged", "verified", "excluded", "skipped"):
            shown = len(catalog.filter(ImageFilter(show=show, split=split)))
            assert counts[show] == shown, (split, show)
        assert counts["all"] == sum(catalog.label_counts(split).values())
    assert catalog.show_counts("val")["verified"] == 1
    assert catalog.show_counts("train")["verified"] == 0


@pytest.mark.parametrize(
    "wanted",
    [
        ImageFilter(show="flagged", sort="issue"),
        ImageFilter(show="flagged", label="cat"),
        ImageFilter(show="flagged", split="train", search="CAT"),
        ImageFilter(label="dog", sort="outlier"),
        ImageFilter(unlabeled=True),
        ImageFilter(label="bird"),
    ],
)
def test_the_mask_selects_what_the_filter_lists(project, wanted):
    """``matches``: the filter's images as a mask, no order (the browser counts with it)."""
    catalog = ImageCatalog.load(project)
    insights = fake_insights(catalog)
    catalog.set_insights(insights)
    listed = catalog.filter(wanted)
    assert np.array_equal(np.flatnonzero(catalog.matches(wanted)), np.sort(listed))
    ranked = replace(wanted, ranking=tuple(int(i) for i in insights.ids[[5, 1, 3, 9]]))
    listed = catalog.filter(ranked)
    assert np.array_equal(np.flatnonzero(catalog.matches(ranked)), np.sort(listed))


def test_a_class_filter_by_code_follows_a_rename_as_the_names_do(project):
    """The class filter compares class codes (a million names took ~10 ms a key); a
    class renamed before its images are re-read still finds them by their old name."""
    catalog = ImageCatalog.load(project)
    cats = paths(catalog, ImageFilter(label="cat"))
    assert len(cats) == 8
    catalog.set_classes(["kitty", "dog"])  # the rename, the labels not re-read yet
    assert paths(catalog, ImageFilter(label="kitty")) == []
    assert paths(catalog, ImageFilter(label="cat")) == cats
    assert len(paths(catalog, ImageFilter(label="dog"))) == 8
