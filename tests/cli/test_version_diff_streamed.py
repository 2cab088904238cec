"""`version diff` writes its document as it reads it (a scratch SQLite file gives each
kind back in path order, a few rows at a time): the same bytes as when the whole diff was
built in memory and dumped at once, and never more than a chunk of the rows held."""

from __future__ import annotations

import json
import sqlite3

import pytest
from helpers import make_imagefolder, write_image

from labeldesk.cli import main
from labeldesk.core import version_diff
from labeldesk.core.create import create_and_index
from labeldesk.core.version_diff import diff, list_diff
from labeldesk.core.versions import create_version, find_state

# What `version diff PROJECT v1` printed for the scenario below before the document was
# streamed (json.dump of the whole diff, indent=2; the text built from the whole lists),
# captured from that code: every kind of change, a non-ASCII path, upper case first.
OLD_JSON = r"""{
  "a": "v1",
  "b": "current",
  "counts": {
    "labels_changed": 2,
    "classes_renamed": 1,
    "splits_changed": 2,
    "added": 3,
    "removed": 1,
    "moved": 1,
    "excluded": 1,
    "included": 1,
    "verified": 1,
    "unverified": 1,
    "content_changed": 1
  },
  "labels_changed": [
    {
      "path": "_unlabeled/u0.png",
      "old": null,
      "new": "cat"
    },
    {
      "path": "train/cat/cat0.jpg",
      "old": "cat",
      "new": "hound"
    }
  ],
  "classes_renamed": [
    {
      "old": "dog",
      "new": "hound",
      "images": 7
    }
  ],
  "splits_changed": [
    {
      "path": "_unlabeled/u0.png",
      "old": null,
      "new": "train"
    },
    {
      "path": "val/cat/cat0.jpg",
      "old": "val",
      "new": "test"
    }
  ],
  "added": [
    {
      "path": "train/dog/Zebra.jpg",
      "label": "hound"
    },
    {
      "path": "train/dog/extra.jpg",
      "label": "hound"
    },
    {
      "path": "train/dog/\u00fc.jpg",
      "label": "hound"
    }
  ],
  "removed": [
    {
      "path": "train/dog/dog2.jpg",
      "label": "dog"
    }
  ],
  "moved": [
    {
      "path": "train/cat/zz-renamed.jpg",
      "old_path": "train/cat/cat1.jpg"
    }
  ],
  "excluded": [
    {
      "path": "test/cat/cat1.jpg",
      "label": "cat"
    }
  ],
  "included": [
    {
      "path": "train/dog/dog1.jpg",
      "label": "hound"
    }
  ],
  "verified": [
    {
      "path": "train/cat/cat2.jpg",
      "label": "cat"
    }
  ],
  "unverified": [
    {
      "path": "val/cat/cat1.jpg",
      "label": "cat"
    }
  ],
  "content_changed": [
    {
      "path": "test/dog/dog0.jpg"
    }
  ]
}
"""
OLD_TEXT = (
    (
        "v1 → current: 2 labels changed, 1 class renamed, 2 splits changed, 3 added, 1 removed, "
        "1 moved, 1 excluded, 1 included, 1 verified, 1 unverified, 1 content changed\n"
    )
    + r"""labels changed:
  _unlabeled/u0.png: ∅ → 'cat'
  train/cat/cat0.jpg: 'cat' → 'hound'
classes renamed:
  'dog' → 'hound' (7 images)
splits changed:
  _unlabeled/u0.png: (none) → train
  val/cat/cat0.jpg: val → test
added:
  train/dog/Zebra.jpg (hound)
  train/dog/extra.jpg (hound)
  train/dog/ü.jpg (hound)
removed:
  train/dog/dog2.jpg (dog)
moved:
  train/cat/cat1.jpg → train/cat/zz-renamed.jpg
excluded:
  test/cat/cat1.jpg (cat)
included:
  train/dog/dog1.jpg (hound)
verified:
  train/cat/cat2.jpg (cat)
unverified:
  val/cat/cat1.jpg (cat)
content changed:
  test/dog/dog0.jpg
"""
)


@pytest.fixture
def changed(tmp_path):
    """A project with a version v1 and every kind of change since."""
    root = tmp_path / "images"
    make_imagefolder(root)
    project, _ = create_and_index(tmp_path / "proj", root, workers=1)
    project.set_status(["train/dog/dog1.jpg"], "excluded")
    project.set_status(["val/cat/cat1.jpg"], "verified")
    create_version(project.db, "v1")
    project.rename_class("dog", "hound")
    project.set_label("train/cat/cat0.jpg", "hound")
    project.set_label("_unlabeled/u0.png", "cat")
    project.set_splits({"val/cat/cat0.jpg": "test"})
    project.set_status(["test/cat/cat1.jpg"], "excluded")
    project.set_status(["train/dog/dog1.jpg"], None)
    project.set_status(["train/cat/cat2.jpg"], "verified")
    project.set_status(["val/cat/cat1.jpg"], None)
    (root / "train/dog/dog2.jpg").unlink()
    write_image(root / "train/dog/extra.jpg", seed=901)
    write_image(root / "train/dog/\u00fc.jpg", seed=902)
    write_image(root / "train/dog/Zebra.jpg", seed=903)
    (root / "train/cat/cat1.jpg").rename(root / "train/cat/zz-renamed.jpg")
    write_image(root / "test/dog/dog0.jpg", seed=777)
    project.scan(workers=1)
    yield project
    project.close()


