"""`labeldesk outliers` ranks embedded images only; images added since the last `embed`
(often the odd ones: a new batch, a stray file) were left out without a word, where
`duplicates` says so. It now says how many are not ranked and how to embed them."""

from __future__ import annotations

import json

from helpers import write_image
from ml.fake_embeddings import make_clustered_project

from labeldesk.cli import main


def test_outliers_say_how_many_images_are_not_ranked(tmp_path, capsys):
    project, _ = make_clustered_project(tmp_path)
    path = str(project.path)
    assert main(["outliers", path, "-n", "3"]) == 0
    assert "not ranked" not in capsys.readouterr().err  # every image is embedded
    write_image(project.root / "_unlabeled/new_arrival.png", fmt="PNG", seed=999)
    project.scan()
    project.close()
    assert main(["outliers", path, "-n", "0"]) == 0
    out, err = capsys.readouterr()
    assert "new_arrival.png" not in out
    assert (
        f"note: 1 image has no embedding yet and is not ranked; run `labeldesk embed {path}`" in err
    )
    assert main(["outliers", path, "--json"]) == 0  # the document stays a list; the note
    out, err = capsys.readouterr()  # goes to stderr
    assert isinstance(json.loads(out), list) and "not ranked" in err


def test_outliers_text_begins_with_what_the_list_is(tmp_path, capsys):
    """`similar`, `issues` and `queue` name their list and its columns on the first line;
    `outliers` began with its first row."""
    project, _ = make_clustered_project(tmp_path)
    project.close()
    assert main(["outliers", str(project.path), "-n", "3"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == (
        "3 images least like any other, most unusual first: how unlike its nearest "
        "neighbours, path, [label]"
    )
    assert len(lines) == 4 and all(" unlike its neighbours  " in line for line in lines[1:])
