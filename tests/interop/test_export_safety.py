"""Exports never lose or mix up an image, never leave hidden copies behind, never replace
hand edits and never write outside their folder (defects a review reproduced)."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import write_image

from labeldesk.cli import main
from labeldesk.core.create import create_and_index
from labeldesk.core.errors import LabelDeskError
from labeldesk.core.staging import MARKER
from labeldesk.interop import export_names, placing
from labeldesk.interop.export import ExportOptions, export
from labeldesk.interop.export_target import MANIFEST, ExportTargetError


def digest(rel: str) -> str:
    return hashlib.blake2b(rel.encode(), digest_size=4).hexdigest()


def make_project(tmp_path: Path, names: list[str]):
    root = tmp_path / "images"
    for seed, name in enumerate(names):
        write_image(root / name, fmt="PNG" if name.endswith(".png") else "JPEG", seed=seed)
    project, _ = create_and_index(tmp_path / "proj", root, workers=1)
    return project, root


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- 1. a renamed duplicate's name never lands on another image ----------------------------
def test_unique_name_never_hands_out_a_name_twice():
    used: set[str] = set()
    taken = f"a--{digest('dog/a.png')}.png"
    names = [
        export_names.unique_name(used, "images", rel) for rel in (f"bird/{taken}", "cat/a.png")
    ]
    names.append(export_names.unique_name(used, "images", "dog/a.png"))
    assert len(set(names)) == 3 and names[2] != f"images/{taken}"


def test_a_fallback_name_equal_to_an_image_name_keeps_both_images(tmp_path):
    taken = f"a--{digest('dog/a.png')}.png"  # sorts before dog/a.png
    project, root = make_project(tmp_path, [f"bird/{taken}", "cat/a.png", "dog/a.png"])
    export(project, tmp_path / "out", "csv")
    with open(tmp_path / "out/labels.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    exported = {r["label"]: sha(tmp_path / "out" / r["path"]) for r in rows}
    assert len({r["path"] for r in rows}) == 3
    assert exported == {"bird": sha(root / "bird" / taken), "cat": sha(root / "cat/a.png"),
                        "dog": sha(root / "dog/a.png")}  # fmt: skip


def test_place_never_overwrites(project, tmp_path):
    dest = tmp_path / "out/x.jpg"
    dest.parent.mkdir()
    dest.write_bytes(b"someone's")
    for link in ("copy", "hardlink", "symlink"):
        with pytest.raises(FileExistsError):
            placing.place(project, "train/cat/cat0.jpg", dest, link)
        assert dest.read_bytes() == b"someone's"


def test_fiftyone_renamed_stem_is_not_overwritten_by_a_later_image(tmp_path):
    later = f"a--{digest('data/cat/a.png')}.png"  # the name a.png is renamed to (key clash)
    names = ["cat/a.jpg", "cat/a.png", f"cat/{later}"]
    project, root = make_project(tmp_path, names)
    out = tmp_path / "out"
    export(project, out, "fiftyone")
    labels = json.loads((out / "labels.json").read_text())
    data = out / "data"
    files = {p.relative_to(data).with_suffix("").as_posix(): sha(p) for p in data.rglob("*.*")}
    assert sorted(files) == sorted(labels["labels"]) and len(files) == 3
    assert sorted(files.values()) == sorted(sha(root / n) for n in names)


# -- 2. an export killed while it hashes is cleaned up by the next one ---------------------
KILLED_WHILE_HASHING = """
import os, signal, sys
import labeldesk.interop.export as ex
ex.write_manifest = lambda *a, **k: os.kill(os.getpid(), signal.SIGKILL)
from labeldesk.cli import main
main(["export", sys.argv[1], sys.argv[2]])
"""


def test_an_export_killed_while_hashing_is_removed_by_the_next(tmp_path):
    project, _ = make_project(tmp_path, ["cat/a.png", "dog/b.png"])
    project.close()
    out = tmp_path / "out"
    args = [sys.executable, "-c", KILLED_WHILE_HASHING, str(project.path), str(out)]
    assert subprocess.run(args, check=False).returncode == -signal.SIGKILL
    left = list(tmp_path.glob(".out.partial-*"))
    assert len(left) == 1 and (left[0] / MARKER).is_file()  # marked: known to be ours
    main(["export", str(project.path), str(out)])
    assert list(tmp_path.glob(".out.*")) == []
    manifest = json.loads((out / "labeldesk-export.json").read_text())
    assert MARKER not in {f["path"] for f in manifest["files"]} and not (out / MARKER).exists()


KILLED_AT_THE_RENAME = """
import os, signal, sys
import labeldesk.interop.export as ex
ex.put_in_place = lambda *a, **k: os.kill(os.getpid(), signal.SIGKILL)
from labeldesk.cli import main
main(["export", sys.argv[1], sys.argv[2]])
"""


def test_an_export_killed_at_its_rename_is_removed_by_the_next(tmp_path):
    """The marker went just before the rename: a kill between the two left a whole
    unmarked copy of the dataset that no later run removed."""
    project, _ = make_project(tmp_path, ["cat/a.png", "dog/b.png"])
    project.close()
    out = tmp_path / "out"
    args = [sys.executable, "-c", KILLED_AT_THE_RENAME, str(project.path), str(out)]
    assert subprocess.run(args, check=False).returncode == -signal.SIGKILL
    [left] = list(tmp_path.glob(".out.partial-*"))
    assert (left / MARKER).is_file() and (left / "labeldesk-export.json").is_file()
    main(["export", str(project.path), str(out)])
    assert list(tmp_path.glob(".out.*")) == [] and not (out / MARKER).exists()


# -- 3. --overwrite never replaces an export a person edited -------------------------------
def test_overwrite_refuses_an_export_whose_files_were_edited(project, tmp_path):
    out = tmp_path / "out"
    export(project, out, "csv")
    table = out / "labels.csv"
    kept = table.stat()
    table.write_text(table.read_text().replace(",cat,", ",dog,", 1))  # same size, newer
    with pytest.raises(LabelDeskError, match=r"edited since it was exported \(labels.csv\)"):
        export(project, out, "csv", ExportOptions(overwrite=True))
    assert ",dog," in table.read_text()
    image = next(p for p in (out / "images").rglob("*") if p.is_file())
    os.utime(table, ns=(kept.st_atime_ns, kept.st_mtime_ns))  # as old as it was
    image.write_bytes(image.read_bytes() + b"retouched")
    os.utime(image, ns=(kept.st_atime_ns, kept.st_mtime_ns))  # only the size tells
    with pytest.raises(LabelDeskError, match=f"edited since it was exported .*{image.name}"):
        export(project, out, "csv", ExportOptions(overwrite=True))
    assert image.read_bytes().endswith(b"retouched")


def test_the_refusal_of_an_edited_export_says_what_can_be_done(project, tmp_path):
    """Its files are the export's own: "move your files out of it" (right for a notes file
    added) would leave an export with files missing, refused again."""
    out = tmp_path / "out"
    export(project, out, "csv")
    table = out / "labels.csv"
    table.write_text(table.read_text().replace(",cat,", ",dog,", 1))
    with pytest.raises(LabelDeskError) as edited:
        export(project, out, "csv", ExportOptions(overwrite=True))
    assert "Move your files out" not in str(edited.value)
    assert "copy what you changed elsewhere and delete it yourself" in str(edited.value)
    table.write_text(table.read_text().replace(",dog,", ",cat,", 1))
    os.utime(table, (1, 1))  # as it was written
    (out / "notes.txt").write_text("mine")
    with pytest.raises(LabelDeskError, match="Move your files out of it"):
        export(project, out, "csv", ExportOptions(overwrite=True))


def test_overwrite_replaces_an_untouched_export(project, tmp_path):
    out = tmp_path / "out"
    export(project, out, "csv")
    dogs = (out / "labels.csv").read_text().count(",dog,")
    project.set_label("train/cat/cat0.jpg", "dog")
    export(project, out, "csv", ExportOptions(overwrite=True))
    assert (out / "labels.csv").read_text().count(",dog,") == dogs + 1


def test_overwrite_refuses_an_export_a_person_made_empty_folders_in(project, tmp_path):
    """An empty folder holds no file the check counted: a replacing export deleted it."""
    out = tmp_path / "out"
    export(project, out, "imagefolder")
    (out / "my_new_class").mkdir()
    (out / "train" / "incoming" / "later").mkdir(parents=True)
    with pytest.raises(LabelDeskError, match=r"empty folders my_new_class, train/incoming/later"):
        export(project, out, "imagefolder", ExportOptions(overwrite=True))
    assert (out / "my_new_class").is_dir() and (out / "train/incoming/later").is_dir()
    (out / "my_new_class").rmdir()
    (out / "train/incoming/later").rmdir()
    (out / "train/incoming").rmdir()
    export(project, out, "imagefolder", ExportOptions(overwrite=True))  # as written: replaced


def test_an_empty_folder_the_export_left_does_not_stop_its_replacement(
    project, imagefolder, tmp_path
):
    """Every image of a folder failed (rewritten since the scan): the export leaves the
    folder it made, empty, and listed as its own."""
    root, _ = imagefolder
    for cat in (root / "val/cat").iterdir():
        cat.write_bytes(b"rewritten")
    out = tmp_path / "out"
    report = export(project, out, "imagefolder")
    assert report.failed and (out / "val/cat").is_dir() and not any((out / "val/cat").iterdir())
    export(project, out, "imagefolder", ExportOptions(overwrite=True))


# -- 5. a tampered label never makes an export write outside its folder --------------------
@pytest.mark.parametrize("fmt", ["imagefolder", "hf"])
def test_a_tampered_path_label_is_failed_not_written_outside(project, tmp_path, fmt):
    bad = "../../escaped"
    with project.db.write() as conn:
        conn.execute("UPDATE classes SET name = ? WHERE name = 'dog'", (bad,))
        conn.execute("UPDATE images SET label = ? WHERE label = 'dog'", (bad,))
    dogs = project.db.scalar("SELECT COUNT(*) FROM images WHERE label = ?", (bad,))
    out = tmp_path / "work" / "out"
    report = export(project, out, fmt)
    assert not (tmp_path / "escaped").exists() and not (out.parent / "escaped").exists()
    assert len(report.failed) == dogs > 0
    assert all("cannot be a folder name" in f["reason"] for f in report.failed)
    written = [p for p in out.rglob("*") if p.is_file() and p.suffix in (".jpg", ".png")]
    assert len(written) == report.written > 0


def test_a_class_an_older_version_allowed_still_exports_in_its_place(project, tmp_path):
    """``+dog`` is refused for new classes today (a spreadsheet formula), but a project
    made before holds it: its images export as before and no class index moves."""
    with project.db.write() as conn:
        conn.execute("UPDATE classes SET name = '+dog' WHERE name = 'dog'")
        conn.execute("UPDATE images SET label = '+dog' WHERE label = 'dog'")
    classes = project.classes()
    out = tmp_path / "out"
    report = export(project, out, "imagefolder")
    assert report.failed == []
    assert json.loads((out / MANIFEST).read_text())["classes"] == classes
    assert any((out / "train" / "+dog").iterdir())


def test_place_refuses_a_destination_outside_the_folder(project, tmp_path):
    out = tmp_path / "out"
    with pytest.raises(placing.SkipItem, match="outside the export folder"):
        placing.place(project, "train/cat/cat0.jpg", out / "a/../../x.jpg", "copy", None, out)
    assert not (tmp_path / "x.jpg").exists()


def test_a_broken_link_as_the_target_is_refused(tmp_path):
    """It was followed (the path resolved first), so the export went wherever the link
    pointed: an unmounted drive's folder made on the system disk."""
    project, _ = make_project(tmp_path, ["cat/a.png", "dog/b.png"])
    link = tmp_path / "out"
    link.symlink_to(tmp_path / "unmounted" / "exports")
    for target in (link, link / "today"):  # the link itself, or a folder inside it
        with pytest.raises(ExportTargetError, match="broken symbolic link"):
            export(project, target)
    assert not (tmp_path / "unmounted").exists() and link.is_symlink()
    project.close()


