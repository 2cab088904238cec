"""``labeldesk new --labels FOLDER --labels-format imagefolder`` over the image folder
itself (another tool's layout read as the whole truth): a label the file gives again is
not removed and given back, so each image's history holds the one step that labeled it,
and the count said is of the labels the file changed (none of those it gives again)."""

from __future__ import annotations

from helpers import write_image

from labeldesk.core.create import create_and_index
from labeldesk.interop.formats import read_labels


def _tree(root):
    for i, (split, cls) in enumerate(
        [("train", "cat"), ("train", "cat"), ("train", "dog"), ("test", "dog")]
    ):
        write_image(root / split / cls / f"{i}.png", fmt="PNG", seed=i)
    write_image(root / "_unlabeled" / "u.png", fmt="PNG", seed=9)


def test_labels_the_folders_already_gave_are_not_removed_and_given_back(tmp_path):
    root = tmp_path / "images"
    _tree(root)
    _, rows = read_labels(root, "imagefolder")
    project, _ = create_and_index(
        tmp_path / "p", root, labels_file=rows, labels_only=True, workers=1
    )
    with project:
        frame = project.images()
        labeled = frame[frame.label.notna()]
        assert sorted(labeled.label) == ["cat", "cat", "dog", "dog"]
        for path in labeled.path:
            steps = [(e.old_label, e.new_label) for e in project.history(path)]
            assert steps == [(None, path.split("/")[1])], path
        assert len(project.history()) == 4
    # the folders gave them: the file changed none (before: "4 labels applied")
    assert rows.applied.labels == 0 and rows.applied.images == 0
    assert rows.matched == 5  # "already as it says", the unlabeled image too


def test_a_label_the_file_changes_is_still_changed(tmp_path):
    """The file's own class for an image in another class's folder wins; the other
    images keep the one step."""
    root = tmp_path / "images"
    _tree(root)
    csv = tmp_path / "l.csv"
    csv.write_text("path,label\ntrain/cat/0.png,cat\ntrain/cat/1.png,dog\n")
    _, rows = read_labels(csv, "csv")
    project, _ = create_and_index(
        tmp_path / "p", root, labels_file=rows, labels_only=True, workers=1
    )
    with project:
        labels = dict(zip(project.images().path, project.images().label, strict=True))
        assert labels["train/cat/0.png"] == "cat" and labels["train/cat/1.png"] == "dog"
        # not in the file: unlabeled, as the layout gave no class
        assert not isinstance(labels["train/dog/2.png"], str)
        assert [(e.old_label, e.new_label) for e in project.history("train/cat/0.png")] == [
            (None, "cat")
        ]
        assert project.history("train/cat/1.png")[0].new_label == "dog"
    assert rows.applied.labels == 1 and rows.applied.images == 1  # (1.png; 0.png held cat)
