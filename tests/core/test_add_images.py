"""Copying new images into a project as unlabeled: nothing overwritten, nothing outside."""

from __future__ import annotations

import errno
import os
import shutil

import pandas as pd
import pytest
from helpers import write_image

from labeldesk.core import add_images
from labeldesk.core.add_images import batch_folder_name, copy_unlabeled
from labeldesk.core.create import create_and_index
from labeldesk.core.errors import LabelDeskError
from labeldesk.core.project import open_project


def test_copies_become_unlabeled_images_and_the_source_is_untouched(tmp_path):
    root, new = tmp_path / "images", tmp_path / "new batch!"
    write_image(root / "cat" / "a.png", fmt="PNG")
    for seed, rel in enumerate(("x.png", "sub/y.png"), start=3):
        write_image(new / rel, fmt="PNG", seed=seed)
    before = sorted(p.relative_to(new).as_posix() for p in new.rglob("*"))
    project, _ = create_and_index(tmp_path / "p", root, workers=1)
    try:
        batch = batch_folder_name(new)
        assert batch == "new_batch"
        added = copy_unlabeled(project, new, ["x.png", "sub/y.png"], batch)
        assert added.paths == ["_unlabeled/new_batch/x.png", "_unlabeled/new_batch/sub/y.png"]
        assert added.skipped == []
        project.scan()
        frame = project.images().set_index("path")
        assert pd.isna(frame.loc["_unlabeled/new_batch/sub/y.png", "label"])
        assert sorted(p.relative_to(new).as_posix() for p in new.rglob("*")) == before

        other = tmp_path / "other" / "new batch!"  # same names, other pictures
        write_image(other / "x.png", fmt="PNG", seed=9)
        again = copy_unlabeled(project, other, ["x.png"], batch)  # never overwrites
        assert again.paths == ["_unlabeled/new_batch/x-2.png"]
    finally:
        project.close()


def test_paths_leaving_the_folder_links_and_missing_files_are_skipped(project, tmp_path):
    root, new = project.root, tmp_path / "new"
    write_image(new / "ok.png", fmt="PNG", seed=50)
    write_image(tmp_path / "secret.png", fmt="PNG", seed=51)
    os.symlink(tmp_path / "secret.png", new / "link.png")
    rels = ["../secret.png", "/etc/passwd", "link.png", "gone.png", "ok.png"]
    added = copy_unlabeled(project, new, rels, "new")
    assert added.paths == ["_unlabeled/new/ok.png"]
    assert [r for r, _ in added.skipped] == rels[:4]
    assert not (root / "secret.png").exists() and not (root / "_unlabeled/new/link.png").exists()
    with pytest.raises(LabelDeskError, match="folder name"):
        copy_unlabeled(project, new, ["ok.png"], "../escape")


def test_exact_copies_of_project_images_are_skipped_and_named(project, tmp_path):
    root, new = project.root, tmp_path / "new"
    shutil.copy(root / "train/cat/cat0.jpg", new_dir(new) / "a.jpg")  # same bytes
    shutil.copy(root / "val/dog/dog1.jpg", new / "b.jpg")
    write_image(new / "fresh.png", fmt="PNG", seed=60)
    shutil.copy(new / "fresh.png", new / "fresh-again.png")  # a twin within the batch
    added = copy_unlabeled(project, new, ["a.jpg", "fresh.png", "b.jpg", "fresh-again.png"], "n")
    assert added.paths == ["_unlabeled/n/fresh.png"]
    assert added.skipped == [
        ("a.jpg", "already in the project as train/cat/cat0.jpg"),
        ("b.jpg", "already in the project as val/dog/dog1.jpg"),
        ("fresh-again.png", "already in the project as _unlabeled/n/fresh.png"),
    ]
    assert added.summary() == (
        "Added 1 image as unlabeled; 3 already in the project (e.g. a.jpg is train/cat/cat0.jpg)"
    )
    assert sorted(p.name for p in (root / "_unlabeled/n").iterdir()) == ["fresh.png"]
    before = len(project.images())
    project.scan(workers=1)
    assert len(project.images()) == before + 1


