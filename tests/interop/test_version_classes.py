"""Exporting a dataset version again gives its own class list, in its order, with the
same class indices, whatever happened to the classes since (renamed, added, removed,
re-added at the end); versions recorded before schema 10 keep today's classes."""

from __future__ import annotations

import json
import sqlite3
import tarfile

from labeldesk.core import db, db_schema
from labeldesk.core.project import open_project
from labeldesk.core.versions import create_version, get_version
from labeldesk.interop.export import ExportOptions, export

MANIFEST = "labeldesk-export.json"


def _webdataset(out):
    """classes.txt, and {path: (label, class index)} of every sample in the shards."""
    classes = (out / "classes.txt").read_text(encoding="utf-8").splitlines()
    samples = {}
    for shard in sorted(out.glob("*.tar")):
        with tarfile.open(shard) as tar:
            files = {m.name: tar.extractfile(m).read() for m in tar.getmembers()}
        for name, data in files.items():
            if name.endswith(".json"):
                record = json.loads(data)
                cls = files.get(name[: -len(".json")] + ".cls")  # none when unlabeled
                index = None if cls is None else int(cls)
                samples[record["path"]] = (record["label"], index)
    return classes, samples


def test_a_version_exports_its_own_classes_after_renames_adds_and_removes(project, tmp_path):
    assert project.classes() == ["cat", "dog"]
    create_version(project.db, "v1")
    export(project, tmp_path / "then", "webdataset")
    then_classes, then_samples = _webdataset(tmp_path / "then")
    assert then_classes == ["cat", "dog"]

    project.add_classes(["bird"])
    project.rename_class("dog", "hound")
    project.remove_class("cat")  # its images lose their label
    project.add_classes(["cat"])  # back, but now after the others
    assert project.classes() == ["hound", "bird", "cat"]
    assert get_version(project.db, "v1").classes == ("cat", "dog")

    report = export(project, tmp_path / "again", "webdataset", ExportOptions(version="v1"))
    classes, samples = _webdataset(tmp_path / "again")
    assert classes == ["cat", "dog"]  # v1's classes, in v1's order
    assert samples == then_samples and report.written == len(then_samples) == 16
    assert {index for label, index in samples.values() if label == "dog"} == {1}
    manifest = json.loads((tmp_path / "again" / MANIFEST).read_text())
    assert manifest["classes"] == ["cat", "dog"] and manifest["version"] == "v1"

    # The state now still exports with today's classes.
    export(project, tmp_path / "now", "webdataset", ExportOptions(include_unlabeled=True))
    assert _webdataset(tmp_path / "now")[0] == ["hound", "bird", "cat"]


def test_a_class_map_on_a_version_names_the_versions_classes(project, tmp_path):
    create_version(project.db, "v1")
    project.rename_class("cat", "feline")
    options = ExportOptions(version="v1", class_map=(("cat", "kitty"),))
    export(project, tmp_path / "out", "webdataset", options)
    classes, samples = _webdataset(tmp_path / "out")
    assert classes == ["kitty", "dog"]
    assert {label for label, _ in samples.values()} == {"kitty", "dog"}


def test_a_version_recorded_before_schema_10_gains_the_column_and_still_exports(project, tmp_path):
    create_version(project.db, "old")
    path = project.path
    project.close()
    # Make the database as LabelDesk wrote it before schema 10: no class list column.
    conn = sqlite3.connect(path / db.DB_FILENAME)
    conn.execute("ALTER TABLE dataset_versions DROP COLUMN classes")
    conn.execute("ALTER TABLE images DROP COLUMN ctime_ns")  # schema 13's
    conn.execute("ALTER TABLE label_batches DROP COLUMN file")  # schema 15's
    conn.execute("PRAGMA user_version = 9")  # the class list came with schema 10
    conn.commit()
    conn.close()

    with open_project(path) as reopened:
        assert db_schema.schema_version(reopened.db.conn) == db_schema.SCHEMA_VERSION
        columns = [r[1] for r in reopened.db.query("PRAGMA table_info(dataset_versions)")]
        assert "classes" in columns
        assert get_version(reopened.db, "old").classes is None  # not recorded then
        reopened.add_classes(["bird"])
        options = ExportOptions(version="old")
        report = export(reopened, tmp_path / "out", "webdataset", options)
        classes, samples = _webdataset(tmp_path / "out")
        assert classes == ["cat", "dog", "bird"]  # today's classes, as before the fix
        assert report.written == len(samples) == 16
        assert all(classes[index] == label for label, index in samples.values())
        new = create_version(reopened.db, "new")  # a version made now records its list
        assert new.classes == ("cat", "dog", "bird")
