"""Moves and class folders across scans: a file's label follows its bytes, a person's
change is never overwritten by a folder, and renamed classes are followed."""

from __future__ import annotations

import os
import shutil
import threading
import time

import pytest
from helpers import write_image

from labeldesk.core.create import create_and_index
from labeldesk.core.filelock import FileLock
from labeldesk.core.project import SCAN_LOCK, Project


def _labels(project: Project) -> dict[str, str | None]:
    frame = project.images()
    labels = frame.label.astype(object).where(frame.label.notna(), None)
    return dict(zip(frame.path, labels, strict=True))


def _indexed(tmp_path, names):
    """A project over one small PNG per name (each different), scanned."""
    root = tmp_path / "images"
    for seed, name in enumerate(names):
        write_image(root / name, seed=seed, fmt="PNG")
    project, _ = create_and_index(tmp_path / "proj", root, workers=1)
    return root, project


def test_a_file_moved_onto_the_path_of_a_removed_image_keeps_its_own_label(tmp_path):
    root, project = _indexed(tmp_path, ["a.png", "b.png"])
    project.add_classes(["cat", "dog"])
    project.set_labels({"a.png": "cat", "b.png": "dog"})
    b_id = project.ids_for(["b.png"])["b.png"]
    (root / "a.png").unlink()
    assert project.scan(workers=1).removed == 1
    shutil.move(root / "b.png", root / "a.png")  # the name is used again, by b's bytes

    counts = project.scan(workers=1)

    assert (counts.moved, counts.added, counts.removed) == (1, 0, 0)
    assert _labels(project) == {"a.png": "dog"}  # b's label, not the deleted a's
    assert project.ids_for(["a.png"])["a.png"] == b_id
    project.close()


def test_a_removed_images_own_bytes_coming_back_revive_its_row(tmp_path):
    root, project = _indexed(tmp_path, ["a.png", "b.png"])
    project.add_classes(["cat"])
    project.set_labels({"a.png": "cat"})
    a_id = project.ids_for(["a.png"])["a.png"]
    data = (root / "a.png").read_bytes()
    (root / "a.png").unlink()
    project.scan(workers=1)
    (root / "a.png").write_bytes(data)

    assert project.scan(workers=1).added == 1
    assert project.ids_for(["a.png"])["a.png"] == a_id
    assert _labels(project)["a.png"] == "cat"
    project.close()


def test_a_label_set_while_the_scan_decodes_is_a_persons_change_and_kept(tmp_path):
    root, project = _indexed(tmp_path, ["cat/1.png", "dog/2.png"])
    project.add_classes(["bird"])
    # Copied (a new mtime: found by its hash while decoding), then the original deleted.
    shutil.copyfile(root / "cat" / "1.png", root / "dog" / "1.png")
    (root / "cat" / "1.png").unlink()

    def progress(p):
        if p.message == "decoding images" and p.done == 0:
            project.set_label("cat/1.png", "bird")  # someone labels it meanwhile

    project.scan(progress=progress, workers=1)

    assert _labels(project)["dog/1.png"] == "bird"
    project.close()


def test_moving_a_file_after_its_class_was_renamed_follows_the_new_folder(tmp_path):
    root, project = _indexed(tmp_path, ["cat/1.png", "dog/2.png"])
    project.rename_class("cat", "feline")
    shutil.move(root / "cat" / "1.png", root / "dog" / "1.png")

    project.scan(workers=1)

    assert _labels(project)["dog/1.png"] == "dog"
    project.close()


def test_a_class_renamed_to_a_removed_classes_name_takes_that_folder_again(tmp_path):
    root, project = _indexed(tmp_path, ["cat/1.png", "kitty/2.png"])
    project.remove_class("cat")  # cat/ files now come in unlabeled...
    project.rename_class("kitty", "cat")  # ...until a class is called cat again
    write_image(root / "cat" / "3.png", seed=3, fmt="PNG")

    project.scan(workers=1)

    assert _labels(project)["cat/3.png"] == "cat"
    project.close()


def test_a_second_scan_of_a_project_waits_for_the_first(project, imagefolder):
    root, _ = imagefolder
    write_image(root / "train" / "dog" / "late.jpg", seed=700)
    held = FileLock(project.path / SCAN_LOCK).acquire()  # another process scanning
    waiting = threading.Event()
    result = {}

    def run():
        def progress(p):
            if p.message == "waiting for another scan":
                waiting.set()

        result["counts"] = project.scan(progress=progress, workers=1)

    thread = threading.Thread(target=run)
    thread.start()
    assert waiting.wait(10)
    assert "counts" not in result  # still waiting: nothing indexed behind the other's back
    held.release()
    thread.join(30)
    assert result["counts"].added == 1


