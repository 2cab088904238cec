"""Errors raised through the Python API name the API's arguments and calls, not the
command line's flags: ld.export's make_splits= and class_map=, ld.embed's device= and
runtime=, ld.new_project's images, classes= and labels file, a moved image folder's
p.relocate (p.scan(), ld.export, ld.embed). On the command line the same errors keep
the flags (tests/cli). Where a message names a fix, the test follows it."""

from __future__ import annotations

import errno
import re
import shutil

import pytest
from helpers import make_imagefolder

import labeldesk as ld
from labeldesk.api_words import in_api_words
from labeldesk.core.errors import LabelFileError
from labeldesk.core.failures import _os_message
from labeldesk.interop.export_portable import _class_message
from labeldesk.interop.placing import no_symlinks
from labeldesk.ml.runtime import resolve_runtime

# a command-line flag, a `labeldesk command` (or `new`), or "run the command again"
FLAG = re.compile(r"(?<![\w-])--[a-z][a-z-]+|labeldesk [a-z]+\b|`new`|the command")


def _said(call) -> str:
    with pytest.raises(ld.LabelDeskError) as err:
        call()
    text = str(err.value)
    assert not FLAG.search(text), text  # no command-line flag, no `labeldesk command`
    return text


@pytest.fixture
def p(tmp_path):
    root = tmp_path / "images"
    make_imagefolder(root)
    with ld.new_project(tmp_path / "p", root, progress=False) as made:
        yield made


def test_exports_splits_and_class_map_are_named_as_the_arguments(p, tmp_path):
    said = _said(lambda: ld.export(p, tmp_path / "o1", format="csv", make_splits="90/20"))
    assert said == "make_splits='90/20': the parts add up to 110, not 100"
    said = _said(lambda: ld.export(p, tmp_path / "o2", format="csv", class_map="kitten"))
    assert said.startswith("class_map: 'kitten' is not OLD=NEW")
    said = _said(lambda: ld.export(p, tmp_path / "o3", format="csv", class_map=","))
    assert said.startswith("class_map is empty")


@pytest.mark.skipif(
    shutil.which("sw_vers") is not None, reason="Apple MPS may be there on a Mac"
)  # fmt: skip
def test_an_unavailable_device_is_named_as_the_argument(p):
    said = _said(lambda: ld.embed(p, device="mps", progress=False))
    assert said == 'device="mps": Apple MPS is not available here (try device="auto")'


def test_new_project_names_its_own_arguments(tmp_path):
    root = tmp_path / "images"
    make_imagefolder(root)
    a_file = root / "train" / "cat" / "cat0.jpg"
    said = _said(lambda: ld.new_project(tmp_path / "p1", a_file, progress=False))
    assert said.endswith("is a file; images takes the folder that holds the images")
    labels = tmp_path / "l.csv"
    labels.write_text("path,x\ntrain/cat/cat0.jpg,cat\n")
    said = _said(lambda: ld.new_project(tmp_path / "p2", root, labels=labels, progress=False))
    assert "rename the file's columns so (`ld.new_project` has no option" in said
    labels.write_text("path,label\ntrain/cat/cat0.jpg,cat\n")
    with pytest.warns(ld.FolderWarning, match=r"classes not in classes= were added: 'dog'"):
        ld.new_project(
            tmp_path / "p3", root, labels=labels, classes=["cat"], progress=False
        ).close()


def test_a_moved_image_folder_says_the_calls_that_follow_it(p, tmp_path):
    moved = tmp_path / "moved"
    shutil.move(p.root, moved)
    advice = "if it moved, run `p.relocate(NEW_FOLDER)`, then `p.scan()`"
    assert _said(lambda: p.scan(progress=False)).endswith(advice)
    assert _said(lambda: ld.export(p, tmp_path / "out", format="csv")).endswith(advice)
    assert _said(lambda: ld.embed(p, progress=False)).endswith(advice)
    said = _said(lambda: p.relocate(moved / "train" / "cat" / "cat0.jpg"))
    assert said.endswith("is a file; images takes the folder that holds the images")
    p.relocate(moved)  # the advice, followed, works
    assert p.scan(progress=False).added == 0 and len(p.images()) == 19


