"""`export --version`'s selection holds as little per image as it can (a million images
stay within memory): today's labels are read only for the images relabeled since the
version (the others are judged by whether they are still indexed), and what it selects
is what it selected before."""

from __future__ import annotations

from labeldesk.core.versions import create_version
from labeldesk.interop import selection
from labeldesk.interop.selection import select_items
from labeldesk.interop.writing import ExportOptions


def test_a_versions_selection_reads_todays_labels_of_the_relabeled_only(
    project, imagefolder, monkeypatch
):
    root, expected = imagefolder
    create_version(project.db, "v1")
    project.set_label("train/cat/cat0.jpg", "dog")  # relabeled: the model judged "dog"
    project.set_label("train/cat/cat1.jpg", "dog")
    project.set_label("train/cat/cat1.jpg", "cat")  # and back: judged as it was
    project.rename_class("dog", "hound")  # a rename is not a relabel
    (root / "train/cat/cat2.jpg").unlink()
    project.scan(workers=1)
    asked: list = []
    real = selection.current_labels

    def current_labels(db, wanted):
        ids, labels = real(db, wanted)
        asked.append((len(ids), dict(labels)))
        return ids, labels

    monkeypatch.setattr(selection, "current_labels", current_labels)
    chosen = select_items(project, ExportOptions(version="v1", include_unlabeled=True))
    # every usable image's id, but the labels of the two relabeled images alone
    ids = project.ids_for(["train/cat/cat0.jpg", "train/cat/cat1.jpg"])
    cat0, cat1 = ids["train/cat/cat0.jpg"], ids["train/cat/cat1.jpg"]
    assert asked == [(18, {cat0: "hound", cat1: "cat"})]
    by_path = {item.path: item for item in chosen.items}
    assert set(by_path) == set(expected) - {"train/cat/cat2.jpg"}  # (its file is gone)
    assert [p for p, item in by_path.items() if not item.label_judged] == ["train/cat/cat0.jpg"]
    assert {p: item.label for p, item in by_path.items()} == {
        p: label for p, label in expected.items() if p != "train/cat/cat2.jpg"
    }  # the version's labels, as they were
    (missing,) = chosen.report.missing
    assert (missing["path"], missing["reason"]) == (
        "train/cat/cat2.jpg",
        "removed from the folder since",
    )
    assert missing["label"] == expected["train/cat/cat2.jpg"]  # what the version had
    splits = {item.path: item.split for item in chosen.items}
    assert splits["val/dog/dog0.jpg"] == "val" and splits["_unlabeled/u0.png"] == "unassigned"
