"""A label source's fingerprint (what the import dialog compares before applying rows it
read earlier): it moves when a label file in it changes, not when an image does."""

from __future__ import annotations

import os

from helpers import write_image

from labeldesk.interop.formats import source_state


def _later(path):
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))


def test_a_file_s_state_moves_when_it_is_saved_again(tmp_path):
    f = tmp_path / "labels.csv"
    f.write_text("path,label\na.jpg,cat\n")
    before = source_state(f)
    _later(f)
    assert source_state(f) != before


def test_a_folder_s_state_follows_its_label_files_one_level_down_not_its_images(tmp_path):
    ds = tmp_path / "ds"
    write_image(ds / "train" / "a.jpg", seed=1)
    (ds / "train" / "labels.json").write_text('{"labels": {}}')
    before = source_state(ds)
    _later(ds / "train" / "a.jpg")
    assert source_state(ds) == before
    _later(ds / "train" / "labels.json")
    assert source_state(ds) != before
    assert source_state(tmp_path / "missing") != before  # and never raises


def test_an_unreadable_entry_does_not_hide_an_edit_of_the_labels(tmp_path):
    ds = tmp_path / "ds"
    (ds / "data").mkdir(parents=True)
    (ds / "data" / "self.json").symlink_to("self.json")  # a link to itself: stat fails
    (ds / "labels.json").write_text('{"labels": {}}')
    for i in range(50):  # images listed before the labels, whatever the order
        (ds / "data" / f"{i}.jpg").write_bytes(b"x")
    before = source_state(ds)
    _later(ds / "labels.json")
    assert source_state(ds) != before


def test_a_split_folder_reached_through_a_link_is_followed_as_the_importer_does(tmp_path):
    real = tmp_path / "elsewhere" / "train"
    real.mkdir(parents=True)
    (real / "metadata.csv").write_text("file_name,label\na.png,cat\n")
    ds = tmp_path / "ds"
    ds.mkdir()
    (ds / "train").symlink_to(real, target_is_directory=True)
    before = source_state(ds)
    _later(real / "metadata.csv")
    assert source_state(ds) != before
