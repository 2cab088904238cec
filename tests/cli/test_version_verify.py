"""`labeldesk version PROJECT verify NAME OUT`: is an export folder a dataset version,
every image there and every file as written? Before it, nothing read an export back
against its version: a folder edited after the export (a file dropped, one added, an
image replaced), or the export of another version, passed for the version unsaid."""

from __future__ import annotations

import json
import os
import shutil
import threading
from types import SimpleNamespace

import pytest
from helpers import write_image

from cli.test_version_verify_labels import verify, verify_says
from labeldesk.cli import main


@pytest.mark.parametrize("fmt", ["imagefolder", "csv", "webdataset"])
def test_an_export_of_the_version_as_written_verifies(project, tmp_path, capsys, fmt):
    path, out = str(project.path), tmp_path / "out"
    assert main(["version", path, "create", "v1"]) == 0
    assert main(["export", path, str(out), "--format", fmt, "--version", "v1"]) == 0
    project.set_label("train/cat/cat0.jpg", "dog")  # later relabels change nothing here
    code, found = verify(capsys, project, "v1", out)
    assert code == 0 and found["ok"] and found["complete"] and found["intact"]
    assert found["images"] == 16 and found["files"] == found["not_exported"] == []
    assert found["state"] == [] and found["not_in_version"] == []
    capsys.readouterr()
    assert main(["version", path, "verify", "v1", str(out)]) == 0
    assert "is version v1: its 16 images, every file unchanged" in capsys.readouterr().out


