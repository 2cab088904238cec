"""An export read back into its own project gives each label to the image it was exported
from, even where the project has its own top-level ``images/`` folder (the folder the
CSV, Parquet and Label Studio exports keep their copies in)."""

from __future__ import annotations

import json
import shutil

import pytest
from helpers import made_project

from labeldesk.cli import main
from labeldesk.core.project import open_project


def labels_of(project, paths: list[str]) -> dict[str, str | None]:
    frame = project.images()
    found = dict(zip(frame.path, frame.label, strict=True))
    return {p: found[p] if isinstance(found[p], str) else None for p in paths}


made = made_project


@pytest.mark.parametrize(
    ("fmt", "file"),
    [("csv", "labels.csv"), ("parquet", "labels.parquet"), ("labelstudio", "tasks.json")],
)
def test_reimport_names_the_exported_image_not_one_under_a_real_images_folder(tmp_path, fmt, file):
    files = ["a.png", "images/a.png", "dog/b.png", "cat/c.png"]
    path = made(tmp_path, files, {"a.png": "dog", "images/a.png": None})
    with open_project(path) as p:
        assert labels_of(p, ["a.png", "images/a.png"]) == {"a.png": "dog", "images/a.png": None}
    out = tmp_path / "out"
    args = ["export", str(path), str(out), "--format", fmt, "--include-unlabeled"]
    assert main(args) == 0
    with open_project(path) as p:
        p.set_labels({"a.png": "cat"})  # a later mistake, that the export undoes
    assert main(["import", str(path), str(out / file)]) == 0
    with open_project(path) as p:
        assert labels_of(p, ["a.png", "images/a.png"]) == {"a.png": "dog", "images/a.png": None}


@pytest.mark.parametrize("split", [None, "val"])
def test_a_fiftyone_export_with_files_renamed_for_unique_keys_reads_back(tmp_path, split):
    """FiftyOne keys a file by its name without extension: ``cat/a.png`` and ``cat/a.jpg``
    share one, so the export renames one; the manifest leads it back to its image."""
    paths = ["cat/a.png", "cat/a.jpg", "dog/b.png", "data/cat/a.png"]  # a real data/ folder
    path = made(tmp_path, paths, {"data/cat/a.png": "dog"})
    with open_project(path) as p:
        if split:
            p.set_splits({q: split for q in paths})
        before = labels_of(p, paths)
    out = tmp_path / "out"
    assert main(["export", str(path), str(out), "--format", "fiftyone"]) == 0
    renamed = json.loads((out / "labeldesk-export.json").read_text())["renamed"]
    assert sorted(renamed.values()) == ["cat/a.jpg"] or sorted(renamed.values()) == ["cat/a.png"]
    with open_project(path) as p:
        p.set_labels({q: "dog" for q in paths[:3]} | {"data/cat/a.png": "cat"})
    source = out / split / "labels.json" if split else out
    assert main(["import", str(path), str(source)]) == 0
    with open_project(path) as p:
        assert labels_of(p, paths) == before


def test_a_file_name_shortened_by_the_export_reads_back_into_its_image(tmp_path):
    long_name = "x" * 245 + ".png"  # over the 240 bytes an export keeps
    path = made(tmp_path, [f"cat/{long_name}", "dog/b.png"])
    out = tmp_path / "out"
    assert main(["export", str(path), str(out), "--format", "csv"]) == 0
    renamed = json.loads((out / "labeldesk-export.json").read_text())["renamed"]
    assert list(renamed.values()) == [f"cat/{long_name}"]
    with open_project(path) as p:
        p.set_labels({f"cat/{long_name}": "dog"})
    assert main(["import", str(path), str(out / "labels.csv")]) == 0
    with open_project(path) as p:
        assert labels_of(p, [f"cat/{long_name}"]) == {f"cat/{long_name}": "cat"}


def test_a_project_made_from_the_export_folder_matches_the_rows_as_written(tmp_path):
    """The export's paths lead back to the source project only: a project of the export's
    own folder (where images/a.png is the copy of a.png) reads them as they are."""
    files = ["a.png", "cat/a.png", "images/a.png"]
    path = made(tmp_path, files, {"a.png": "dog", "images/a.png": "cat"})
    out = tmp_path / "out"
    assert main(["export", str(path), str(out), "--format", "csv"]) == 0
    copy = tmp_path / "copy"
    args = ["new", str(copy), "--images", str(out), "--labels", str(out / "labels.csv")]
    assert main(args) == 0
    with open_project(copy) as q:
        assert labels_of(q, ["images/a.png", "images/images/a.png", "images/cat/a.png"]) == {
            "images/a.png": "dog",
            "images/images/a.png": "cat",
            "images/cat/a.png": "cat",
        }