def test_a_removed_image_restored_while_a_scan_runs_keeps_its_label(tmp_path):
    """A restore caught mid-copy (a truncated file) is not a new image: the removed
    image's row and label come back, and the whole file is a change to it later."""
    root, project = _indexed(tmp_path, ["cat/a.png", "dog/b.png"])
    project.set_label("cat/a.png", "dog")
    image_id = project.ids_for(["cat/a.png"])["cat/a.png"]
    data = (root / "cat" / "a.png").read_bytes()
    (root / "cat" / "a.png").unlink()
    project.scan(workers=1)
    (root / "cat" / "a.png").write_bytes(data[: len(data) // 3])  # half copied
    project.scan(workers=1)
    (root / "cat" / "a.png").write_bytes(data)
    os.utime(root / "cat" / "a.png", ns=(time.time_ns(), time.time_ns() + 5_000_000_000))
    project.scan(workers=1)

    assert project.ids_for(["cat/a.png"])["cat/a.png"] == image_id
    assert _labels(project)["cat/a.png"] == "dog"
    project.close()


def _pictures(root, names) -> dict[bytes, str]:
    return {(root / name).read_bytes(): name for name in names}


def test_a_renumbered_folder_keeps_each_label_on_its_picture(tmp_path):
    """Delete one file, shift the rest down a number (as after removing a duplicate):
    the paths that still exist now hold other images, and each label follows its image."""
    names = [f"{i:03d}.png" for i in range(5)]
    root, project = _indexed(tmp_path, names)
    project.add_classes(list("abcde"))
    project.set_labels(dict(zip(names, "abcde", strict=True)))
    ids = project.ids_for(names)
    label_of = {(root / n).read_bytes(): label for n, label in zip(names, "abcde", strict=True)}
    (root / "001.png").unlink()
    for i in range(2, 5):
        os.rename(root / f"{i:03d}.png", root / f"{i - 1:03d}.png")

    counts = project.scan(workers=1)

    assert (counts.moved, counts.removed, counts.changed, counts.added) == (3, 1, 0, 0)
    labels = _labels(project)
    assert labels == {n: label_of[(root / n).read_bytes()] for n in names[:4]}
    assert labels == {"000.png": "a", "001.png": "c", "002.png": "d", "003.png": "e"}
    now = project.ids_for(names[:4])
    assert [now[n] for n in names[:4]] == [
        ids["000.png"],
        ids["002.png"],
        ids["003.png"],
        ids["004.png"],
    ]
    assert project.scan(workers=1).unchanged == 4  # settled
    project.close()


@pytest.mark.parametrize("same_size_and_time", [False, True])
def test_two_swapped_files_swap_their_labels(tmp_path, same_size_and_time):
    """Also two BMPs of one size and one time (an archive's files, renumbered): only
    their change times (ctime) tell them apart from before."""
    root, project = _indexed(tmp_path, ["a.png", "b.png", "c.png"])
    if same_size_and_time:
        for seed, name in enumerate(["a.png", "b.png", "c.png"]):
            write_image(root / name, seed=seed, fmt="BMP")  # a BMP under any name
            os.utime(root / name, ns=(1_600_000_000 * 10**9,) * 2)
        project.scan(workers=1)
        time.sleep(0.05)  # change times tick coarsely: the renames land on a later one
        assert len({(root / n).stat().st_size for n in ["a.png", "b.png", "c.png"]}) == 1
    project.add_classes(["cat", "dog"])
    project.set_labels({"a.png": "cat", "b.png": "dog"})
    ids = project.ids_for(["a.png", "b.png"])
    os.rename(root / "a.png", root / "tmp.png")
    os.rename(root / "b.png", root / "a.png")
    os.rename(root / "tmp.png", root / "b.png")

    counts = project.scan(workers=1)

    assert (counts.moved, counts.removed, counts.changed, counts.added) == (2, 0, 0, 0)
    assert _labels(project) == {"a.png": "dog", "b.png": "cat", "c.png": None}
    assert project.ids_for(["a.png", "b.png"]) == {"a.png": ids["b.png"], "b.png": ids["a.png"]}
    project.close()


def test_an_image_edited_in_place_keeps_its_row_and_label(tmp_path):
    root, project = _indexed(tmp_path, ["a.png", "b.png"])
    project.add_classes(["cat"])
    project.set_labels({"a.png": "cat"})
    a_id = project.ids_for(["a.png"])["a.png"]
    write_image(root / "a.png", seed=99, fmt="PNG")  # new bytes, nobody else's

    counts = project.scan(workers=1)

    assert (counts.changed, counts.moved, counts.removed, counts.added) == (1, 0, 0, 0)
    assert _labels(project) == {"a.png": "cat", "b.png": None}
    assert project.ids_for(["a.png"])["a.png"] == a_id
    project.close()


def test_a_copy_of_an_image_whose_file_was_touched_is_a_new_image(tmp_path):
    """The original is still there (only its time changed): the copy is another image."""
    root, project = _indexed(tmp_path, ["a.png", "b.png"])
    project.add_classes(["cat"])
    project.set_labels({"a.png": "cat"})
    a_id = project.ids_for(["a.png"])["a.png"]
    shutil.copyfile(root / "a.png", root / "copy.png")
    later = time.time() + 5
    os.utime(root / "a.png", (later, later))

    counts = project.scan(workers=1)

    assert (counts.added, counts.moved, counts.removed) == (1, 0, 0)
    assert _labels(project) == {"a.png": "cat", "b.png": None, "copy.png": None}
    assert project.ids_for(["a.png"])["a.png"] == a_id
    project.close()


def test_a_file_moved_while_the_scan_probes_it_keeps_its_label_on_the_next_scan(
    tmp_path, monkeypatch
):
    """Walked, then moved before its probe ("vanished during scan"): the row keeps its
    bytes' hash, so the next scan finds the move instead of a new, unlabeled image."""
    from labeldesk.core import scanner

    root, project = _indexed(tmp_path, ["a.png", "b.png"])
    project.add_classes(["cat"])
    project.set_labels({"a.png": "cat"})
    a_id = project.ids_for(["a.png"])["a.png"]
    os.utime(root / "a.png", ns=(1, 1))  # touched: this scan probes it again
    (root / "sub").mkdir()
    walk = scanner.walk_images

    def walk_then_move(*args, **kwargs):
        walked = walk(*args, **kwargs)
        os.rename(root / "a.png", root / "sub" / "a.png")
        return walked

    monkeypatch.setattr(scanner, "walk_images", walk_then_move)
    project.scan(workers=1)
    [reason] = project.images().set_index("path").skip_reason[["a.png"]]
    assert reason == "vanished during scan"
    monkeypatch.setattr(scanner, "walk_images", walk)

    counts = project.scan(workers=1)

    assert (counts.moved, counts.added, counts.removed) == (1, 0, 0)
    assert _labels(project) == {"sub/a.png": "cat", "b.png": None}
    assert project.ids_for(["sub/a.png"])["sub/a.png"] == a_id
    project.close()


def test_images_removed_for_a_while_come_back_under_new_names_with_their_labels(tmp_path):
    """A folder moved out (a scan finds its images removed) and back under another name:
    the images are the same pictures, so their rows, labels and history come back."""
    root, project = _indexed(tmp_path, ["set/a.png", "set/b.png", "c.png"])
    project.add_classes(["cat", "dog"])
    project.set_labels({"set/a.png": "cat", "set/b.png": "dog"})
    ids = project.ids_for(["set/a.png", "set/b.png"])
    shutil.move(root / "set", tmp_path / "aside")
    assert project.scan(workers=1).removed == 2
    shutil.move(tmp_path / "aside", root / "batch1")

    counts = project.scan(workers=1)

    assert (counts.moved, counts.added, counts.removed) == (2, 0, 0)
    assert _labels(project) == {"batch1/a.png": "cat", "batch1/b.png": "dog", "c.png": None}
    assert project.ids_for(["batch1/a.png", "batch1/b.png"]) == {
        "batch1/a.png": ids["set/a.png"],
        "batch1/b.png": ids["set/b.png"],
    }
    assert [e.new_label for e in project.history("batch1/a.png")] == ["cat", "set"]
    project.close()


def test_history_of_an_image_whose_name_another_file_took_shows_where_it_was(tmp_path, capsys):
    """Its row keeps a retired path inside; history and undo show the folder path."""
    import json

    from labeldesk.cli import main

    root, project = _indexed(tmp_path, ["a.png", "b.png"])
    project.add_classes(["cat", "dog"])
    project.set_labels({"a.png": "cat"})
    (root / "a.png").unlink()
    project.scan(workers=1)
    write_image(root / "a.png", seed=42, fmt="PNG")  # other bytes take the name
    project.scan(workers=1)
    project.set_labels({"a.png": "dog"})
    project.close()

    assert main(["history", str(tmp_path / "proj"), "--json"]) == 0
    events = [e for e in json.loads(capsys.readouterr().out) if e["kind"] == "label"]
    assert {(e["path"], e["new"], e["removed"]) for e in events} == {
        ("a.png", "dog", False),
        ("a.png", "cat", True),  # the first a.png, gone from the folder
    }
    assert main(["history", str(tmp_path / "proj")]) == 0
    assert "a.png (removed from the folder)" in capsys.readouterr().out
    assert main(["history", str(tmp_path / "proj"), "b.png", "-n", "0"]) == 0
    assert "no label events" in capsys.readouterr().out  # b.png has none; 0 means all

    (root / "a.png").unlink()  # now no file has the name: the removed images' events
    with Project(tmp_path / "proj") as again:
        assert again.scan(workers=1).removed == 1
    assert main(["history", str(tmp_path / "proj"), "a.png", "--json", "-n", "0"]) == 0
    events = json.loads(capsys.readouterr().out)
    assert [(e["new"], e["removed"]) for e in events] == [("dog", True), ("cat", True)]
    assert main(["history", str(tmp_path / "proj"), "c.png"]) == 1  # never an image


def test_a_folder_found_empty_says_so_and_its_images_come_back_with_their_labels(tmp_path):
    """An unmounted drive looks like an empty folder: the scan says so; nothing is lost."""
    root, project = _indexed(tmp_path, ["a.png", "b.png"])
    project.add_classes(["cat"])
    project.set_labels({"a.png": "cat"})
    shutil.move(root, tmp_path / "elsewhere")
    root.mkdir()  # the mount point, empty

    counts = project.scan(workers=1)

    assert (counts.removed, counts.emptied) == (2, 2)
    assert any("no images found" in w and "mounted" in w for w in counts.warnings)
    root.rmdir()
    shutil.move(tmp_path / "elsewhere", root)
    back = project.scan(workers=1)
    assert back.emptied == 0 and not back.warnings
    assert _labels(project) == {"a.png": "cat", "b.png": None}
    project.close()


def test_an_unreadable_file_is_not_taken_for_a_vanished_unreadable_one(tmp_path, monkeypatch):
    """Neither has a hash: nothing says they hold the same bytes, so no label moves."""
    from labeldesk.core import scan_writer

    root, project = _indexed(tmp_path, ["a.png", "b.png"])
    project.add_classes(["cat"])
    project.set_labels({"a.png": "cat"})
    with project.db.write() as conn:  # as a scan records a file it could not read
        conn.execute("UPDATE images SET hash = NULL, skip_reason = 'permission denied' "
                     "WHERE path = 'a.png'")  # fmt: skip
    os.rename(root / "a.png", root / "c.png")

    def unreadable(path):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(scan_writer, "hash_file", unreadable)
    counts = project.scan(workers=1)

    assert (counts.moved, counts.added) == (0, 1)
    assert project.db.scalar("SELECT label FROM images WHERE path = 'c.png'") is None
    project.close()


def test_a_class_folder_renamed_on_disk_is_one_batch_one_undo_takes_back(tmp_path):
    from labeldesk.core.labels import SOURCES

    root, project = _indexed(tmp_path, [f"cat/{i}.png" for i in range(10)] + ["dog/0.png"])
    with project.db.reading() as conn:
        before = conn.execute("SELECT MAX(id) FROM label_batches").fetchone()[0]
    (root / "cat").rename(root / "kitty")
    counts = project.scan(workers=1)
    assert counts.moved == 10
    assert set(_labels(project).values()) == {"kitty", "dog"}
    with project.db.reading() as conn:
        written = conn.execute(
            "SELECT COUNT(*) FROM label_batches WHERE id > ?", (before,)
        ).fetchone()[0]
    assert written == 1
    undone = project.undo(sources=SOURCES)
    assert len(undone.image_ids) == 10
    assert set(_labels(project).values()) == {"cat", "dog"}


def _renamed_while_fox_was_removed(tmp_path):
    """train/fox/a.png renamed to a2.png (and scanned) while the class fox was removed;
    then the removal undone: a2.png is fox again, as its folder says."""
    root, project = _indexed(tmp_path, ["train/fox/a.png", "train/fox/b.png", "train/cat/c.png"])
    project.remove_class("fox")
    (root / "train/fox/a.png").rename(root / "train/fox/a2.png")
    project.scan(workers=1)
    project.undo()
    assert _labels(project)["train/fox/a2.png"] == "fox"
    return root, project


def test_a_file_renamed_in_its_class_folder_keeps_the_label_a_person_took_away(tmp_path):
    # (the rename while fox was removed had left it no folder class, so the next rename
    # in the same folder gave it the folder's class over the person's change)
    root, project = _renamed_while_fox_was_removed(tmp_path)
    project.set_label("train/fox/a2.png", None)
    (root / "train/fox/a2.png").rename(root / "train/fox/a3.png")
    project.scan(workers=1)
    assert _labels(project)["train/fox/a3.png"] is None
    project.close()


def test_a_file_renamed_while_its_class_was_removed_takes_the_class_of_a_new_folder(tmp_path):
    # (its label came from its folder: moved to cat/, it is cat; it stayed fox)
    root, project = _renamed_while_fox_was_removed(tmp_path)
    (root / "train/fox/a2.png").rename(root / "train/cat/a2.png")
    project.scan(workers=1)
    assert _labels(project)["train/cat/a2.png"] == "cat"
    project.close()