def test_verify_without_a_name_checks_the_version_the_manifest_names(project, tmp_path, capsys):
    """NAME was required, though the export's manifest records its version and the app's
    Verify an export… reads it from there (a usage error, exit 2, before)."""
    path, out, now = str(project.path), tmp_path / "out", tmp_path / "now"
    assert main(["version", path, "create", "v1"]) == 0
    assert main(["export", path, str(out), "--version", "v1"]) == 0
    assert main(["export", path, str(now)]) == 0  # the labels of its day
    project.set_label("train/cat/cat0.jpg", "dog")
    capsys.readouterr()
    assert main(["version", path, "verify", str(out), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["version"] == "v1"
    assert main(["version", path, "verify", str(now), "--json"]) == 1  # a label changed since
    found = json.loads(capsys.readouterr().out)
    assert found["version"] == "current" and len(found["labels"]) == 1


def test_files_edited_added_or_removed_in_the_export_are_named(project, tmp_path, capsys):
    path, out = str(project.path), tmp_path / "out"
    assert main(["version", path, "create", "v1"]) == 0
    assert main(["export", path, str(out), "--version", "v1"]) == 0
    shutil.copy(out / "train/dog/dog0.jpg", out / "train/cat/cat0.jpg")  # a picture replaced
    (out / "val/cat/cat1.jpg").unlink()
    (out / "notes.txt").write_text("mine")
    code, found = verify(capsys, project, "v1", out)
    assert code == 1 and not found["ok"] and not found["intact"]
    assert found["files"] == [
        {"path": "notes.txt", "why": "not written by the export"},
        {"path": "train/cat/cat0.jpg", "why": "edited since it was exported"},
        {"path": "val/cat/cat1.jpg", "why": "gone from the export"},
    ]
    text = verify_says(capsys, project, "v1", out)
    assert "is not version v1 as exported" in text
    assert "val/cat/cat1.jpg: gone from the export" in text
    # the gone file's picture: given nothing by the export, not read as an unlabeled file
    gone = [row for row in found["labels"] if row["version_path"] == "val/cat/cat1.jpg"]
    assert [(row["path"], row["label"], row["version_label"]) for row in gone] == [
        (None, None, "cat")
    ]
    assert "val/cat/cat1.jpg: the export gives it nothing; the version: cat (val)" in text


def test_the_export_of_another_state_is_not_the_version(project, tmp_path, capsys):
    path, out = str(project.path), tmp_path / "out"
    assert main(["version", path, "create", "v1"]) == 0
    project.set_label("train/cat/cat0.jpg", "dog")
    assert main(["version", path, "create", "v2"]) == 0
    assert main(["export", path, str(out), "--version", "v2"]) == 0
    code, found = verify(capsys, project, "v1", out)
    assert code == 1 and found["files"] == []
    assert "it was exported from version v2" in found["state"]
    code, found = verify(capsys, project, "v2", out)
    assert code == 0 and found["complete"]


def test_images_the_export_left_out_as_missing_are_listed_as_such(
    project, imagefolder, tmp_path, capsys
):
    """An export written after an image of the version changed on disk holds the rest of
    the version as it was: intact, but not the whole version (exit 1), the image named
    with the version's hash, label and split."""
    root, _ = imagefolder
    path, out = str(project.path), tmp_path / "out"
    assert main(["version", path, "create", "v1"]) == 0
    write_image(root / "train/dog/dog0.jpg", seed=777)  # the same name, other bytes
    assert main(["scan", path]) == 0
    assert main(["export", path, str(out), "--version", "v1"]) == 0
    code, found = verify(capsys, project, "v1", out)
    assert code == 1 and found["intact"] and not found["complete"]
    [row] = found["not_exported"]
    assert row["path"] == "train/dog/dog0.jpg" and row["listed"] == "missing"
    assert (row["label"], row["split"]) == ("dog", "train") and len(row["hash"]) == 32


def test_a_folder_that_is_no_export_is_an_error(project, imagefolder, capsys):
    root, _ = imagefolder
    assert main(["version", str(project.path), "create", "v1"]) == 0
    capsys.readouterr()
    code = main(["version", str(project.path), "verify", "v1", str(root), "--json"])
    assert code == 1
    assert json.loads(capsys.readouterr().out)["kind"] == "NotAnExport"


def test_images_left_out_as_flagged_are_counted_not_named(clustered, tmp_path):
    """The manifest counts the images --exclude-flagged left out but does not name them
    (the model judged today's labels then): as many images of the version missing from
    the export are taken to be those, and said so."""
    from labeldesk.core.versions import create_version
    from labeldesk.interop.export import ExportOptions, export
    from labeldesk.interop.export_check import check_export

    project, flipped = clustered
    create_version(project.db, "v1")
    out = tmp_path / "out"
    report = export(project, out, "csv", ExportOptions(version="v1", include_flagged=False))
    assert report.left_out["flagged"] >= len(flipped)
    found = check_export(project, "v1", out)
    assert found.intact and found.complete  # (was not complete: exit 1 right after export)
    assert {r["path"] for r in found.not_exported} >= set(flipped)
    assert {r["listed"] for r in found.not_exported} == {"flagged"}
    assert "--exclude-flagged" in found.to_text()
    # it said "… less N images it left out and listed when it was written (their files
    # were gone or changed): not the whole version", in the app too, and exited 1
    from labeldesk.gui.verify_dialog import headline

    assert found.to_text().splitlines()[0] == (
        f"{out} is version v1, as --exclude-flagged chose its images: its "
        f"{found.images:,} images, every file unchanged since it was exported"
    )
    assert headline(found)[0].startswith("✓ This folder is version v1")
    assert main(["version", str(project.path), "verify", "v1", str(out)]) == 0


def test_an_export_short_of_files_counts_apart_those_left_out_as_flagged():
    """Images an export left out for their files and images --exclude-flagged left out
    were all said to be gone or changed."""
    from labeldesk.gui.verify_dialog import headline
    from labeldesk.interop.export_check import ExportCheck

    found = ExportCheck("v1", "out", images=5)
    row = {"hash": "h", "label": "ant", "split": "train"}
    found.not_exported = [
        {**row, "path": "a.png", "listed": "missing"},
        {**row, "path": "b.png", "listed": "flagged"},
        {**row, "path": "c.png", "listed": "flagged"},
    ]
    assert found.intact and not found.complete
    both = (
        "less 1 image it left out{} when it was written (their files were gone or "
        "changed{}) and 2 images it left out as flagged by the model then "
        "(--exclude-flagged): not the whole version"
    )
    assert found.to_text().splitlines()[0].endswith(both.format(" and listed", ""))
    assert headline(found)[0].endswith(both.format("", " then"))


def test_a_linked_image_whose_file_now_holds_other_bytes_is_named(
    project, imagefolder, tmp_path, capsys
):
    """A --symlink export holds links to the image folder: a file there rewritten after
    the export changes what the export reads, though every link is as written. Its bytes
    are checked against the version's content hash."""
    root, _ = imagefolder
    path, out = str(project.path), tmp_path / "out"
    assert main(["version", path, "create", "v1"]) == 0
    assert main(["export", path, str(out), "--version", "v1", "--symlink"]) == 0
    code, found = verify(capsys, project, "v1", out)
    assert code == 0 and found["ok"]
    write_image(root / "train/cat/cat0.jpg", seed=777)  # rewritten in the image folder
    code, found = verify(capsys, project, "v1", out)
    assert code == 1 and not found["intact"]
    assert found["files"] == [
        {"path": "train/cat/cat0.jpg", "why": "the file it links to holds other bytes now"}
    ]


def test_an_out_that_is_no_export_folder_says_what_it_is(project, tmp_path, capsys):
    """A typo, a file, a manifest cut short or edited into what no export writes: each an
    error saying so (not an internal error, not "holds no export" for a missing folder)."""
    path, out = str(project.path), tmp_path / "out"
    assert main(["version", path, "create", "v1"]) == 0
    assert main(["export", path, str(out), "--version", "v1"]) == 0

    def error(where):
        capsys.readouterr()
        code = main(["version", path, "verify", "v1", str(where), "--json"])
        assert code == 1
        return json.loads(capsys.readouterr().out)

    assert "no such folder" in error(tmp_path / "nope")["error"]
    assert "is a file, not an export folder" in error(out / "labeldesk-export.json")["error"]
    manifest = out / "labeldesk-export.json"
    text = manifest.read_text()
    data = json.loads(text)
    for damaged in (
        text[: len(text) // 2],  # cut short
        json.dumps({**data, "options": {**data["options"], "class_map": 5}}),
        json.dumps({**data, "gif_as_png": 5}),
        json.dumps({**data, "left_out": [1]}),
        # a path that is no text: each was an internal error (unhashable, unorderable)
        json.dumps({**data, "gif_as_png": [{}]}),
        json.dumps({**data, "missing": [{"path": ["x"]}]}),
        json.dumps({**data, "failed": [{"path": {}}]}),
        json.dumps({**data, "contents": {**data["contents"], "empty_folders": [1, None]}}),
    ):
        manifest.write_text(damaged)
        found = error(out)
        assert found["kind"] == "DamagedManifest", found
    manifest.write_text(json.dumps({**data, "options": {**data["options"], "since": "v9"}}))
    found = error(out)
    assert found["kind"] == "DamagedManifest"
    assert 'exported with --since "v9", which is no version of this project' in found["error"]


def test_an_export_of_part_of_the_version_says_which_options_chose_it(project, tmp_path, capsys):
    """A --since export holds only the images changed since: ok, but said so."""
    path, out = str(project.path), tmp_path / "out"
    assert main(["version", path, "create", "v1"]) == 0
    project.set_label("train/cat/cat0.jpg", "dog")
    assert main(["version", path, "create", "v2"]) == 0
    assert main(["export", path, str(out), "--version", "v2", "--since", "v1"]) == 0
    code, found = verify(capsys, project, "v2", out)
    assert code == 0 and found["ok"] and found["images"] == 1
    assert found["options"] == ["--since v1"]
    capsys.readouterr()
    assert main(["version", path, "verify", "v2", str(out)]) == 0
    assert "is version v2, as --since v1 chose its images: its 1 image" in capsys.readouterr().out


@pytest.mark.parametrize("fmt", ["imagefolder", "hf", "webdataset", "csv"])
def test_the_export_of_a_version_without_labeled_images_verifies(tmp_path, capsys, fmt):
    """Nothing labeled: a folder's reader finds no class folder or shard to read, which is
    what the version has."""
    (tmp_path / "images").mkdir()
    proj, out = tmp_path / "proj", tmp_path / "out"
    assert main(["new", str(proj), "--images", str(tmp_path / "images")]) == 0
    assert main(["version", str(proj), "create", "v0"]) == 0
    assert main(["export", str(proj), str(out), "--format", fmt, "--version", "v0"]) == 0
    code, found = verify(capsys, SimpleNamespace(path=proj), "v0", out)
    assert code == 0 and found["ok"] and found["images"] == 0, found


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_added_to_the_export_is_named_not_waited_on(project, tmp_path, capsys):
    """Opening a FIFO to hash it waited for a writer forever: verify hung."""
    path, out = str(project.path), tmp_path / "out"
    assert main(["version", path, "create", "v1"]) == 0
    assert main(["export", path, str(out), "--format", "csv", "--version", "v1"]) == 0
    os.mkfifo(out / "images" / "pipe")
    done: list[tuple[int, dict]] = []
    worker = threading.Thread(target=lambda: done.append(verify(capsys, project, "v1", out)))
    worker.start()
    worker.join(60)  # (a liveness bound, not a timing: it takes well under a second)
    hung = not done
    if hung:  # unblock it, so that the test run ends
        with open(out / "images" / "pipe", "wb"):
            pass
        worker.join()
    assert not hung
    [(code, found)] = done
    assert code == 1 and found["files"] == [
        {"path": "images/pipe", "why": "not written by the export"}
    ]


def test_an_empty_folder_added_to_or_gone_from_the_export_is_named(project, tmp_path, capsys):
    """torchvision's ImageFolder takes an empty folder for a class (numbering the others
    after it differently, or refusing the split)."""
    path, out = str(project.path), tmp_path / "out"
    assert main(["version", path, "create", "v1"]) == 0
    assert main(["export", path, str(out), "--version", "v1"]) == 0
    (out / "train/zebra").mkdir()
    code, found = verify(capsys, project, "v1", out)
    assert code == 1 and found["files"] == [
        {"path": "train/zebra", "why": "an empty folder the export did not write"}
    ]


@pytest.mark.parametrize("damage", ["cut", "junk"])
def test_a_damaged_webdataset_shard_is_named_not_an_internal_error(
    project, tmp_path, capsys, damage
):
    path, out = str(project.path), tmp_path / "out"
    assert main(["version", path, "create", "v1"]) == 0
    assert main(["export", path, str(out), "--format", "webdataset", "--version", "v1"]) == 0
    shard = out / "train-000000.tar"
    data = shard.read_bytes()
    shard.write_bytes(data[: len(data) // 2] if damage == "cut" else b"junk")
    code, found = verify(capsys, project, "v1", out)
    assert code == 1 and not found["intact"]
    assert {"path": "train-000000.tar", "why": "edited since it was exported"} in found["files"]
    if damage == "junk":  # (cut at a member's end, the rest reads as a shorter shard)
        assert any(
            row["path"] == "train-000000.tar" and row["why"].startswith("cannot be read as a shard")
            for row in found["files"]
        )


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_linked_image_that_is_now_a_fifo_is_named_not_waited_on(
    project, imagefolder, tmp_path, capsys
):
    """A --symlink export's link that now leads to a FIFO (the image file replaced by
    one) is named as unreadable: opening it to hash its bytes waited for a writer that
    never came, and verify hung."""
    root, _ = imagefolder
    path, out = str(project.path), tmp_path / "out"
    assert main(["version", path, "create", "v1"]) == 0
    assert main(["export", path, str(out), "--version", "v1", "--symlink"]) == 0
    fifo = root / "train/cat/cat0.jpg"
    fifo.unlink()
    os.mkfifo(fifo)
    code, found = _verify_beside_fifo(capsys, project, out, fifo)
    assert code == 1 and not found["intact"]
    assert {"path": "train/cat/cat0.jpg", "why": "the file it links to cannot be read now"} in (
        found["files"]
    )


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
@pytest.mark.parametrize("name", ["extra.tar", "classes.txt"])
def test_a_fifo_in_a_webdataset_export_is_named_not_waited_on(project, tmp_path, capsys, name):
    """A FIFO named like a shard (or classes.txt) in a WebDataset export: the read of the
    shards' samples opened it and waited for a writer that never came (the files' own
    check and the label reader never open one)."""
    path, out = str(project.path), tmp_path / "out"
    assert main(["version", path, "create", "v1"]) == 0
    assert main(["export", path, str(out), "--format", "webdataset", "--version", "v1"]) == 0
    fifo = out / name
    fifo.unlink(missing_ok=True)
    os.mkfifo(fifo)
    code, found = _verify_beside_fifo(capsys, project, out, fifo)
    assert code == 1 and not found["intact"]
    assert name in {row["path"] for row in found["files"]}


def _verify_beside_fifo(capsys, project, out, fifo):
    """``verify v1 out`` in a thread, failing (and freeing it) if it waits on ``fifo``."""
    result: dict[str, object] = {}
    worker = threading.Thread(
        target=lambda: result.update(found=verify(capsys, project, "v1", out)), daemon=True
    )
    worker.start()
    worker.join(60)
    if worker.is_alive():  # let the blocked open go, so that the thread ends
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        worker.join(30)
        pytest.fail("verify waited on the FIFO")
    return result["found"]
