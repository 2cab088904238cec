"""A CSV or Parquet row that names its image by URL, as a cloud labeling service or a
bucket listing writes it (``https://bucket.s3.amazonaws.com/photos/caf%C3%A9.jpg``,
``s3://bucket/photos/a.jpg``), was "not an image in the project": LabelDesk read URLs
only in Label Studio exports. The URL's path (a web URL's unescaped, a bucket's key as
written) now finds the image by path suffix, as a Label Studio task's URL does."""

from __future__ import annotations

import json

from helpers import made_project

from labeldesk.cli import main
from labeldesk.core.project import open_project


def test_url_rows_find_their_images_by_path_suffix(tmp_path, capsys):
    path = made_project(tmp_path, ["photos/café.png", "photos/日本.png", "photos/a b.png", "x.png"])
    rows = [
        "path,label",
        "https://bucket.s3.amazonaws.com/data/photos/caf%C3%A9.png,cat",
        "https://storage.googleapis.com/bucket/photos/%E6%97%A5%E6%9C%AC.png?token=1#f,cat",
        "s3://bucket/data/photos/a b.png,dog",
        "gs://bucket/x.png,dog",
    ]
    file = tmp_path / "labels.csv"
    file.write_text("\n".join(rows) + "\n", encoding="utf-8")
    capsys.readouterr()
    code = main(["import", str(path), str(file), "--new-class", "--json"])
    assert code == 0, capsys.readouterr()
    with open_project(path) as p:
        frame = p.images()
        got = dict(zip(frame.path, frame.label, strict=True))
    assert got == {"photos/café.png": "cat", "photos/日本.png": "cat", "photos/a b.png": "dog",
                   "x.png": "dog"}  # fmt: skip


def test_a_url_naming_no_image_is_listed_with_its_path(tmp_path, capsys):
    path = made_project(tmp_path, ["photos/a.png", "b.png"])
    file = tmp_path / "labels.csv"
    file.write_text("path,label\nhttps://host/photos/zzz.png,cat\nb.png,cat\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["import", str(path), str(file), "--new-class", "--json"]) == 1
    error = json.loads(capsys.readouterr().out)["error"]
    assert "line 2: 'https://host/photos/zzz.png' is not an image in the project" in error