def test_the_bytes_of_a_removed_image_can_come_back(project, tmp_path):
    root, new = project.root, tmp_path / "new"
    shutil.copy(root / "train/cat/cat0.jpg", new_dir(new) / "a.jpg")
    (root / "train/cat/cat0.jpg").unlink()
    project.scan(workers=1)  # no usable image holds those bytes now
    added = copy_unlabeled(project, new, ["a.jpg"], "n")
    assert added.paths == ["_unlabeled/n/a.jpg"] and added.skipped == []


def test_adding_again_before_a_scan_indexed_the_copies_makes_no_second_copy(project, tmp_path):
    """*Add to project* cancelled (or killed) before its scan: adding the same images
    again copied every one a second time (x-2.png beside x.png, the same picture twice
    in the project once scanned). A file of the same bytes at the name is the copy."""
    new = tmp_path / "new"
    for seed, rel in enumerate(("x.png", "sub/y.png"), start=70):
        write_image(new / rel, fmt="PNG", seed=seed)
    first = copy_unlabeled(project, new, ["x.png", "sub/y.png"], "n")  # then no scan
    folder = project.root / "_unlabeled/n"
    (folder / "x.png").rename(folder / "x-2.png")  # and the earlier copy took a number
    write_image(folder / "x.png", fmt="PNG", seed=99)  # (x.png: someone else's picture)

    again = copy_unlabeled(project, new, ["x.png", "sub/y.png"], "n")

    assert first.paths == ["_unlabeled/n/x.png", "_unlabeled/n/sub/y.png"]
    assert again.paths == ["_unlabeled/n/x-2.png", "_unlabeled/n/sub/y.png"]
    assert again.skipped == []
    files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    assert files == ["sub/y.png", "x-2.png", "x.png"]
    assert (folder / "x-2.png").read_bytes() == (new / "x.png").read_bytes()
    project.scan(workers=1)
    assert copy_unlabeled(project, new, ["x.png"], "n").paths == []  # indexed: already


@pytest.mark.parametrize("removed", [["x.png"], ["x.png", "x-2.png"]])
def test_a_numbered_copy_after_a_deleted_name_is_recognised(project, tmp_path, removed):
    """The earlier copy got a number (``x-2.png``, ``x.png`` taken by another picture),
    its scan never ran, and then ``x.png`` was deleted: the look-up for a copy made
    before stopped at the first free name, so adding the image again put a second copy
    under ``x.png``. Every numbered name of the folder counts, gaps or not."""
    folder = project.root / "_unlabeled/n"
    first, second = tmp_path / "first", tmp_path / "second"
    write_image(first / "x.png", fmt="PNG", seed=80)  # another picture of the same name
    write_image(second / "x.png", fmt="PNG", seed=81)
    assert copy_unlabeled(project, first, ["x.png"], "n").paths == ["_unlabeled/n/x.png"]
    if len(removed) == 2:  # x-2.png taken too, so the copy below goes to x-3.png
        (folder / "x-2.png").write_bytes(b"placeholder")
    copied = copy_unlabeled(project, second, ["x.png"], "n")  # killed before its scan
    number = len(removed) + 1
    assert copied.paths == [f"_unlabeled/n/x-{number}.png"]
    for name in removed:  # the person deletes the other picture(s); still no scan
        (folder / name).unlink()

    again = copy_unlabeled(project, second, ["x.png"], "n")

    assert again.paths == [f"_unlabeled/n/x-{number}.png"] and again.skipped == []
    assert sorted(p.name for p in folder.iterdir()) == [f"x-{number}.png"]  # no second copy
    project.scan(workers=1)
    assert copy_unlabeled(project, second, ["x.png"], "n").paths == []  # indexed: already


@pytest.mark.parametrize("where", ["train", "train/cat", "link", "project"])
def test_a_folder_inside_the_project_is_refused_and_nothing_is_copied(project, tmp_path, where):
    folders = {
        "train": project.root / "train",
        "train/cat": project.root / "train/cat",
        "link": tmp_path / "link",
        "project": project.path / "thumbs",
    }
    os.symlink(project.root / "train", tmp_path / "link")
    folder = folders[where]
    rels = [p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()][:3]
    with pytest.raises(LabelDeskError, match=r"inside the project's .* nothing to add"):
        copy_unlabeled(project, folder, rels, "n")
    assert not (project.root / "_unlabeled/n").exists()


def new_dir(path):
    path.mkdir(parents=True, exist_ok=True)
    return path