def test_label_studio_data_path_of_a_shortened_name_is_a_project_path(tmp_path):
    long_name = "x" * 245 + ".png"
    paths = [f"images/cat/{long_name}", f"cat/{long_name}"]
    path = made(tmp_path, [*paths, "dog/b.png"], {paths[0]: "dog"})
    with open_project(path) as p:
        before = labels_of(p, paths)
    out = tmp_path / "out"
    assert main(["export", str(path), str(out), "--format", "labelstudio"]) == 0
    with open_project(path) as p:
        p.set_labels({paths[0]: "cat", paths[1]: "dog"})
    assert main(["import", str(path), str(out / "tasks.json")]) == 0
    with open_project(path) as p:
        assert labels_of(p, paths) == before


def test_label_csv_leads_an_export_back_too(tmp_path):
    path = made(tmp_path, ["a.png", "images/a.png", "dog/b.png"], {"a.png": "dog"})
    with open_project(path) as p:
        p.set_labels({"images/a.png": None})
    out = tmp_path / "out"
    args = ["export", str(path), str(out), "--format", "csv", "--include-unlabeled"]
    assert main(args) == 0
    with open_project(path) as p:
        p.set_labels({"a.png": "images"})
    assert main(["label", str(path), "--csv", str(out / "labels.csv")]) == 0
    with open_project(path) as p:
        assert labels_of(p, ["a.png", "images/a.png"]) == {"a.png": "dog", "images/a.png": None}


def test_a_relocated_image_folder_is_still_the_project_the_export_came_from(tmp_path):
    path = made(tmp_path, ["a.png", "images/a.png", "cat/c.png"], {"a.png": "cat"})
    with open_project(path) as p:
        p.set_labels({"images/a.png": None})
    out = tmp_path / "out"
    assert main(["export", str(path), str(out), "--format", "csv"]) == 0
    (tmp_path / "im").rename(tmp_path / "im2")
    assert main(["scan", str(path), "--images", str(tmp_path / "im2")]) == 0
    assert main(["import", str(path), str(out / "labels.csv")]) == 0
    with open_project(path) as p:
        assert labels_of(p, ["a.png", "images/a.png"]) == {"a.png": "cat", "images/a.png": None}


@pytest.mark.parametrize("given", ["", "train", "train/metadata.jsonl"])
def test_a_hugging_face_export_reads_back_into_its_project_after_relabels(tmp_path, given):
    """<split>/<class>/<file> keeps neither the project's folders nor, once a label
    changed, a path any project image ends with: the manifest leads each row back. (An
    unlabeled image makes the export write metadata, which the import reads.)"""
    paths = ["a.png", "dog/b.png", "cat/c.png", "cat/d.png", "dog/c.png"]
    path = made(tmp_path, paths, {"cat/c.png": "dog", "dog/c.png": "cat"})  # not their folders
    with open_project(path) as p:
        p.set_splits({"cat/d.png": "val"})
        before = labels_of(p, paths)
    assert before["a.png"] is None
    out = tmp_path / "out"
    args = ["export", str(path), str(out), "--format", "hf", "--include-unlabeled"]
    assert main(args) == 0
    assert (out / "train" / "dog" / "c.png").is_file() and (out / "val" / "cat" / "d.png").is_file()
    with open_project(path) as p:
        p.set_labels({"a.png": "cat", "dog/b.png": "cat", "cat/c.png": "cat", "dog/c.png": "dog"})
        p.set_labels({"cat/d.png": "dog"})
    assert main(["import", str(path), str(out / given)]) == 0
    with open_project(path) as p:
        got = labels_of(p, paths)
    if given:  # one split's rows: the val image keeps its label of now
        assert got == before | {"cat/d.png": "dog"}
    else:
        assert got == before


