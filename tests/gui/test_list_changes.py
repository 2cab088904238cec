"""The grid model's "what changed since this list was shown" (the sidebar's "2 more
flagged since this list was shown" line). The browser asks after every key press; it
ran the grid's whole filter, sort included, each time, at a million images a few to
ten milliseconds of the GUI thread per key even when nothing had changed. Now it counts
from the filter's mask, only once the catalog's values changed; and it tells images a
rescoring took off the list from those a person relabeled."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from browse.test_catalog import fake_insights, reread

from labeldesk.browse.catalog import ImageCatalog
from labeldesk.browse.image_records import ImageFilter
from labeldesk.gui.image_model import ImageListModel

FLAGGED = ImageFilter(show="flagged", sort="issue")


def shown_list(project, wanted: ImageFilter = FLAGGED):
    catalog = ImageCatalog.load(project)
    insights = fake_insights(catalog)
    flagged = insights.flagged.copy()
    flagged[:4] = True  # six flagged: enough to take some away
    insights = replace(insights, flagged=flagged)
    catalog.set_insights(insights)
    model = ImageListModel()
    model.set_catalog(catalog, wanted)
    return catalog, model, insights


def rescore(catalog: ImageCatalog, insights, flag=(), unflag=()):
    """The model's new scores: ``flag`` and ``unflag`` image ids changed."""
    flagged = insights.flagged.copy()
    flagged[np.isin(insights.ids, list(flag))] = True
    flagged[np.isin(insights.ids, list(unflag))] = False
    catalog.set_insights(replace(insights, flagged=flagged))


def test_counting_does_not_sort_the_list(project, monkeypatch):
    catalog, model, insights = shown_list(project)
    assert model.rowCount() == 6
    rescore(catalog, insights, flag=insights.ids[4:6])

    def no_sort(*args):
        raise AssertionError("the count sorted the list")

    monkeypatch.setattr(catalog, "_sorted", no_sort)
    assert model.list_changes() == (2, 0)


def test_counted_again_only_once_the_catalog_changed(project, monkeypatch):
    catalog, model, insights = shown_list(project)
    reads = []
    original = catalog._show_mask

    def counted(show):
        reads.append(show)
        return original(show)

    monkeypatch.setattr(catalog, "_show_mask", counted)
    assert model.list_changes() == (0, 0)
    assert model.list_changes() == (0, 0)  # nothing changed: the last answer
    assert len(reads) == 1
    rescore(catalog, insights, flag=insights.ids[4:5], unflag=insights.ids[:1])
    assert model.list_changes() == (1, 1)  # new scores: counted again
    assert model.list_changes() == (1, 1) and len(reads) == 2
    shown = catalog.ids[model.positions([1])]
    project.set_labels({str(p): "dog" for p in catalog.paths[model.positions([1])]})
    reread(catalog, project, shown)  # a label key on a listed image: counted again
    assert model.list_changes() == (1, 1) and len(reads) == 3
    model.set_filter(FLAGGED)  # the list read anew
    assert model.list_changes() == (0, 0) and len(reads) == 5  # the filter's, the count's


def test_images_a_rescoring_took_off_are_told_from_those_a_person_relabeled(project):
    catalog, model, insights = shown_list(project)
    rows = model.positions(np.arange(model.rowCount()))
    fixed, others = catalog.ids[rows[0]], catalog.ids[rows[1:3]]
    label = catalog.labels[rows[0]]
    project.set_labels({str(catalog.paths[rows[0]]): "dog" if label == "cat" else "cat"})
    reread(catalog, project, [fixed])  # the person's fix: it leaves the list, unsaid
    assert not catalog.flagged[rows[0]]
    assert model.list_changes() == (0, 0)
    rescore(catalog, insights, unflag=[fixed, *others])  # the model agrees, and drops two
    assert model.list_changes() == (0, 2)
    rescore(catalog, insights, flag=insights.ids[6:7], unflag=others)
    assert model.list_changes() == (1, 2)