def test_a_dangling_link_at_the_target_name_is_neither_followed_nor_replaced(project, tmp_path):
    """A link planted where a copy would go (pointing outside the image folder, to a
    file that does not exist yet): the copy takes the next free name; nothing is written
    through the link, and the link stays."""
    new = tmp_path / "new"
    write_image(new / "x.png", fmt="PNG", seed=60)
    folder = project.root / "_unlabeled" / "new"
    folder.mkdir(parents=True)
    outside = tmp_path / "outside.png"
    os.symlink(outside, folder / "x.png")

    added = copy_unlabeled(project, new, ["x.png"], "new")

    assert added.paths == ["_unlabeled/new/x-2.png"]
    assert not outside.exists() and os.path.islink(folder / "x.png")
    assert (folder / "x-2.png").read_bytes() == (new / "x.png").read_bytes()
    assert (folder / "x-2.png").stat().st_mtime_ns == (new / "x.png").stat().st_mtime_ns


def test_a_copy_that_fails_leaves_nothing_half_written_and_keeps_other_files(
    project, tmp_path, monkeypatch
):
    new = tmp_path / "new"
    write_image(new / "x.png", fmt="PNG", seed=61)
    folder = project.root / "_unlabeled" / "new"
    folder.mkdir(parents=True)
    (folder / "x.png").write_bytes(b"someone else's file")

    def full_disk(src, dst, *args):
        dst.write(b"partial")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(shutil, "copyfileobj", full_disk)
    added = copy_unlabeled(project, new, ["x.png"], "new")

    assert added.paths == [] and "No space left on device" in added.skipped[0][1]
    assert (folder / "x.png").read_bytes() == b"someone else's file"
    assert sorted(p.name for p in folder.iterdir()) == ["x.png"]  # no x-2.png left behind


def _closed_project_and_a_big_image(tmp_path):
    """A one-image project made of images/ (closed), and new/big.png (300 x 300) to add:
    the image folder, the folder to add from, the project."""
    root, new = tmp_path / "images", tmp_path / "new"
    write_image(root / "cat" / "a.png", fmt="PNG")
    write_image(new / "big.png", fmt="PNG", size=(300, 300), seed=4)
    project, _ = create_and_index(tmp_path / "p", root, workers=1)
    project.close()
    return root, new, project


KILLED_MID_COPY = """
import os, shutil, signal, sys
from pathlib import Path
from labeldesk.core import add_images
from labeldesk.core.project import open_project

def half(src, dst, length=0):
    dst.write(src.read(100))
    dst.flush()
    os.kill(os.getpid(), signal.SIGKILL)  # a kill, a power cut: no cleanup runs

add_images.shutil.copyfileobj = half
with open_project(Path(sys.argv[1])) as project:
    add_images.copy_unlabeled(project, Path(sys.argv[2]), ["big.png"], "drop")
"""


def test_a_copy_killed_half_way_leaves_no_truncated_image(tmp_path, monkeypatch):
    """The copy was written straight to its name: a kill left a truncated image in the
    user's folder for good (every scan then skipped it as broken)."""
    import subprocess
    import sys
    import time

    root, new, project = _closed_project_and_a_big_image(tmp_path)
    run = subprocess.run(
        [sys.executable, "-c", KILLED_MID_COPY, str(project.path), str(new)], check=False
    )
    assert run.returncode == -9
    drop = root / "_unlabeled" / "drop"
    [temp] = list(drop.iterdir())  # only the hidden temporary: no big.png
    assert temp.name.startswith(".labeldesk-copy-") and temp.stat().st_size == 100
    old = time.time() - 3600
    os.utime(temp, (old, old))
    from labeldesk.core import copy_temps

    monkeypatch.setattr(copy_temps, "MIN_AGE_S", 0.0)  # its process is gone
    with open_project(project.path) as project:
        added = copy_unlabeled(project, new, ["big.png"], "other")  # another batch
        assert temp.exists()
        project.scan(workers=1)  # the scan lists it, and sweeps it
        assert not temp.exists() and list(drop.iterdir()) == []
        added = copy_unlabeled(project, new, ["big.png"], "drop")
    assert added.paths == []  # the same bytes were just added under "other"
    assert (root / "_unlabeled/other/big.png").read_bytes() == (new / "big.png").read_bytes()