@pytest.mark.parametrize(
    ("fmt", "file"),
    [
        ("csv", "labels.csv"),
        ("parquet", "labels.parquet"),
        ("labelstudio", "tasks.json"),
        ("fiftyone", ""),
    ],
)
def test_rows_follow_their_pictures_when_files_were_swapped_since(tmp_path, fmt, file):
    """Two files swapped after the export (the scan moves each label with its picture):
    reading the export back gave each picture the other's label, by the old names. The
    manifest's content hashes lead each row to the picture it was exported as."""
    files = ["cat/a.png", "cat/b.png", "dog/c.png"]
    path = made(tmp_path, files, {"cat/a.png": "dog"})  # a is a dog in a cat folder
    out = tmp_path / "out"
    assert main(["export", str(path), str(out), "--format", fmt]) == 0
    root = tmp_path / "im"
    (root / "cat/a.png").rename(root / "cat/t.png")
    (root / "cat/b.png").rename(root / "cat/a.png")
    (root / "cat/t.png").rename(root / "cat/b.png")
    assert main(["scan", str(path)]) == 0
    with open_project(path) as p:
        after_scan = labels_of(p, files)
        assert after_scan == {"cat/a.png": "cat", "cat/b.png": "dog", "dog/c.png": "dog"}
        p.set_labels({"cat/b.png": "cat"})  # a later mistake, that the export undoes
    assert main(["import", str(path), str(out / file)]) == 0
    with open_project(path) as p:
        assert labels_of(p, files) == after_scan


def test_rows_follow_swapped_pictures_that_each_have_a_copy(tmp_path):
    """Two files swapped after the export, each with an exact copy the export wrote too:
    each picture was at two places, so each row stayed at its old name and gave its label
    to the other picture (a cat's label on a dog, silently)."""
    import shutil

    path = made(tmp_path, ["a.png", "b.png"])
    root = tmp_path / "im"
    shutil.copy(root / "a.png", root / "a_copy.png")
    shutil.copy(root / "b.png", root / "b_copy.png")
    assert main(["scan", str(path)]) == 0
    files = ["a.png", "a_copy.png", "b.png", "b_copy.png"]
    with open_project(path) as p:
        p.set_labels(
            {"a.png": "cat", "a_copy.png": "cat", "b.png": "dog", "b_copy.png": "dog"},
            create_classes=True,
        )
    out = tmp_path / "out"
    assert main(["export", str(path), str(out), "--format", "csv"]) == 0
    (root / "a.png").rename(root / "t.png")
    (root / "b.png").rename(root / "a.png")
    (root / "t.png").rename(root / "b.png")
    assert main(["scan", str(path)]) == 0
    with open_project(path) as p:
        after_scan = labels_of(p, files)  # each label moved with its picture
        assert after_scan == {
            "a.png": "dog",
            "a_copy.png": "cat",
            "b.png": "cat",
            "b_copy.png": "dog",
        }
        p.set_labels({"a.png": None, "b.png": None})  # later mistakes, that the export undoes
    assert main(["import", str(path), str(out / "labels.csv")]) == 0
    with open_project(path) as p:
        assert labels_of(p, files) == after_scan


def test_a_row_whose_picture_is_at_several_other_places_is_refused(tmp_path, capsys):
    """Two files swapped after the export, each copied first to a file the export did not
    write: each row stayed at its old name and gave its label to the other picture. Which
    copy the row was exported as cannot be told: the rows are refused, by line, and
    nothing is applied."""
    import shutil

    path = made(tmp_path, ["a.png", "b.png"], {"a.png": "cat", "b.png": "dog"})
    out = tmp_path / "out"
    assert main(["export", str(path), str(out), "--format", "csv"]) == 0
    root = tmp_path / "im"
    shutil.copy(root / "a.png", root / "a_copy.png")
    shutil.copy(root / "b.png", root / "b_copy.png")
    (root / "a.png").rename(root / "t.png")
    (root / "b.png").rename(root / "a.png")
    (root / "t.png").rename(root / "b.png")
    assert main(["scan", str(path)]) == 0
    files = ["a.png", "a_copy.png", "b.png", "b_copy.png"]
    with open_project(path) as p:
        before = labels_of(p, files)
    capsys.readouterr()
    assert main(["import", str(path), str(out / "labels.csv"), "--json"]) != 0
    problems = json.loads(capsys.readouterr().out)["error"]
    with open_project(path) as p:
        assert labels_of(p, files) == before  # nothing applied
    assert "line 2: 'a.png' was exported as a picture that 2 images hold now" in problems
    assert "line 3: 'b.png' was exported as a picture that 2 images hold now" in problems


