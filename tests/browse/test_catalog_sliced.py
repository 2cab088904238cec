"""The browser's catalog of every image is read and made a slice of rows at a time (a
re-read's job at a million images held Python's lock up to 0.9 s in one call, and the
window's thread waited): the arrays are those of one read whole, also where a slice holds
only skipped files or unlabeled images (a column of NULLs only)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from helpers import make_imagefolder, make_messy_folder

from labeldesk.browse import catalog as catalog_module
from labeldesk.browse import object_arrays
from labeldesk.browse.catalog import ImageCatalog
from labeldesk.browse.image_records import ImageFilter
from labeldesk.core.create import create_and_index
from labeldesk.core.image_frame import image_frame

ARRAYS = (
    "ids", "paths", "hashes", "labels", "label_codes", "splits", "statuses", "split_codes",
    "status_codes", "widths", "heights", "sizes", "formats", "skip_reasons", "usable",
)  # fmt: skip


def test_a_catalog_read_in_slices_is_the_one_read_whole(tmp_path: Path, monkeypatch):
    root = tmp_path / "images"
    make_imagefolder(root)
    make_messy_folder(root / "messy")  # skipped files: no size, format or hash
    project, _ = create_and_index(tmp_path / "proj", root, workers=1)
    try:
        frame = image_frame(project)
        whole = ImageCatalog(frame, frame.attrs["classes"], frame.attrs.get("class_colours"))
        assert (~whole.usable).sum() >= 3 and (whole.label_codes == -1).sum() >= 3
        made: list[int] = []
        records = pd.DataFrame.from_records

        def counted(rows, *args, **kwargs):
            made.append(len(rows))
            return records(rows, *args, **kwargs)

        monkeypatch.setattr(pd.DataFrame, "from_records", counted)
        for size in (2, 3, 7):
            monkeypatch.setattr(catalog_module, "SLICE_ROWS", size)
            monkeypatch.setattr(object_arrays, "SLICE_ROWS", size)
            made.clear()
            sliced = ImageCatalog.load(project)
            assert max(made) <= size and sum(made) == len(whole)  # (a slice at a time)
            for name in ARRAYS:
                got, want = getattr(sliced, name), getattr(whole, name)
                assert got.dtype == want.dtype, name
                assert got.tolist() == want.tolist(), name
            assert sliced.classes == whole.classes and sliced.colours == whole.colours
            assert sliced._lower_paths.tolist() == whole._lower_paths.tolist()
            for show in ("all", "unlabeled", "skipped"):
                wanted = ImageFilter(show=show)
                assert sliced.filter(wanted).tolist() == whole.filter(wanted).tolist(), show
    finally:
        project.close()


def test_edited_files_are_found_a_slice_at_a_time(tmp_path: Path, monkeypatch):
    root = tmp_path / "images"
    make_imagefolder(root)
    project, _ = create_and_index(tmp_path / "proj", root, workers=1)
    try:
        older = ImageCatalog.load(project)
        newer = ImageCatalog.load(project)
        edited = [1, 4, 5, len(older) - 1]
        for position in edited:
            older.hashes[position] = "other"
        monkeypatch.setattr(catalog_module, "SLICE_ROWS", 2)
        assert newer.edited_since(older).tolist() == newer.ids[edited].tolist()
    finally:
        project.close()