def test_the_messages_no_test_can_reach_here_are_put_in_the_apis_words(tmp_path):
    """A GPU, a disk refusing large files or links, a class name a disk refuses: the
    core's own messages, put as the API puts them."""
    with pytest.raises(ld.LabelDeskError) as err:
        resolve_runtime("openvino", "cuda")
    said = in_api_words(str(err.value))
    assert said == 'runtime="openvino" runs on the CPU only (use device="cpu")'
    too_big = OSError(errno.EFBIG, "File too large", str(tmp_path / "x.tar"))
    assert "a smaller shard_size)" in in_api_words(_os_message(too_big))
    assert 'export without link="symlink" to copy' in in_api_words(no_symlinks(tmp_path))
    said = in_api_words(_class_message(["a:b"], tmp_path, {"a:b"}, "/my p"))
    assert "for this export with class_map='a:b=a-b' (beside any renames" in said
    assert "rename them in the project (`p.rename_class('a:b', 'a-b')`)" in said
    for text in (said, in_api_words(no_symlinks(tmp_path))):
        assert not FLAG.search(text), text


def test_a_labels_files_problem_lines_are_in_the_apis_words_too(tmp_path):
    """A notebook reads ``err.problems`` line by line: the message was put in the API's
    words, its lines were not."""
    root = tmp_path / "images"
    make_imagefolder(root)
    labels = tmp_path / "l.csv"
    labels.write_text("path,x\ntrain/cat/cat0.jpg,cat\n")
    with pytest.raises(ld.LabelDeskError) as err:
        ld.new_project(tmp_path / "p", root, labels=labels, progress=False)
    assert isinstance(err.value, LabelFileError)
    (line,) = err.value.problems
    assert "rename the file's columns so" in line and not FLAG.search(line), line


def test_a_class_the_classes_argument_lacks_says_how_to_take_it(tmp_path):
    """The command line says --classes or --new-class; the API said nothing."""
    root = tmp_path / "images"
    make_imagefolder(root)
    labels = tmp_path / "l.csv"
    labels.write_text("path,label\ntrain/cat/cat0.jpg,bird\n")
    said = _said(
        lambda: ld.new_project(
            tmp_path / "p", root, labels=labels, classes=["cat", "dog"], progress=False
        )
    )
    assert said.endswith(
        "add it to classes= (['cat', 'dog', 'bird']), or leave classes= out to take "
        "every class the file names"
    )
    with ld.new_project(tmp_path / "q", root, labels=labels, progress=False) as made:
        assert "bird" in made.classes()  # the advice, followed, works


def test_a_labels_files_dash_says_the_call_that_removes_a_label(tmp_path):
    root = tmp_path / "images"
    make_imagefolder(root)
    labels = tmp_path / "l.csv"
    labels.write_text("path,label\ntrain/cat/cat0.jpg,-\n")
    said = _said(lambda: ld.new_project(tmp_path / "p", root, labels=labels, progress=False))
    assert "(`p.set_label(path, None)` removes a label)" in said


def test_what_an_interrupted_embed_kept_is_said_with_the_calls(tmp_path):
    """A notebook's interrupt (KeyboardInterrupt) while the search index is built: its
    note names the calls that build it, not the commands."""
    from labeldesk.api_words import api_words
    from labeldesk.ml.embed import INDEX_INTERRUPTED
    from labeldesk.ml.vectors import UnreadableIdentity

    @api_words
    def interrupted() -> None:
        exc = KeyboardInterrupt()
        exc.add_note(INDEX_INTERRUPTED)
        raise exc

    with pytest.raises(KeyboardInterrupt) as err:
        interrupted()
    (note,) = err.value.__notes__
    assert note.endswith("(the next `ld.embed(p)` or `ld.similar(p, …)` builds it)")
    damaged = in_api_words(str(UnreadableIdentity(tmp_path, "empty")))
    assert damaged.endswith("run `ld.embed(p, model=…)` with the model that made them to repair it")
    assert not FLAG.search(note) and not FLAG.search(damaged)


def test_a_project_folder_with_a_space_is_still_named_as_a_call(tmp_path):
    """The core writes the project's folder into its advice unquoted (`labeldesk embed
    /home/me/my proj`): a space in it kept the whole command, unreworded."""
    root = tmp_path / "images"
    make_imagefolder(root)
    with ld.new_project(tmp_path / "my proj", root, progress=False) as p:
        said = _said(lambda: ld.similar(p, "train/cat/cat0.jpg"))
        assert said == "no embeddings yet: run `ld.embed(p)` first"
        moved = tmp_path / "moved"
        shutil.move(p.root, moved)
        assert _said(lambda: p.scan(progress=False)).endswith(
            "if it moved, run `p.relocate(NEW_FOLDER)`, then `p.scan()`"
        )
        p.relocate(moved)  # the advice, followed, works
        assert p.scan(progress=False).added == 0