def test_a_name_long_in_utf8_is_copied(tmp_path):
    """The temporary's name was the image's name plus a suffix: a 244-byte name went over
    the file system's 255 and could not be copied at all."""
    root, new = tmp_path / "images", tmp_path / "new"
    write_image(root / "cat" / "a.png", fmt="PNG")
    name = "写" * 80 + ".png"  # 244 bytes
    write_image(new / name, fmt="PNG", seed=3)
    project, _ = create_and_index(tmp_path / "p", root, workers=1)
    with project:
        added = copy_unlabeled(project, new, [name], "drop")
    assert added.skipped == [] and added.paths == [f"_unlabeled/drop/{name}"]


def test_a_copy_under_way_is_not_swept(tmp_path):
    """The copy's time is set to the original's before it is linked: an old time alone
    made a copy under way look like a leftover."""
    import time

    from labeldesk.core.add_images import _copy_into
    from labeldesk.core.copy_temps import sweep_copy

    origin = write_image(tmp_path / "old.png", fmt="PNG")
    old = time.time() - 3600
    os.utime(origin, (old, old))
    temp = tmp_path / f".labeldesk-copy-{os.getpid()}-deadbeef.tmp"
    _copy_into(origin, temp)
    assert temp.stat().st_mtime < time.time() - 3000  # the original's time
    assert not sweep_copy(str(temp)) and temp.exists()


KILLED_WITHOUT_HARD_LINKS = """
import errno, os, shutil, signal, sys
from pathlib import Path
from labeldesk.core import add_images
from labeldesk.core.project import open_project

def no_links(*args, **kwargs):  # FAT, exFAT, some network shares
    raise OSError(errno.EPERM, "Operation not permitted")

calls, copy = [], shutil.copyfileobj
def killed_in_a_second_copy(src, dst, length=0):
    calls.append(dst.name)
    if len(calls) == 2:  # the bytes written again, now under the image's own name
        dst.write(src.read(100))
        dst.flush()
        os.kill(os.getpid(), signal.SIGKILL)
    copy(src, dst)

os.link = no_links
if sys.argv[3] == "no renames":  # nor a rename that never replaces (exFAT through FUSE)
    add_images.rename_no_replace = lambda src, dst: False
add_images.shutil.copyfileobj = killed_in_a_second_copy
with open_project(Path(sys.argv[1])) as project:
    added = add_images.copy_unlabeled(project, Path(sys.argv[2]), ["big.png"], "drop")
    print(added.paths)
"""


@pytest.mark.parametrize("renames", ["renames", "no renames"])
def test_without_hard_links_a_copy_never_gets_its_name_before_it_is_whole(tmp_path, renames):
    """Where the file system has no hard links, the finished temporary was thrown away
    and the bytes written again straight under the image's name: a kill then left a
    truncated image in the user's folder for good (scanned as broken). Now the
    temporary itself is renamed to the name, never replacing a file; also where no
    rename that never replaces exists (exFAT through Linux's FUSE driver), where the
    bytes were still written straight under the name."""
    import subprocess
    import sys

    root, new, project = _closed_project_and_a_big_image(tmp_path)
    run = subprocess.run(
        [sys.executable, "-c", KILLED_WITHOUT_HARD_LINKS, str(project.path), str(new), renames],
        check=False,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr[-2000:]  # (never written twice: no kill)
    assert run.stdout.strip() == "['_unlabeled/drop/big.png']"
    drop = root / "_unlabeled" / "drop"
    assert [p.name for p in drop.iterdir()] == ["big.png"]
    assert (drop / "big.png").read_bytes() == (new / "big.png").read_bytes()


@pytest.mark.parametrize("renames", [True, False])  # False: no rename that never replaces
def test_without_hard_links_a_taken_name_is_not_replaced(project, tmp_path, monkeypatch, renames):
    new = tmp_path / "new"
    write_image(new / "x.png", fmt="PNG", seed=60)
    folder = project.root / "_unlabeled" / "new"
    folder.mkdir(parents=True)
    (folder / "x.png").write_bytes(b"someone else's file")
    os.symlink(tmp_path / "nowhere.png", folder / "x-2.png")  # a dangling link

    def no_links(*args, **kwargs):
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    if not renames:  # (then the name is created exclusively and written directly)
        monkeypatch.setattr(add_images, "rename_no_replace", lambda src, dst: False)
    added = copy_unlabeled(project, new, ["x.png"], "new")

    assert added.paths == ["_unlabeled/new/x-3.png"]
    assert (folder / "x.png").read_bytes() == b"someone else's file"
    assert os.path.islink(folder / "x-2.png") and not (tmp_path / "nowhere.png").exists()
    assert (folder / "x-3.png").read_bytes() == (new / "x.png").read_bytes()
    assert sorted(p.name for p in folder.iterdir()) == ["x-2.png", "x-3.png", "x.png"]


def test_without_links_or_renames_a_claim_whose_rename_fails_is_removed(
    project, tmp_path, monkeypatch
):
    """Where the name is claimed by an empty file and the finished temporary renamed
    over it: a rename that fails (or Ctrl+C just then) leaves neither the claim nor
    the temporary, and the file at a taken name stays as it was."""
    new = tmp_path / "new"
    write_image(new / "x.png", fmt="PNG", seed=62)
    folder = project.root / "_unlabeled" / "new"
    folder.mkdir(parents=True)
    (folder / "x.png").write_bytes(b"someone else's file")

    def no_links(*args, **kwargs):
        raise OSError(errno.EPERM, "Operation not permitted")

    def interrupted(src, dst):
        assert os.path.getsize(src) == (new / "x.png").stat().st_size  # whole first
        assert os.path.getsize(dst) == 0  # the claim: an empty file of this call's
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "link", no_links)
    monkeypatch.setattr(add_images, "rename_no_replace", lambda src, dst: False)
    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        copy_unlabeled(project, new, ["x.png"], "new")

    assert sorted(p.name for p in folder.iterdir()) == ["x.png"]
    assert (folder / "x.png").read_bytes() == b"someone else's file"


