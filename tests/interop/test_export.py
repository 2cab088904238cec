from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import pytest
from helpers import write_image

from labeldesk.cli import main
from labeldesk.core.errors import Cancelled, LabelDeskError
from labeldesk.core.progress import CancelToken
from labeldesk.interop import export as export_module
from labeldesk.interop import writing
from labeldesk.interop.export import ExportOptions, export


def files_under(folder):
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def test_imagefolder_layout_copies_labeled_images(project, imagefolder, tmp_path):
    root, expected = imagefolder
    before = {p: (root / p).read_bytes() for p in expected}
    project.set_label("_unlabeled/u0.png", "dog")  # labeled in the app without a split: train
    report = export(project, tmp_path / "out")
    out = tmp_path / "out"
    files = files_under(out)
    assert "train/cat/cat0.jpg" in files and "val/dog/dog1.jpg" in files
    assert "train/dog/u0.png" in files
    assert report.written == 17 and report.left_out["unlabeled"] == 2
    assert report.per_split == {"train": 9, "val": 4, "test": 4}
    assert (out / "train/cat/cat0.jpg").read_bytes() == before["train/cat/cat0.jpg"]
    assert {p: (root / p).read_bytes() for p in expected} == before  # sources untouched
    manifest = json.loads((out / "labeldesk-export.json").read_text())
    assert manifest["images"] == 17 and manifest["classes"] == ["cat", "dog"]


def test_excluded_left_out_unless_asked(project, tmp_path):
    project.set_status(["train/cat/cat1.jpg"], "excluded")
    report = export(project, tmp_path / "a")
    assert "train/cat/cat1.jpg" not in files_under(tmp_path / "a")
    assert report.left_out["excluded"] == 1
    export(
        project,
        tmp_path / "b",
        options=ExportOptions(include_excluded=True, include_unlabeled=True),
    )
    files = files_under(tmp_path / "b")
    assert "train/cat/cat1.jpg" in files and "_unlabeled/u1.png" in files


def test_same_file_names_do_not_collide(project, imagefolder, tmp_path):
    root, _ = imagefolder
    write_image(root / "train/cat/sub/cat0.jpg", seed=77)  # same name, another folder
    project.scan(workers=1)
    export(project, tmp_path / "out")
    cats = [f for f in files_under(tmp_path / "out") if f.startswith("train/cat/cat0")]
    assert len(cats) == 2


def test_hardlinks_share_the_file(project, imagefolder, tmp_path):
    root, _ = imagefolder
    export(project, tmp_path / "out", options=ExportOptions(link="hardlink"))
    source = os.stat(root / "train/cat/cat0.jpg")
    linked = os.stat(tmp_path / "out/train/cat/cat0.jpg")
    assert (source.st_ino, source.st_dev) == (linked.st_ino, linked.st_dev)


def test_failure_or_cancel_leaves_nothing_behind(project, tmp_path, monkeypatch):
    real_place = writing.place
    calls = []

    def failing(*args, **kwargs):
        calls.append(args)
        if len(calls) == 5:
            raise OSError(28, "No space left on device")
        real_place(*args, **kwargs)

    monkeypatch.setattr(writing, "place", failing)
    with pytest.raises(OSError):
        export(project, tmp_path / "out")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        p.name for p in tmp_path.iterdir() if not p.name.startswith(".out")
    )
    assert not (tmp_path / "out").exists()
    monkeypatch.setattr(writing, "place", real_place)
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        export(project, tmp_path / "out", cancel=token)
    assert not (tmp_path / "out").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]


def test_a_folder_that_is_not_an_export_is_never_replaced(project, tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "keep.txt").write_text("mine")
    for overwrite in (False, True):
        with pytest.raises(LabelDeskError, match="not a LabelDesk export") as err:
            export(project, tmp_path / "out", options=ExportOptions(overwrite=overwrite))
        assert "--overwrite" not in str(err.value)
    assert (tmp_path / "out" / "keep.txt").read_text() == "mine"


