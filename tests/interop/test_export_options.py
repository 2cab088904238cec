"""Export options every format shares (class map, since a version, unverified, version
export, made splits) and deterministic exports with a manifest of file hashes."""

from __future__ import annotations

import csv
import hashlib
import json
import unicodedata

import pytest
from helpers import write_image

from labeldesk.core.errors import LabelDeskError
from labeldesk.core.versions import VersionError, create_version
from labeldesk.interop.export import EXPORTERS, ExportOptions, export, parse_class_map

MANIFEST = "labeldesk-export.json"


def tree(folder):
    """{relative path: SHA-256} of every file under ``folder``."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def rows(folder):
    """{SHA-256 of the exported image: (label, split)} from a CSV export: keyed by content,
    since two images may share a file name."""
    table = csv.DictReader((folder / "labels.csv").read_text(encoding="utf-8").splitlines())
    return {
        hashlib.sha256((folder / r["path"]).read_bytes()).hexdigest(): (r["label"], r["split"])
        for r in table
    }


@pytest.mark.parametrize("fmt", EXPORTERS.names())
def test_the_same_state_writes_the_same_bytes(project, tmp_path, fmt):
    project.set_label("_unlabeled/u1.png", "cat")
    options = ExportOptions(include_unlabeled=True)
    export(project, tmp_path / "a", fmt, options)
    export(project, tmp_path / "b", fmt, options)
    first, second = tree(tmp_path / "a"), tree(tmp_path / "b")
    assert first == second and MANIFEST in first


def test_the_manifest_records_the_state_and_every_files_hash(project, tmp_path):
    from labeldesk.core.labels import last_event_id

    report = export(project, tmp_path / "out", "csv")
    manifest = json.loads((tmp_path / "out" / MANIFEST).read_text())
    assert manifest["label_event_id"] == last_event_id(project.db) == report.label_event_id
    assert manifest["version"] is None and manifest["manifest_version"] == 2
    assert "exported_at" not in manifest  # no time: the same state, the same bytes
    written = {k: v for k, v in tree(tmp_path / "out").items() if k != MANIFEST}
    assert [f["path"] for f in manifest["files"]] == sorted(written)
    assert {f["path"]: f["sha256"] for f in manifest["files"]} == written
    assert manifest["images"] == 16 and manifest["per_split"] == report.per_split
    text = (tmp_path / "out" / MANIFEST).read_text()
    assert text == json.dumps(manifest, indent=2, sort_keys=True) + "\n"  # sorted keys


def test_a_version_export_after_relabels_and_a_rescan_equals_the_state_at_creation(
    project, imagefolder, tmp_path
):
    root, _ = imagefolder
    create_version(project.db, "v1", "as delivered")
    export(project, tmp_path / "then", "csv", ExportOptions(include_unlabeled=True))
    project.set_label("train/cat/cat0.jpg", "dog")
    project.set_splits({"val/dog/dog1.jpg": "train"})
    project.set_status(["test/dog/dog0.jpg"], "excluded")
    project.set_label("_unlabeled/u2.png", "dog")
    write_image(root / "train/cat/late.jpg", seed=555)
    (root / "val/cat/cat1.jpg").unlink()
    project.scan(workers=1)

    options = ExportOptions(include_unlabeled=True, version="v1")
    report = export(project, tmp_path / "again", "csv", options)
    assert report.version == "v1"
    assert [(m["path"], m["reason"], m["label"], m["split"]) for m in report.missing] == [
        ("val/cat/cat1.jpg", "removed from the folder since", "cat", "val")
    ]
    then, again = rows(tmp_path / "then"), rows(tmp_path / "again")
    removed = {k for k in then if k not in again}
    assert len(removed) == 1 and then[removed.pop()] == ("cat", "val")
    assert again == {k: v for k, v in then.items() if k in again}  # exactly as then
    manifest = json.loads((tmp_path / "again" / MANIFEST).read_text())
    assert manifest["version"] == "v1" and manifest["missing"] == report.missing
    assert manifest["label_event_id"] == report.label_event_id < _newest(project)


@pytest.mark.parametrize("field", ["version", "since"])
@pytest.mark.parametrize("name", ["", "  "])
def test_an_empty_version_name_is_refused_not_read_as_now(project, tmp_path, field, name):
    """An unset shell variable (`--version "$V"`) once exported today's labels, rc 0."""
    create_version(project.db, "v1")
    project.set_label("train/cat/cat0.jpg", "dog")
    with pytest.raises(VersionError, match="no dataset version named ''"):
        export(project, tmp_path / "out", "csv", ExportOptions(**{field: name}))
    assert not (tmp_path / "out").exists()