@pytest.mark.parametrize(
    "code",
    [
        errno.ENOSYS,  # a FUSE mount whose file system has no link call (rclone, sshfs)
        errno.EINVAL,  # Windows on FAT and exFAT (ERROR_INVALID_FUNCTION / NOT_SUPPORTED)
    ],
)
def test_a_drive_that_says_links_are_not_implemented_still_gets_the_copy(
    project, tmp_path, monkeypatch, code
):
    """Only EPERM, EOPNOTSUPP, EXDEV and EMLINK counted as 'no hard links here': on a
    drive that answers link() otherwise, every image was skipped as 'could not be
    copied: Function not implemented'."""
    new = tmp_path / "new"
    write_image(new / "x.png", fmt="PNG", seed=61)

    def no_links(*args, **kwargs):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(os, "link", no_links)
    added = copy_unlabeled(project, new, ["x.png"], "new")

    assert added.skipped == [] and added.paths == ["_unlabeled/new/x.png"]
    folder = project.root / "_unlabeled" / "new"
    assert [p.name for p in folder.iterdir()] == ["x.png"]
    assert (folder / "x.png").read_bytes() == (new / "x.png").read_bytes()


def test_a_cancel_between_files_deletes_this_calls_copies_and_keeps_earlier_ones(project, tmp_path):
    from labeldesk.core.errors import Cancelled
    from labeldesk.core.progress import CancelToken

    root, new = project.root, tmp_path / "new"
    rels = ["a.png", "deep/er/b.png", "c.png"]
    for seed, rel in enumerate(rels, start=60):
        write_image(new / rel, fmt="PNG", seed=seed)
    earlier = copy_unlabeled(project, new, ["c.png"], "new")  # an earlier Add, not scanned
    assert earlier.paths == ["_unlabeled/new/c.png"]
    before = sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))

    token, seen = CancelToken(), []

    def progress(report):
        seen.append(report.done)
        if report.done == 2:  # after two copies: a person presses Cancel
            token.cancel()

    with pytest.raises(Cancelled, match="nothing was added"):
        copy_unlabeled(project, new, rels, "new", progress=progress, cancel=token)
    assert seen == [0, 1, 2]
    # the copies (and the folders made for them) are gone; the earlier Add's copy stays
    assert sorted(p.relative_to(root).as_posix() for p in root.rglob("*")) == before
    assert (root / "_unlabeled/new/c.png").is_file()
    assert sorted(p.relative_to(new).as_posix() for p in new.rglob("*.png")) == sorted(rels)