def test_a_row_stays_with_its_edited_image_when_a_copy_has_its_old_bytes(tmp_path):
    """An image edited after the export, with an exact copy of its old bytes elsewhere
    that the export wrote too: the row's label went to the copy (review). The copy has its
    own row; the edited image keeps its own."""
    import shutil

    from helpers import write_image

    path = made(tmp_path, ["cat/a.png", "dog/b.png"])
    root = tmp_path / "im"
    shutil.copy(root / "cat/a.png", root / "cat/a_copy.png")
    assert main(["scan", str(path)]) == 0
    with open_project(path) as p:
        p.set_labels({"cat/a.png": "dog"})  # a is a dog; its copy stays a cat
    out = tmp_path / "out"
    assert main(["export", str(path), str(out), "--format", "csv"]) == 0
    write_image(root / "cat/a.png", fmt="PNG", seed=99)  # edited since the export
    assert main(["scan", str(path)]) == 0
    with open_project(path) as p:
        p.set_labels({"cat/a.png": "cat", "cat/a_copy.png": "dog"})  # later mistakes
    assert main(["import", str(path), str(out / "labels.csv")]) == 0
    with open_project(path) as p:
        assert labels_of(p, ["cat/a.png", "cat/a_copy.png"]) == {
            "cat/a.png": "dog",
            "cat/a_copy.png": "cat",
        }