def test_current_exports_the_state_now_as_in_version_diff(project, tmp_path):
    create_version(project.db, "v1")
    project.set_label("train/cat/cat0.jpg", "dog")
    export(project, tmp_path / "now", "csv", ExportOptions())
    report = export(project, tmp_path / "current", "csv", ExportOptions(version=" Current "))
    assert report.version is None
    assert rows(tmp_path / "current") == rows(tmp_path / "now")
    export(project, tmp_path / "v1", "csv", ExportOptions(version="v1"))
    assert rows(tmp_path / "v1") != rows(tmp_path / "now")  # the relabel shows


def _newest(project):
    from labeldesk.core.labels import last_event_id

    return last_event_id(project.db)


def _labels_by_name(folder):
    table = csv.DictReader((folder / "labels.csv").read_text(encoding="utf-8").splitlines())
    return [(r["path"], r["label"]) for r in table]


def test_a_class_map_renames_merges_and_drops_in_the_export_only(project, tmp_path):
    project.add_classes(["bird", "junk"])
    project.set_label("_unlabeled/u0.png", "bird")
    project.set_label("_unlabeled/u1.png", "junk")
    options = ExportOptions(class_map=parse_class_map("cat=feline, bird=feline,junk=-"))
    report = export(project, tmp_path / "out", "csv", options)
    labels = [label for _, label in _labels_by_name(tmp_path / "out")]
    assert sorted(set(labels)) == ["dog", "feline"]
    assert labels.count("feline") == 9 and report.left_out["class map"] == 1
    manifest = json.loads((tmp_path / "out" / MANIFEST).read_text())
    assert manifest["classes"] == ["feline", "dog"]  # merged into the first one's place
    assert manifest["options"]["class_map"] == [
        ["cat", "feline"],
        ["bird", "feline"],
        ["junk", None],
    ]
    assert project.classes() == ["cat", "dog", "bird", "junk"]  # the project is unchanged
    export(project, tmp_path / "folders", "imagefolder", options)
    assert sorted(p.name for p in (tmp_path / "folders/train").iterdir()) == ["dog", "feline"]


@pytest.mark.parametrize(
    "text, pairs",
    [
        (r"bag\, leather=bag", [("bag, leather", "bag")]),
        (r"a\=b=c, x=y\,z", [("a=b", "c"), ("x", "y,z")]),
        (r"bag\, leather=-,coat=top", [("bag, leather", None), ("coat", "top")]),
        ("a=b=c", [("a", "b=c")]),  # as before: the first = cuts
    ],
)
def test_a_backslash_puts_a_comma_or_equals_sign_inside_a_class_name(text, pairs):
    assert list(parse_class_map(text)) == pairs


def test_a_class_with_a_comma_in_its_name_can_be_mapped(project, tmp_path):
    project.rename_class("cat", "cat, tabby")
    export(
        project,
        tmp_path / "out",
        "csv",
        ExportOptions(class_map=parse_class_map(r"cat\, tabby=cat")),
    )
    assert sorted({label for _, label in _labels_by_name(tmp_path / "out")}) == ["cat", "dog"]


@pytest.mark.parametrize(
    "text, why",
    [
        ("cat", "not OLD=NEW"),
        ("cat=", "not OLD=NEW"),
        ("cat=a,cat=b", "mapped twice"),
        (" , ", "empty"),
    ],
)
def test_a_bad_class_map_is_refused(text, why):
    with pytest.raises(LabelDeskError, match=why):
        parse_class_map(text)