def test_open_project_on_what_is_no_project_names_new_project(tmp_path):
    """A file, another program's database, an image folder one level too high: each
    said the command `labeldesk new` (or `new`) makes the project."""
    import sqlite3

    root = tmp_path / "images"
    make_imagefolder(root)
    said = _said(lambda: ld.open_project(root / "train" / "cat" / "cat0.jpg"))
    assert said.endswith("a project is a folder (the one `ld.new_project` made)")
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    with sqlite3.connect(foreign / "labeldesk.db") as db:
        db.execute("CREATE TABLE recipes (name TEXT)")
    said = _said(lambda: ld.open_project(foreign))
    assert "Give the folder of a project `ld.new_project` made, or make one" in said
    high = tmp_path / "high"
    high.mkdir()
    shutil.move(root, high / "images")
    said = _said(lambda: ld.open_project(high))
    assert f"run `ld.new_project(PROJECT, '{high / 'images'}')`; `ld.new_project` refuses" in said
    with pytest.raises(ld.LabelDeskError, match="one level too high"):
        ld.new_project(tmp_path / "p1", high, progress=False)  # refused, as it says
    ld.new_project(tmp_path / "p2", high / "images", progress=False).close()  # as advised


def test_a_label_no_class_has_says_the_call_that_adds_the_class(clustered_clean):
    """A label whose class is gone from the class list (a database edited by hand):
    ld.predictions said "add the class (`labeldesk classes PROJECT --add ant`)"."""
    project = clustered_clean
    with project.db.write() as conn:
        conn.execute("DELETE FROM classes WHERE name = 'ant'")
    said = _said(lambda: ld.predictions(project))
    assert "add the class (`p.add_classes(['ant'])`) or relabel them" in said
    project.add_classes(["ant"])  # the advice, followed, works
    assert "ant" in set(ld.predictions(project).predicted)
    from labeldesk.core.vocab import known_class_codes

    with pytest.raises(ld.LabelDeskError) as err:  # a comma in a name: one name, not two
        known_class_codes(["red, fox"], ["cat"], ["a.jpg"])
    assert "(`p.add_classes(['red, fox'])`)" in in_api_words(str(err.value))


def test_a_full_disk_says_to_make_the_call_again(tmp_path, monkeypatch):
    """ld.new_project on a full disk said "free some space there and run the command
    again": a notebook ran no command."""
    from pathlib import Path

    from labeldesk.core import staging

    root = tmp_path / "images"
    make_imagefolder(root)
    real = Path.write_text

    def full(self, *args, **kwargs):  # the new project's first file: the disk is full
        if self.name == staging.MARKER:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", full)
    said = _said(lambda: ld.new_project(tmp_path / "p", root, progress=False))
    assert "; free some space there and make the call again; nothing was created" in said
    monkeypatch.setattr(Path, "write_text", real)  # space freed: the call made again works
    with ld.new_project(tmp_path / "p", root, progress=False) as made:
        assert len(made.images()) == 19


def test_the_other_run_again_advice_says_to_make_the_call_again(tmp_path):
    """The same words where no test reaches them through a call: a file refused, a
    database on a full disk, embeddings rebuilt while read, a project made on a full
    disk (named or not)."""
    import numpy as np

    from labeldesk.core.database_failures import _full_database_message
    from labeldesk.core.disk_checks import write_refused
    from labeldesk.ml.vectors import VectorStore

    hashes = [f"{i:032x}" for i in range(4)]
    with VectorStore.writer(tmp_path / "store", 4) as store:
        store.append(hashes, np.eye(4, dtype=np.float32))
    reader = VectorStore(tmp_path / "store", 4)
    with VectorStore.writer(tmp_path / "store", 4) as store:
        store.rebuild("a test")
        store.append(hashes, np.eye(4, dtype=np.float32))
    with pytest.raises(ld.LabelDeskError, match="rebuilt while being read") as rebuilt:
        reader.matrix()
    refused = OSError(errno.EACCES, "Permission denied", str(tmp_path / "x"))
    texts = [
        in_api_words(_os_message(refused)),
        in_api_words(_full_database_message(tmp_path / "labeldesk.db")),
        in_api_words(write_refused(OSError(errno.ENOSPC, "full"), tmp_path)),
        in_api_words(write_refused(OSError(errno.ENOSPC, "full"))),
        in_api_words(str(rebuilt.value)),
    ]
    assert texts[0].endswith("(yours must allow this), then make the call again")
    for text in texts[1:]:
        assert "make the call again" in text, text
    for text in texts:
        assert not FLAG.search(text), text
