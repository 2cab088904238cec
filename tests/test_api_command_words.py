"""Errors raised through the Python API name the API's arguments and calls, not the
command line's flags: ld.export's make_splits= and class_map=, ld.embed's device= and
runtime=, ld.new_project's images, classes= and labels file, a moved image folder's
p.relocate (p.scan(), ld.export, ld.embed). On the command line the same errors keep
the flags (tests/cli)."""

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

FLAG = re.compile(r"(?<![\w-])--[a-z][a-z-]+|labeldesk [a-z]+ ")


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