def test_the_document_and_the_text_are_the_bytes_printed_before(changed, capsys):
    assert main(["version", str(changed.path), "diff", "v1", "--json"]) == 0
    assert capsys.readouterr().out == OLD_JSON
    assert main(["version", str(changed.path), "diff", "v1"]) == 0
    assert capsys.readouterr().out == OLD_TEXT


def test_the_lists_read_back_a_row_at_a_time_are_the_whole_diff(changed, monkeypatch):
    monkeypatch.setattr(version_diff, "CHUNK", 1)
    a, b = find_state(changed.db, "v1"), find_state(changed.db, "current")
    whole = diff(changed.db, a, b).to_json()
    with list_diff(changed.db, a, b) as listing:
        assert {kind: list(rows) if key else rows for kind, rows, key in (
            (k, v, k not in ("a", "b", "counts")) for k, v in listing.document()
        )} == whole  # fmt: skip
        assert listing.to_text(limit=1) == diff(changed.db, a, b).to_text(limit=1)
    assert json.loads(OLD_JSON) == whole


class _Counted:
    """A cursor of the scratch database whose reads are logged (``fetchall``: refused)."""

    def __init__(self, cursor: sqlite3.Cursor, log: list):
        self.cursor, self.log = cursor, log

    def fetchmany(self, size: int) -> list:
        rows = self.cursor.fetchmany(size)
        self.log.append(("fetched", len(rows)))
        return rows

    def fetchall(self) -> list:
        raise AssertionError("the whole list read at once")

    def __iter__(self):
        return iter(self.cursor)


class _Logged:
    """The scratch database, its queries' cursors logged."""

    def __init__(self, conn: sqlite3.Connection, log: list):
        self.conn, self.log = conn, log

    def execute(self, *args):
        return _Counted(self.conn.execute(*args), self.log)

    def __getattr__(self, name):
        return getattr(self.conn, name)


class _Stdout:
    """stdout, each write logged."""

    def __init__(self, log: list):
        self.log, self.text = log, []

    def write(self, text: str) -> int:
        self.log.append(("wrote", text))
        self.text.append(text)
        return len(text)

    def writelines(self, pieces) -> None:
        for piece in pieces:
            self.write(piece)

    def flush(self) -> None:
        pass


def test_a_diff_of_many_changes_is_written_a_chunk_at_a_time(tmp_path, monkeypatch):
    """40 images labeled (and so put in train) since v0, read back 3 rows at a time: each
    row is written before more than a chunk beyond it is read, and never all at once."""
    root = tmp_path / "images"
    names = [f"_unlabeled/img{i:02}.png" for i in range(40)]
    for i, name in enumerate(names):
        write_image(root / name, size=(8, 8), fmt="PNG", seed=i)
    project, _ = create_and_index(tmp_path / "proj", root, workers=1, classes=["cat", "dog"])
    create_version(project.db, "v0")
    project.set_labels({name: ("cat", "dog")[i % 2] for i, name in enumerate(names)})
    project.close()
    log: list = []
    scratch = version_diff._scratch
    monkeypatch.setattr(version_diff, "_scratch", lambda: _Logged(scratch(), log))
    monkeypatch.setattr(version_diff, "CHUNK", 3)
    out = _Stdout(log)
    monkeypatch.setattr("sys.stdout", out)
    assert main(["version", str(tmp_path / "proj"), "diff", "v0", "--json"]) == 0
    document = json.loads("".join(out.text))
    assert document["counts"]["labels_changed"] == document["counts"]["splits_changed"] == 40
    assert document["labels_changed"] == [
        {"path": name, "old": None, "new": ("cat", "dog")[i % 2]} for i, name in enumerate(names)
    ]
    assert [row["path"] for row in document["splits_changed"]] == names
    fetched = [n for what, n in log if what == "fetched"]
    assert max(fetched) == 3 and sum(fetched) == 80  # 3 at a time, each row once
    read = written = 0
    for what, value in log:  # each row is written before a chunk beyond it is read
        if what == "fetched":
            read += value
            assert read - written <= 3
        else:
            written += value.count('"path"')
    assert written == 80