def test_an_earlier_export_is_replaced_only_with_overwrite(project, tmp_path):
    export(project, tmp_path / "out")
    first = json.loads((tmp_path / "out/labeldesk-export.json").read_text())["label_event_id"]
    with pytest.raises(LabelDeskError, match=r"earlier export.*--overwrite"):
        export(project, tmp_path / "out")
    project.set_status(["train/cat/cat0.jpg"], "excluded")
    export(project, tmp_path / "out", options=ExportOptions(overwrite=True))
    second = json.loads((tmp_path / "out/labeldesk-export.json").read_text())["label_event_id"]
    assert second > first  # the state after the change was written
    assert not (tmp_path / "out/train/cat/cat0.jpg").exists()
    assert (tmp_path / "out" / "train").is_dir()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]


@pytest.mark.parametrize("change", ["notes", "nested-project", "renamed", "old-manifest"])
def test_an_earlier_export_that_was_changed_is_never_replaced(project, tmp_path, change):
    out = tmp_path / "out"
    export(project, out)
    if change == "notes":
        (out / "NOTES.txt").write_text("mine")
    elif change == "nested-project":
        from labeldesk.core.create import create_and_index

        nested, _ = create_and_index(out / "train" / "proj2", out / "val", workers=1)
        nested.set_label("dog/dog0.jpg", "cat")
        nested.close()
    elif change == "renamed":
        (out / "train/cat/cat0.jpg").rename(out / "train/cat/mine.jpg")
    else:
        manifest = json.loads((out / "labeldesk-export.json").read_text())
        del manifest["contents"]
        (out / "labeldesk-export.json").write_text(json.dumps(manifest))
    before = files_under(out)
    with pytest.raises(LabelDeskError, match="exactly as it wrote it"):
        export(project, out, options=ExportOptions(overwrite=True))
    assert files_under(out) == before


def test_an_export_set_aside_by_a_crashed_run_is_put_back(project, tmp_path):
    import subprocess
    import sys

    export(project, tmp_path / "out")
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    aside = tmp_path / f".out.old-{dead.pid}-abcdef"
    (tmp_path / "out").rename(aside)  # killed between setting it aside and the new rename
    with pytest.raises(LabelDeskError, match="earlier export"):
        export(project, tmp_path / "out")  # it is back in place, so this needs --overwrite
    assert (tmp_path / "out/labeldesk-export.json").is_file() and not aside.exists()


def test_an_export_made_meanwhile_is_not_replaced_without_overwrite(project, tmp_path, monkeypatch):
    from labeldesk.interop import export_target

    out = tmp_path / "out"
    real = export_target.put_in_place
    nested = []

    def first_someone_else(staging, target, *, overwrite):
        if not nested:
            nested.append(True)
            export(project, out)  # another export finished first
        real(staging, target, overwrite=overwrite)

    monkeypatch.setattr(export_module, "put_in_place", first_someone_else)
    with pytest.raises(LabelDeskError, match="another export meanwhile"):
        export(project, out)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.")]


def test_an_empty_folder_made_for_the_export_is_used(project, tmp_path):
    (tmp_path / "out").mkdir()
    assert export(project, tmp_path / "out").written == 16


@pytest.mark.parametrize("which", ["parent", "project", "root", "inside-project"])
def test_the_cli_never_replaces_the_images_or_the_project(project, imagefolder, which, capsys):
    root, expected = imagefolder
    # The project and the image folder both live in tmp_path: its parent holds both.
    out = {
        "parent": project.path.parent,
        "project": project.path,
        "root": root,
        "inside-project": project.path / "thumbs",
    }[which]
    before = {p: (root / p).read_bytes() for p in expected}
    code = main(["export", str(project.path), str(out), "--overwrite", "--json"])
    assert code == 1
    error = json.loads(capsys.readouterr().out)
    assert error["kind"] == "ExportTargetError"
    assert {p: (root / p).read_bytes() for p in expected} == before
    assert (project.path / "labeldesk.db").is_file()
    project.set_label("_unlabeled/u0.png", "dog")  # the project still works
    assert project.history(limit=1)[0].new_label == "dog"


def test_a_crashed_exports_staging_folder_is_cleaned_up_next_time(project, tmp_path):
    import subprocess
    import sys

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()  # a process id that no longer runs
    stale = tmp_path / f".out.partial-{dead.pid}"  # as older versions named it
    (stale / "train").mkdir(parents=True)
    (stale / "train" / "x.jpg").write_bytes(b"x" * 1000)
    mine = tmp_path / f".out.partial-{os.getpid()}"  # a live process: left alone
    mine.mkdir()
    other = tmp_path / f".out.partial-{dead.pid}-notours"  # not our naming: left alone
    other.mkdir()
    export(project, tmp_path / "out")
    assert not stale.exists()
    assert mine.exists() and other.exists()


