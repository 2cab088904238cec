"""Undoing a class change gives back to their old class folder's name the images a scan
filed under the class (a batch of source 'import' without a file); an image whose newest
label or status came from a label file the person imported (source 'import' with its
file, since schema 15) is the person's own, as undo and `history` treat such a batch
everywhere else, and stays as they left it, as one they labeled or checked by hand does.
Before, the undo moved it back as if the scan had filed it."""

from __future__ import annotations

from helpers import write_image

from labeldesk.core.label_files import apply_label_rows, read_label_file


def _labels(project):
    return project.images().set_index("path").label


def scanned(project, folder, seeds: dict[str, int]) -> None:
    """New images in ``folder`` (each name's seed), then a scan that files them."""
    for name, seed in seeds.items():
        write_image(folder / name, seed=seed)
    project.scan(workers=1)


def _import(project, tmp_path, text: str) -> None:
    f = tmp_path / "fix.csv"
    f.write_text(text)
    file = "fix.csv (csv)"  # as `labeldesk import` records it
    apply_label_rows(
        project, read_label_file(f), source="import", file=file, description=f"labels from {file}"
    )


def test_an_image_a_person_checked_in_an_imported_file_stays_at_the_undo_of_a_merge(
    project, imagefolder, tmp_path
):
    root, _ = imagefolder
    merge = project.merge_classes("dog", "cat").batch_id
    # all three filed under cat: the folder "dog" leads there
    scanned(project, root / "train" / "dog", {"new.jpg": 420, "mine.jpg": 421, "hand.jpg": 422})
    _import(project, tmp_path, "path,label,status\ntrain/dog/mine.jpg,cat,verified\n")
    project.set_status(["train/dog/hand.jpg"], "verified")  # the same word, by hand
    project.undo(merge)
    labels = _labels(project)
    assert labels["train/dog/new.jpg"] == "dog"  # the scan's: back with its folder
    assert labels["train/dog/hand.jpg"] == "cat"
    assert labels["train/dog/mine.jpg"] == "cat"  # the person's file said cat: it stays


def test_an_image_an_imported_file_labeled_stays_at_the_undo_of_a_rename(
    project, imagefolder, tmp_path
):
    root, _ = imagefolder
    rename = project.rename_class("cat", "kitty").batch_id
    # both filed under kitty: the folder "cat" leads there
    scanned(project, root / "train" / "cat", {"new.jpg": 423, "mine.jpg": 424})
    project.set_labels({"train/cat/mine.jpg": "dog"})
    _import(project, tmp_path, "path,label\ntrain/cat/mine.jpg,kitty\n")  # the person's word
    project.undo(rename)
    labels = _labels(project)
    assert labels["train/cat/new.jpg"] == "cat"
    assert labels["train/cat/mine.jpg"] == "kitty"