@pytest.mark.parametrize("pair, why", [(("lion", "cat"), "no class named 'lion'"),
                                       (("cat", "a/b"), "slash")])  # fmt: skip
def test_a_class_map_naming_what_cannot_be_is_refused(project, tmp_path, pair, why):
    with pytest.raises(LabelDeskError, match=why):
        export(project, tmp_path / "out", "csv", ExportOptions(class_map=(pair,)))
    assert not (tmp_path / "out").exists()


def test_since_a_version_writes_only_what_changed(project, imagefolder, tmp_path):
    root, _ = imagefolder
    create_version(project.db, "v1")
    project.set_label("train/cat/cat0.jpg", "dog")  # label
    project.set_splits({"val/dog/dog0.jpg": "test"})  # split
    project.set_status(["test/cat/cat0.jpg"], "verified")  # status
    (root / "train/dog/dog1.jpg").write_bytes((root / "train/dog/dog1.jpg").read_bytes() + b"x")
    write_image(root / "train/cat/fresh.jpg", seed=556)  # added since
    (root / "val/dog/dog1.jpg").rename(root / "val/dog/renamed.jpg")  # moved: written anew
    project.scan(workers=1)
    report = export(project, tmp_path / "out", "csv", ExportOptions(since="v1"))
    changed = ["train/cat/cat0.jpg", "val/dog/dog0.jpg", "test/cat/cat0.jpg"]
    changed += ["train/dog/dog1.jpg", "train/cat/fresh.jpg", "val/dog/renamed.jpg"]
    expected = {hashlib.sha256((root / p).read_bytes()).hexdigest() for p in changed}
    assert set(rows(tmp_path / "out")) == expected  # by content: nothing else was written
    assert report.since == "v1" and report.left_out["unchanged since v1"] == 11
    # the changed images that were in v1 (not the one added since): their old files go
    was = set(changed) - {"train/cat/fresh.jpg", "val/dog/renamed.jpg"} | {"val/dog/dog1.jpg"}
    assert {g["path"] for g in report.gone_since} == was
    assert {g["why"] for g in report.gone_since if g["path"] == "val/dog/dog1.jpg"} == {
        "moved since"
    }
    with pytest.raises(VersionError, match="no dataset version named 'v7'"):
        export(project, tmp_path / "other", "csv", ExportOptions(since="v7"))


def test_since_a_version_lists_what_a_copy_of_it_should_drop(
    project, imagefolder, tmp_path, capsys
):
    """A --since export wrote what changed but said nothing of images deleted or excluded
    since: a copy of the earlier export kept them. The manifest lists them."""
    from labeldesk.cli import main

    root, _ = imagefolder
    create_version(project.db, "v1")
    (root / "train/dog/dog1.jpg").unlink()  # gone from the folder
    project.set_status(["train/cat/cat0.jpg"], "excluded")  # left out of the export now
    project.set_label("val/dog/dog0.jpg", "cat")  # changed, and written
    project.scan(workers=1)
    out = tmp_path / "out"
    assert main(["export", str(project.path), str(out), "--since", "v1", "--format", "csv"]) == 0
    assert "3 images of version v1 changed or are no longer in" in capsys.readouterr().out
    manifest = json.loads((out / "labeldesk-export.json").read_text())
    gone = {g["path"]: g["why"] for g in manifest["gone_since"]}
    assert gone == {
        "train/cat/cat0.jpg": "changed since",  # excluded: left out of this export
        "train/dog/dog1.jpg": "no longer in the dataset",
        # relabeled: written anew (in a class-folder layout, under its new class), so a
        # copy drops its old file: it would hold the picture in two classes
        "val/dog/dog0.jpg": "changed since",
    }
    table = csv.DictReader((out / "labels.csv").read_text(encoding="utf-8").splitlines())
    assert [r["path"] for r in table] == ["images/val/dog/dog0.jpg"]