def test_csv_cells_that_look_like_formulas_are_neutralised(project, tmp_path):
    # Formula text cannot be a class (core.classes); a negative number can, and a
    # spreadsheet reads "-1" as the number it is (no formula runs): it is written plain,
    # so pandas and other readers get the label itself, not "'-1".
    project.set_label("_unlabeled/u0.png", "-1", create_class=True)
    project.set_label("_unlabeled/u1.png", "-0.5", create_class=True)
    export(project, tmp_path / "c", "csv")
    rows = list(csv.DictReader((tmp_path / "c" / "labels.csv").read_text().splitlines()))
    labels = {r["label"] for r in rows}
    assert {"-1", "-0.5"} <= labels
    assert not any(lab[:1] in "=+@'" for lab in labels)


def test_long_names_are_shortened_and_kept_apart(project, imagefolder, tmp_path):
    root, _ = imagefolder
    stem = "n" * 240
    write_image(root / "train/cat/a" / f"{stem}.jpg", seed=301)
    write_image(root / "train/cat/b" / f"{stem}.jpg", seed=302)
    project.scan(workers=1)
    report = export(project, tmp_path / "out")
    assert report.failed == []
    names = [p.name for p in (tmp_path / "out/train/cat").iterdir() if p.name.startswith("nnn")]
    assert len(names) == 2 and all(len(n.encode()) <= 240 for n in names)


def test_a_file_with_a_long_made_up_extension_is_exported(project, imagefolder, tmp_path):
    root, _ = imagefolder
    write_image(root / "train/cat" / ("a." + "b" * 250), seed=303, fmt="JPEG")
    project.scan(workers=1)
    report = export(project, tmp_path / "out")
    assert report.failed == [] and report.written == 17
    names = [p.name for p in (tmp_path / "out/train/cat").iterdir()]
    assert all(len(n.encode()) <= 240 for n in names)


def test_unlabeled_images_without_a_split_go_where_a_scan_reads_them_back(project, tmp_path):
    from labeldesk.core.create import create_and_index

    export(project, tmp_path / "out", options=ExportOptions(include_unlabeled=True))
    again, _ = create_and_index(tmp_path / "again", tmp_path / "out", workers=1)
    with again:
        stats = again.stats()
        assert again.classes() == ["cat", "dog"]
        assert (stats["labeled"], stats["unlabeled"]) == (16, 3)


def test_a_vanished_image_is_listed_and_the_rest_exported(project, imagefolder, tmp_path):
    root, _ = imagefolder
    (root / "train/cat/cat0.jpg").unlink()
    report = export(project, tmp_path / "out")
    assert [f["path"] for f in report.failed] == ["train/cat/cat0.jpg"]
    assert report.written == 15
    manifest = json.loads((tmp_path / "out/labeldesk-export.json").read_text())
    assert manifest["images"] == 15


def test_the_command_line_says_which_images_were_not_written(
    project, imagefolder, tmp_path, capsys
):
    """A vanished image was listed only by --json: the plain output said "exported 15"
    and nothing of the 16th; the made splits counted it as written."""
    from labeldesk.cli import main

    root, _ = imagefolder
    (root / "train/cat/cat0.jpg").unlink()
    out = tmp_path / "out"
    assert main(["export", str(project.path), str(out), "--make-splits", "50/25/25"]) == 0
    text = capsys.readouterr().out
    assert "1 image could not be read and was left out" in text
    assert "train/cat/cat0.jpg" in text
    manifest = json.loads((out / "labeldesk-export.json").read_text())
    written = sum(manifest["made_splits"]["sizes"].values())
    assert written == manifest["images"] == 15


