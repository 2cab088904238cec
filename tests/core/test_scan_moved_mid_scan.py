"""A file moved while a scan runs, after the walk found it unchanged (``mv X Y`` landing
between the walk's look at X and its look at Y): its row moves with it, label and history,
as when the move comes before the scan. Before, the picture arrived as a new image (or as
an edit of the image it replaced) and the next scan found its own row gone."""

from __future__ import annotations

import os
import shutil

import pytest
from helpers import write_image

import labeldesk.core.walk as walk
from labeldesk.core.create import create_and_index


class _Entry:
    """A directory entry whose stat first runs ``before`` (the concurrent move)."""

    def __init__(self, entry, before):
        self._entry, self._before = entry, before
        self.name, self.path = entry.name, entry.path

    def is_dir(self, **kw):
        return self._entry.is_dir(**kw)

    def is_file(self, **kw):
        return self._entry.is_file(**kw)

    def is_symlink(self):
        return self._entry.is_symlink()

    def stat(self, **kw):
        if self._before is not None:
            self._before()
        return os.stat(self.path, **kw)


def move_during_walk(monkeypatch, folder, trigger, move):
    """In ``folder``, list the entries by name and run ``move`` just before the walk
    stats the entry named ``trigger`` (once)."""
    real = os.scandir
    done = []

    def once():
        if not done:
            done.append(True)
            move()

    class WalksOs:  # the walk's view of os: scandir wrapped, the rest as it is
        def __getattr__(self, name):
            return getattr(os, name)

        def scandir(self, path):
            entries = sorted(real(path), key=lambda e: e.name)
            if os.path.abspath(path) != os.path.abspath(folder):
                return iter(entries)
            return iter([_Entry(e, once if e.name == trigger else None) for e in entries])

    monkeypatch.setattr(walk, "os", WalksOs())


@pytest.mark.parametrize(
    ("target", "replaces"),
    [("dog/b.png", True), ("cat/c.png", False)],  # over another image; into a later folder
)
def test_a_file_moved_while_the_scan_runs_keeps_its_row(tmp_path, monkeypatch, target, replaces):
    root = tmp_path / "images"
    for seed, name in enumerate(["dog/a.png", "dog/b.png", "cat/x.png"]):
        write_image(root / name, seed=seed, fmt="PNG")
    project, _ = create_and_index(tmp_path / "proj", root, workers=1)
    with project:
        project.add_classes(["bird"])
        project.set_labels({"dog/a.png": "bird"})  # a person's label on a.png's picture
        a_id = project.ids_for(["dog/a.png"])["dog/a.png"]
        # the walk takes dog/ before cat/; a.png is looked at (unchanged), then moved
        move = lambda: os.replace(root / "dog" / "a.png", root / target)  # noqa: E731
        move_during_walk(monkeypatch, root / "dog", "b.png", move)
        counts = project.scan(workers=1)
        monkeypatch.undo()
        # b.png's picture is gone when a.png's replaced it; x.png (and b.png) unchanged
        expected = (1, 0, 1, 1) if replaces else (1, 0, 0, 2)
        assert (counts.moved, counts.added, counts.removed, counts.unchanged) == expected
        again = project.scan(workers=1)  # a quiet scan later: nothing more to do
        assert (again.moved, again.added, again.removed, again.changed) == (0, 0, 0, 0)
        assert project.ids_for([target])[target] == a_id
        frame = project.images()
        labels = dict(zip(frame.path, frame.label, strict=True))
        left = {} if replaces else {"dog/b.png": "dog"}
        assert labels == {target: "bird", "cat/x.png": "cat", **left}


def test_two_files_swapped_while_the_scan_runs_keep_their_labels(tmp_path, monkeypatch):
    """a.png looked at (unchanged), then a.png and b.png swapped, then b.png looked at:
    the labels follow the pictures once the next scan has looked at a.png again."""
    root = tmp_path / "images"
    for seed, name in enumerate(["dog/a.png", "dog/b.png"]):
        write_image(root / name, seed=seed, fmt="PNG")
    project, _ = create_and_index(tmp_path / "proj", root, workers=1)
    with project:
        project.add_classes(["bird", "fish"])
        project.set_labels({"dog/a.png": "bird", "dog/b.png": "fish"})
        ids = project.ids_for(["dog/a.png", "dog/b.png"])
        dog = root / "dog"

        def swap():
            os.replace(dog / "a.png", dog / "t")
            os.replace(dog / "b.png", dog / "a.png")
            os.replace(dog / "t", dog / "b.png")

        move_during_walk(monkeypatch, dog, "b.png", swap)
        project.scan(workers=1)
        monkeypatch.undo()
        project.scan(workers=1)
        assert project.ids_for(["dog/b.png"])["dog/b.png"] == ids["dog/a.png"]
        assert project.ids_for(["dog/a.png"])["dog/a.png"] == ids["dog/b.png"]
        frame = project.images()
        labels = dict(zip(frame.path, frame.label, strict=True))
        assert labels == {"dog/b.png": "bird", "dog/a.png": "fish"}


def test_new_copies_of_a_picture_look_at_its_holders_once_a_scan(tmp_path, monkeypatch):
    """Each new copy of a picture the project holds many times would look at every holder
    again (copies squared); a hash's holders are looked at once a scan."""
    from labeldesk.core.scan_writer import ScanWriter

    root = tmp_path / "images"
    write_image(root / "blank" / "0.png", seed=1, fmt="PNG")
    for i in range(1, 20):
        shutil.copy(root / "blank" / "0.png", root / "blank" / f"{i}.png")
    project, _ = create_and_index(tmp_path / "proj", root, workers=1)
    with project:
        for i in range(20, 40):
            shutil.copy(root / "blank" / "0.png", root / "blank" / f"{i}.png")
        looks = []
        real = ScanWriter._still_holds
        monkeypatch.setattr(
            ScanWriter, "_still_holds", lambda self, *a: looks.append(a) or real(self, *a)
        )
        counts = project.scan(workers=1)
        assert counts.added == 20 and counts.moved == 0
        assert len(looks) <= 20  # the 20 held before, once (was 20 for each new copy)