def test_a_copy_of_a_version_updated_by_since_holds_a_renumbered_folder_whole(
    project, imagefolder, tmp_path
):
    """Files renumbered since v1 (a new photo takes the first name, the others move up
    one): a --since export that wrote only the new photo, and listed nothing to drop,
    made a copy of v1 lose the picture whose name the new photo took."""
    root, _ = imagefolder
    create_version(project.db, "v1")
    copy = tmp_path / "copy"
    export(project, copy, "imagefolder", ExportOptions(version="v1"))
    folder = root / "train/cat"
    names = sorted(p.name for p in folder.iterdir())
    for old, new in reversed(list(zip(names, [*names[1:], "last.jpg"], strict=True))):
        (folder / old).rename(folder / new)
    write_image(folder / names[0], seed=777)  # the new photo, under the first name
    project.scan(workers=1)
    since = export(project, tmp_path / "since", "imagefolder", ExportOptions(since="v1"))
    gone = {g["path"] for g in since.gone_since}
    assert gone == {f"train/cat/{name}" for name in names}

    def pictures(folder):
        return sorted(hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.rglob("*.jpg"))

    # drop what gone_since lists from the copy, then take the export's files
    for path in gone:
        (copy / path).unlink()
    for file in (tmp_path / "since").rglob("*.jpg"):
        (copy / file.relative_to(tmp_path / "since")).write_bytes(file.read_bytes())
    export(project, tmp_path / "now", "imagefolder")
    assert pictures(copy) == pictures(tmp_path / "now")


def test_unverified_images_can_be_left_out(project, tmp_path):
    project.set_status(["train/cat/cat0.jpg", "val/dog/dog1.jpg"], "verified")
    report = export(project, tmp_path / "out", "csv", ExportOptions(include_unverified=False))
    assert report.written == 2 and report.left_out["unverified"] == 14


def test_made_splits_are_written_and_the_projects_own_are_kept(project, imagefolder, tmp_path):
    import shutil

    root, _ = imagefolder
    shutil.copy(root / "train/cat/cat0.jpg", root / "test/cat/copy_of_cat0.jpg")  # a leak
    project.scan(workers=1)
    before = project.images().split.astype(object).to_dict()
    options = ExportOptions(make_splits=(0.5, 0.25, 0.25), seed=4)
    report = export(project, tmp_path / "out", "csv", options)
    made = report.made_splits
    assert made is not None and made["groups_kept_together"] == 1 and made["seed"] == 4
    assert made["sizes"] == report.per_split and sum(made["sizes"].values()) == 17
    assert set(made["per_class"]) == {"cat", "dog"}
    table = list(csv.DictReader((tmp_path / "out/labels.csv").read_text().splitlines()))
    digests = {}
    for r in table:
        digest = hashlib.sha256((tmp_path / "out" / r["path"]).read_bytes()).hexdigest()
        digests.setdefault(digest, set()).add(r["split"])
    assert all(len(splits) == 1 for splits in digests.values())  # the copies side by side
    assert project.images().split.astype(object).to_dict() == before
    again = export(project, tmp_path / "again", "csv", options)
    assert tree(tmp_path / "again") == tree(tmp_path / "out") and again.made_splits == made


def test_a_class_map_finds_a_class_typed_in_another_unicode_form(project, tmp_path):
    project.add_classes(["café"])  # stored composed (NFC)
    project.set_label("_unlabeled/u0.png", "café")
    decomposed = unicodedata.normalize("NFD", "café")  # as a macOS folder name is
    options = ExportOptions(class_map=parse_class_map(f"{decomposed}=coffee"))
    export(project, tmp_path / "out", "csv", options)
    assert ("images/_unlabeled/u0.png", "coffee") in _labels_by_name(tmp_path / "out")


def test_the_help_warns_that_a_hard_linked_file_is_the_original(capsys):
    """`export --help` said the export never touches the originals, also of --hardlink,
    whose files are the originals: editing one in place edits the image."""
    from labeldesk.cli import main

    with pytest.raises(SystemExit):
        main(["export", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    options = text[text.index("options:") :]
    hardlink = options[options.index("--hardlink ") :]
    assert "changes the original image too" in hardlink[: hardlink.index("--symlink")]