def test_a_bad_row_of_the_copy_still_keeps_the_edited_images_row_home(tmp_path):
    """As above, with the copy's row bad and skipped: the edited image's row moved onto
    the copy, which its bad row then left out, and the edited image got nothing."""
    import csv
    import shutil

    from helpers import write_image

    path = made(tmp_path, ["cat/a.png", "dog/b.png"])
    root = tmp_path / "im"
    shutil.copy(root / "cat/a.png", root / "cat/a_copy.png")
    assert main(["scan", str(path)]) == 0
    with open_project(path) as p:
        p.set_labels({"cat/a.png": "dog"})
    out = tmp_path / "out"
    assert main(["export", str(path), str(out), "--format", "csv"]) == 0
    table = list(csv.DictReader((out / "labels.csv").read_text().splitlines()))
    for row in table:
        if row["path"].endswith("a_copy.png"):
            row["label"] = "1bad/x"  # not a class name: a bad row
    with open(out / "labels.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(table[0]))
        writer.writeheader()
        writer.writerows(table)
    write_image(root / "cat/a.png", fmt="PNG", seed=99)  # edited since the export
    assert main(["scan", str(path)]) == 0
    with open_project(path) as p:
        p.set_labels({"cat/a.png": "cat"})
    assert main(["import", str(path), str(out / "labels.csv"), "--skip-bad-rows"]) == 0
    with open_project(path) as p:
        assert labels_of(p, ["cat/a.png"]) == {"cat/a.png": "dog"}


def test_a_label_studio_export_with_a_renamed_file_reads_back_without_a_split(tmp_path, capsys):
    """A file renamed in the export (a name too long to copy as it is) is named by its
    project path in tasks.json (data.path): read back, the image without a split of its
    own stays without one (it came back as train)."""
    long = "cat/" + "x" * 245 + ".png"
    path = made(tmp_path, [long, "cat/b.png"])
    out = tmp_path / "out"
    assert main(["export", str(path), str(out), "--format", "labelstudio"]) == 0
    capsys.readouterr()
    assert json.loads((out / "labeldesk-export.json").read_text())["renamed"]
    assert main(["import", str(path), str(out / "tasks.json"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["changed"]["splits"] == 0


def by_content(project) -> dict[str, str | None]:
    """content hash -> label of every image (the made images all differ)."""
    frame = project.images()
    return {
        h: lab if isinstance(lab, str) else None
        for h, lab in zip(frame.hash, frame.label, strict=True)
    }


def test_a_project_made_from_a_label_studio_export_takes_a_renamed_file_as_written(tmp_path):
    """The export renames one of ``a.png`` and ``A.png`` (one file on Windows and macOS);
    its task's ``data.path`` (``a.png``) is a project path of the source project only. In
    a project of the export's own folder the reference names the renamed copy itself:
    ``a.png`` would find ``images/x/a.png`` by file name, and the copy would keep no label
    (or the two tasks would contradict each other)."""
    files = ["a.png", "A.png", "x/a.png"]
    path = made(tmp_path, files, {"a.png": "cat", "A.png": "dog", "x/a.png": "cat"})
    out = tmp_path / "out"
    assert main(["export", str(path), str(out), "--format", "labelstudio"]) == 0
    assert json.loads((out / "labeldesk-export.json").read_text())["renamed"]
    copy = tmp_path / "copy"
    args = ["new", str(copy), "--images", str(out), "--labels", str(out / "tasks.json")]
    assert main(args) == 0
    with open_project(path) as p, open_project(copy) as q:
        assert by_content(q) == by_content(p)


def test_label_studios_own_export_of_a_renamed_file_finds_it_by_data_path(tmp_path):
    """Label Studio's export of LabelDesk's tasks, saved elsewhere (no manifest beside
    it), names a renamed copy by the export's file name: in the source project its
    ``data.path`` finds the image."""
    files = ["a.png", "A.png", "x/a.png"]
    path = made(tmp_path, files, {"a.png": "cat", "A.png": "dog", "x/a.png": "cat"})
    out = tmp_path / "out"
    assert main(["export", str(path), str(out), "--format", "labelstudio"]) == 0
    with open_project(path) as p:
        before = by_content(p)
        p.set_labels({"a.png": "dog", "A.png": "cat", "x/a.png": "dog"})
    moved = tmp_path / "downloads" / "project-1-at-2024.json"
    moved.parent.mkdir()
    moved.write_bytes((out / "tasks.json").read_bytes())
    assert main(["import", str(path), str(moved)]) == 0
    with open_project(path) as p:
        assert by_content(p) == before


@pytest.mark.parametrize(
    ("fmt", "file"),
    [("csv", "labels.csv"), ("parquet", "labels.parquet"), ("labelstudio", "tasks.json")],
)
def test_files_the_export_renamed_read_back_into_a_project_of_a_copy_of_the_folder(
    tmp_path, fmt, file
):
    """The export renames one of ``a.png`` and ``A.png`` (``images/a--<digest>.png``) and
    shortens a name too long to copy: rows naming those files find, in a colleague's
    project of a copy of the image folder, the image at the path the manifest records,
    which holds the bytes it records (they named no image there, and nothing was
    applied)."""
    long_name = "x" * 245 + ".png"
    files = ["a.png", "A.png", "x/a.png", f"cat/{long_name}"]
    labels = dict(zip(files, ["cat", "dog", "bird", "dog"], strict=True))
    path = made(tmp_path, files, labels)
    out = tmp_path / "out"
    assert main(["export", str(path), str(out), "--format", fmt]) == 0
    assert len(json.loads((out / "labeldesk-export.json").read_text())["renamed"]) == 2
    shutil.copytree(tmp_path / "im", tmp_path / "copy")
    copy = tmp_path / "q"
    args = ["new", str(copy), "--images", str(tmp_path / "copy"), "--labels", str(out / file)]
    assert main(args) == 0
    with open_project(copy) as q:
        assert labels_of(q, files) == labels


@pytest.mark.parametrize(
    ("fmt", "file"),
    [("csv", "labels.csv"), ("parquet", "labels.parquet"), ("labelstudio", "tasks.json")],
)
def test_a_copy_of_a_folder_with_a_real_images_folder_takes_each_row_s_own_picture(
    tmp_path, fmt, file
):
    """In a colleague's project of a copy of an image folder that has a top-level
    ``images/`` folder, the row ``images/a.png`` (the export's copy of ``a.png``) names
    the picture it was exported as, ``a.png``, not the other picture at ``images/a.png``:
    the manifest records both the path and the bytes."""
    files = ["a.png", "images/a.png", "dog/b.png"]
    labels = {"a.png": "dog", "images/a.png": "cat", "dog/b.png": "dog"}
    path = made(tmp_path, files, labels)
    out = tmp_path / "out"
    assert main(["export", str(path), str(out), "--format", fmt]) == 0
    shutil.copytree(tmp_path / "im", tmp_path / "copy")
    copy = tmp_path / "q"
    assert main(["new", str(copy), "--images", str(tmp_path / "copy")]) == 0
    with open_project(copy) as q:
        q.set_labels({p: None for p in files})
    assert main(["import", str(copy), str(out / file), "--new-class"]) == 0
    with open_project(copy) as q:
        assert labels_of(q, files) == labels


def test_a_label_studio_task_of_a_name_with_an_outer_space_reads_back(tmp_path):
    """``data.path`` is the image's path as it is: `` lead.png`` (a file name may start
    with a space) is not ``lead.png``, which named no image, so the task was listed as
    naming none and its label and split were lost."""
    files = [" lead.png", "trail .png", "b.png"]
    path = made(tmp_path, files, {" lead.png": "cat", "trail .png": "dog", "b.png": "dog"})
    with open_project(path) as p:
        p.set_splits({" lead.png": "val", "trail .png": "test", "b.png": "train"})
    out = tmp_path / "out"
    assert main(["export", str(path), str(out), "--format", "labelstudio"]) == 0
    with open_project(path) as p:
        p.set_labels({q: "dog" for q in files}, splits={q: "train" for q in files})
    assert main(["import", str(path), str(out / "tasks.json")]) == 0
    with open_project(path) as p:
        frame = p.images().set_index("path")
        assert frame.loc[" lead.png", "label"] == "cat"
        assert frame.loc[" lead.png", "split"] == "val"
        assert frame.loc["trail .png", "split"] == "test"