def test_a_loop_of_links_as_the_target_is_a_clear_error(tmp_path):
    project, _ = make_project(tmp_path, ["cat/a.png", "dog/b.png"])
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    with pytest.raises(ExportTargetError, match="cannot be followed"):
        export(project, tmp_path / "loop" / "out")
    project.close()


def test_a_killed_overwrite_through_a_link_is_recovered(tmp_path):
    """`latest -> exports/v3`: a run killed with v3 set aside left the link dangling, and
    every later export refused it as broken instead of putting v3 back."""
    project, _ = make_project(tmp_path, ["cat/a.png", "dog/b.png"])
    (tmp_path / "exports").mkdir()
    export(project, tmp_path / "exports" / "v3", "csv")
    latest = tmp_path / "latest"
    latest.symlink_to(tmp_path / "exports" / "v3")
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    v3 = tmp_path / "exports" / "v3"
    v3.rename(v3.with_name(f".v3.old-{dead.pid}-abcdef"))  # set aside, then killed
    report = export(project, latest, "csv", ExportOptions(overwrite=True))
    assert report.written == 2 and (v3 / MANIFEST).is_file()
    assert [p.name for p in (tmp_path / "exports").iterdir()] == ["v3"]
    project.close()


def test_a_link_to_an_unmounted_drives_mount_folder_is_refused(tmp_path):
    """The mount folder stays, empty, while the drive is away: an export through a link
    to a folder in it went onto the system disk."""
    project, _ = make_project(tmp_path, ["cat/a.png", "dog/b.png"])
    (tmp_path / "mnt" / "usb").mkdir(parents=True)
    latest = tmp_path / "latest"
    latest.symlink_to(tmp_path / "mnt" / "usb" / "v3")
    with pytest.raises(ExportTargetError, match="broken symbolic link"):
        export(project, latest, "csv")
    assert list((tmp_path / "mnt" / "usb").iterdir()) == []
    project.close()
