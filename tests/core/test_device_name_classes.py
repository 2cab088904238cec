"""Windows' device names (``CON``, ``aux``, ``nul``, ``com1``, ``LPT1``, ``aux.x``) are
class names like any other on Linux, as ``a:b`` is: a scan indexes their folders' images
as classes, a label or a labels file may create them, and a label an older version left
as such a name is kept. Only an export onto a disk that cannot hold the folder asks for
another name (tests/interop/test_export_portable_names.py)."""

from __future__ import annotations

import json

import pytest
from helpers import write_image

from labeldesk.cli import main
from labeldesk.core import db, db_schema, scan_writer
from labeldesk.core.classes import class_name_problem
from labeldesk.core.project import Project, open_project

DEVICE_NAMES = ["CON", "aux", "nul", "PRN", "com1", "LPT1", "aux.x", "Con .txt"]


@pytest.mark.parametrize("name", DEVICE_NAMES)
def test_a_device_name_is_a_valid_class_name(name):
    assert class_name_problem(name) is None


def test_a_scan_indexes_device_named_folders_as_classes(tmp_path, capsys):
    root = tmp_path / "img"
    files = ["CON/c1.png", "CON/c2.png", "aux/a1.png", "aux.x/x1.png", "dog/d1.png"]
    files += ["dog/con.png", "dog/NUL.txt.png", "dog/com1.png"]  # file names too
    for seed, rel in enumerate(files):
        write_image(root / rel, fmt="PNG", seed=seed)
    assert main(["new", str(tmp_path / "p"), "--images", str(root), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["skipped"] == [] and report["images"] == len(files)
    with open_project(tmp_path / "p") as project:
        assert sorted(project.classes()) == ["CON", "aux", "aux.x", "dog"]
        frame = project.images()
        labels = dict(zip(frame.path, frame.label, strict=True))
    assert labels == {rel: rel.split("/")[0] for rel in files}


def test_a_label_and_a_labels_file_may_create_a_device_named_class(tmp_path, capsys):
    root = tmp_path / "img"
    for seed, rel in enumerate(["a.png", "b.png", "c.png"]):
        write_image(root / rel, fmt="PNG", seed=seed)
    path = str(tmp_path / "p")
    assert main(["new", path, "--images", str(root), "--classes", "PRN"]) == 0
    assert main(["label", path, "a.png", "nul", "--new-class"]) == 0
    (tmp_path / "labels.csv").write_text("path,label\nb.png,com1\nc.png,LPT1.txt\n")
    assert main(["label", path, "--csv", str(tmp_path / "labels.csv"), "--new-class"]) == 0
    with open_project(path) as project:
        assert set(project.classes()) == {"PRN", "nul", "com1", "LPT1.txt"}
        frame = project.images()
        assert dict(zip(frame.path, frame.label, strict=True)) == {
            "a.png": "nul", "b.png": "com1", "c.png": "LPT1.txt"
        }  # fmt: skip


def test_a_device_named_label_an_older_version_left_is_kept(tmp_path):
    """A label without a class (older versions stored them) named ``aux`` becomes the
    class ``aux`` when the project is opened, as any valid name does."""
    project_dir = tmp_path / "old"
    project_dir.mkdir()
    conn = db.connect(project_dir / db.DB_FILENAME)
    db_schema.migrate(conn)
    conn.execute("INSERT INTO meta(key, value) VALUES ('image_root', ?)", (str(tmp_path),))
    conn.execute(
        "INSERT INTO images(path, size, mtime_ns, hash, label, indexed_at) "
        "VALUES ('0.jpg', 1, 1, ?, ' aux', 0)",
        (f"{0:032x}",),
    )
    conn.close()
    with Project(project_dir) as project:
        assert dict(project.db.query("SELECT path, label FROM images")) == {"0.jpg": "aux"}
        assert project.classes() == ["aux"]


def test_files_an_older_version_skipped_for_a_device_named_folder_are_indexed(
    tmp_path, monkeypatch
):
    """A project made by a version that refused ``CON`` recorded ``CON/c1.png`` as a file
    it cannot use; the file has not changed since, yet the next scan indexes it, with its
    folder's class (the reporter's images come back without touching them)."""
    root = tmp_path / "img"
    files = ["CON/c1.png", "CON/c2.png", "dog/d1.png", "=x/f.png"]  # =x: still refused
    for seed, rel in enumerate(files):
        write_image(root / rel, fmt="PNG", seed=seed)

    def old_rule(name):  # what versions before this one said of a device name
        if isinstance(name, str) and name.strip().upper() == "CON":
            return "'CON' cannot be a folder name on Windows"
        return class_name_problem(name)

    monkeypatch.setattr(scan_writer, "class_name_problem", old_rule)
    assert main(["new", str(tmp_path / "p"), "--images", str(root)]) == 0
    with open_project(tmp_path / "p") as project:
        assert project.classes() == ["dog"] and len(project.images(include_skipped=False)) == 1
    monkeypatch.undo()
    with open_project(tmp_path / "p") as project:
        counts = project.scan(workers=1)
        assert (counts.changed, counts.unchanged, counts.unchanged_skipped) == (2, 1, 1)
        assert sorted(project.classes()) == ["CON", "dog"]
        frame = project.images(include_skipped=False)
        assert dict(zip(frame.path, frame.label, strict=True)) == {
            "CON/c1.png": "CON", "CON/c2.png": "CON", "dog/d1.png": "dog"
        }  # fmt: skip
        assert frame.folder_label.tolist() == ["CON", "CON", "dog"]
        counts = project.scan(workers=1)  # and then as any image
        assert (counts.changed, counts.unchanged, counts.unchanged_skipped) == (0, 3, 1)