def test_an_export_after_the_image_folder_moved_says_so(project, imagefolder, tmp_path):
    root, _ = imagefolder
    root.rename(tmp_path / "moved")
    with pytest.raises(LabelDeskError, match=r"scan .* --images"):
        export(project, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_link_to_outside_the_image_folder_is_not_exported(project, imagefolder, tmp_path):
    root, _ = imagefolder
    secret = tmp_path / "secret.jpg"
    write_image(secret, seed=999)
    target = root / "train/cat/cat0.jpg"
    target.unlink()
    target.symlink_to(secret)  # swapped for a link after the scan
    report = export(project, tmp_path / "out")
    assert [f["path"] for f in report.failed] == ["train/cat/cat0.jpg"]
    assert "outside the image folder" in report.failed[0]["reason"]
    assert not (tmp_path / "out/train/cat/cat0.jpg").exists()


def test_export_inside_the_image_folder_is_refused(project, imagefolder):
    root, _ = imagefolder
    with pytest.raises(LabelDeskError, match="outside"):
        export(project, root / "exported")


def test_csv_format_and_command(project, tmp_path, capsys):
    assert (
        main(["export", str(project.path), str(tmp_path / "c"), "--format", "csv", "--json"]) == 0
    )
    report = json.loads(capsys.readouterr().out)
    assert report["written"] == 16
    rows = list(csv.DictReader((tmp_path / "c" / "labels.csv").read_text().splitlines()))
    assert len(rows) == 16 and all((tmp_path / "c" / r["path"]).is_file() for r in rows)
    assert {r["split"] for r in rows} == {"train", "val", "test"}


def test_flagged_images_can_be_left_out(tmp_path):
    from ml.fake_embeddings import make_clustered_project

    project, flipped = make_clustered_project(tmp_path)
    with project:
        report = export(project, tmp_path / "clean", options=ExportOptions(include_flagged=False))
        files = files_under(tmp_path / "clean")
        assert not set(flipped) & set(files)  # the planted errors stay behind
        assert "val/ant/ant0.png" in files and "train/ant/ant2.png" in files
        assert report.left_out["flagged"] >= 2


def test_a_version_export_judges_flags_by_the_version_s_labels_not_today_s(tmp_path):
    """Two correct cow labels of v1 relabeled wrongly since are flagged today; exporting
    v1 once left them out as flagged and wrote today's verdict beside v1's label."""
    from ml.fake_embeddings import make_clustered_project

    from labeldesk.core.versions import create_version
    from labeldesk.ml.issues import label_issues

    project, flipped = make_clustered_project(tmp_path)
    with project:
        for path in flipped:
            project.set_label(path, "bee")  # the planted errors, fixed
        create_version(project.db, "v1")
        options = ExportOptions(version="v1", include_flagged=False)
        then = export(project, tmp_path / "then", "csv", options)
        wrong = ["train/cow/cow0.png", "train/cow/cow1.png"]
        for path in wrong:
            project.set_label(path, "ant")
        assert set(wrong) <= {i.path for i in label_issues(project) if i.flagged}

        again = export(project, tmp_path / "again", "csv", options)
        assert again.written == then.written and again.left_out == then.left_out
        assert _path_label_split(tmp_path / "again") == _path_label_split(tmp_path / "then")
        now = export(project, tmp_path / "now", "csv", ExportOptions(include_flagged=False))
        assert now.left_out["flagged"] >= 2  # today's export does leave them out
        kept = export(project, tmp_path / "kept", "csv", ExportOptions(version="v1"))
        rows = {
            r["path"]: r
            for r in csv.DictReader((tmp_path / "kept" / "labels.csv").read_text().splitlines())
        }
        cow = rows["images/train/cow/cow0.png"]
        assert cow["label"] == "cow" and cow["flagged"] == "" and cow["label_quality"] == ""
        assert cow["predicted"] == "cow"  # about the image: still given
        assert kept.written == then.written + then.left_out.get("flagged", 0)


def _path_label_split(folder):
    table = csv.DictReader((folder / "labels.csv").read_text().splitlines())
    return [(r["path"], r["label"], r["split"]) for r in table]


def test_a_registered_format_is_offered_by_the_command(project, tmp_path):
    written: list[str] = []

    @export_module.register_exporter("paths-only")
    def _paths(run):
        (run.out / "paths.txt").write_text("\n".join(item.path for item in run.items))
        written.extend(item.path for item in run.items)

    try:
        assert (
            main(["export", str(project.path), str(tmp_path / "p"), "--format", "paths-only"]) == 0
        )
        assert len(written) == 16 and (tmp_path / "p" / "paths.txt").is_file()
    finally:
        del export_module.EXPORTERS["paths-only"]


def test_a_symlink_export_points_at_the_originals_and_can_be_replaced(project, tmp_path):
    out = tmp_path / "linked"
    report = export(project, out, "imagefolder", ExportOptions(link="symlink"))
    files = [p for p in out.rglob("*") if p.is_symlink()]
    assert len(files) == report.written > 0
    for link in files:
        target = Path(os.readlink(link))
        assert target.is_absolute() and target.is_relative_to(project.root.resolve())
        assert link.read_bytes() == target.read_bytes()
    before = {p: p.read_bytes() for p in project.root.rglob("*") if p.is_file()}
    again = export(project, out, "imagefolder", ExportOptions(link="symlink", overwrite=True))
    assert again.written == report.written
    assert {p: p.read_bytes() for p in project.root.rglob("*") if p.is_file()} == before


def test_a_class_renamed_since_a_version_is_still_judged_by_the_model(tmp_path):
    """Renaming ant to formica once made every ant image of v1 count as relabeled, so
    --exclude-flagged stopped leaving out its likely mislabels."""
    from ml.fake_embeddings import make_clustered_project

    from labeldesk.core.versions import create_version
    from labeldesk.ml.issues import label_issues

    project, flipped = make_clustered_project(tmp_path)
    with project:
        create_version(project.db, "v1")
        options = ExportOptions(version="v1", include_flagged=False)
        then = export(project, tmp_path / "then", "csv", options)
        assert then.left_out["flagged"] >= 2
        project.rename_class("ant", "formica")
        assert {i.path for i in label_issues(project) if i.flagged} >= set(flipped)
        again = export(project, tmp_path / "again", "csv", options)
        assert again.left_out["flagged"] == then.left_out["flagged"]
        assert _path_label_split(tmp_path / "again") == _path_label_split(tmp_path / "then")
        project.undo()  # the rename taken back: the same still
        undone = export(project, tmp_path / "undone", "csv", options)
        assert undone.left_out["flagged"] == then.left_out["flagged"]
        # a rename made before a version and undone after it is a rename back
        project.rename_class("ant", "formica")
        create_version(project.db, "v2")
        project.undo()
        renamed_back = export(
            project, tmp_path / "v2", "csv", ExportOptions(version="v2", include_flagged=False)
        )
        assert renamed_back.left_out["flagged"] == then.left_out["flagged"]


def test_a_version_image_read_from_a_copy_is_not_judged_by_the_copy_s_flag(tmp_path):
    """An identical copy of bee0, indexed as another image in the ant folder (so flagged
    as a likely mislabel), stands in for v1's bee0 once bee0 is deleted: bee0 was once
    left out for the copy's flag."""
    import shutil

    from ml.fake_embeddings import make_clustered_project

    from labeldesk.core.versions import create_version
    from labeldesk.ml.issues import label_issues

    project, _ = make_clustered_project(tmp_path, flipped=0)
    with project:
        root = project.root
        shutil.copy2(root / "train/bee/bee0.png", root / "train/ant/copy-of-bee0.png")
        project.scan(workers=1)
        create_version(project.db, "v1")
        (root / "train/bee/bee0.png").unlink()
        project.scan(workers=1)
        flagged = {i.path for i in label_issues(project) if i.flagged}
        assert "train/ant/copy-of-bee0.png" in flagged
        report = export(
            project, tmp_path / "out", "csv", ExportOptions(version="v1", include_flagged=False)
        )
        rows = {r[0]: r[1] for r in _path_label_split(tmp_path / "out")}
        assert rows.get("images/train/bee/bee0.png") == "bee"
        assert report.missing == []


def test_a_class_named_as_a_negative_number_is_written_plain(project, tmp_path):
    """A class named -1 was written '-1 (as a formula would be), so pandas and other
    readers got the label "'-1"; it reads back as -1 into LabelDesk too."""
    import csv

    from labeldesk.core.label_files import read_label_file

    project.set_label("train/cat/cat0.jpg", "-1", create_class=True)
    export(project, tmp_path / "out", "csv")
    with open(tmp_path / "out/labels.csv", encoding="utf-8", newline="") as f:
        labels = {row["label"] for row in csv.DictReader(f)}
    assert "-1" in labels and "'-1" not in labels
    rows = read_label_file(tmp_path / "out/labels.csv")
    assert "-1" in {r.label for r in rows.rows}
