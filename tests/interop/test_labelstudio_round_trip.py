"""LabelDesk -> Label Studio -> LabelDesk, with a real server's export.

fixtures/labelstudio_round_trip.json and labelstudio_round_trip_min.json are what Label
Studio 1.23.2 (``pip install label-studio``, started offline on 127.0.0.1) exported,
as JSON and JSON-MIN, after ``scripts/labelstudio_round_trip.py`` imported LabelDesk's
Label Studio export of the project :func:`awkward_project` builds (and the config) and
made the changes in :data:`CHANGES` through its API, as an annotator would. Captured
unchanged (session 47); the local-files storage served every image (13 of 13 here, 95
of 95 in the larger check README describes)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from labeldesk.cli import main
from labeldesk.core.project import open_project
from labeldesk.interop.export import ExportOptions, export
from tests.helpers import write_image

FIXTURES = Path(__file__).parent / "fixtures"
CAPTURED = {
    "json": FIXTURES / "labelstudio_round_trip.json",
    "json_min": FIXTURES / "labelstudio_round_trip_min.json",
}

# Class names with spaces, unicode, commas and quotes; file names with spaces, unicode,
# '#', '%20' and no extension; images without a split (top-level class folders beside
# the split folders), unlabeled ones, and two files of the same bytes.
FILES = [
    "train/café crème/my photo (1).png",
    "train/bag, leather/a,b.png",
    "train/bag, leather/skip me.png",
    'test/say "hi"; it\'s/#hash%20 x.png',
    "val/日本語/日本 写真.png",
    "val/日本語/deleted.png",
    "T-shirt top/nosplit one.png",
    "T-shirt top/ünïcode 2.png",
    "_unlabeled/unl a.png",
    "_unlabeled/ñ b.png",
    "train/007/noext",
    "train/café crème/twin.png",
    "val/bag, leather/twin.png",  # the same bytes as train/café crème/twin.png
]
CHANGES = {
    "train/café crème/my photo (1).png": {"label": "bag, leather"},  # its annotation edited
    "val/日本語/日本 写真.png": {"label": 'say "hi"; it\'s', "new": True},  # a second one
    "T-shirt top/ünïcode 2.png": {"label": "日本語"},  # an image without a split
    "_unlabeled/unl a.png": {"label": "café crème"},  # unlabeled: a first annotation
    "train/007/noext": {"label": "T-shirt top"},
    "val/bag, leather/twin.png": {"label": "007"},  # one of two copies
    "train/bag, leather/skip me.png": {"skip": True},  # cancelled: the older one counts
    "val/日本語/deleted.png": {"delete": True},  # no annotation left: the label stays
}
LABELS_NOW = {  # project path -> label after the round trip (the images whose label changes)
    "train/café crème/my photo (1).png": "bag, leather",
    "val/日本語/日本 写真.png": 'say "hi"; it\'s',
    "T-shirt top/ünïcode 2.png": "日本語",
    "_unlabeled/unl a.png": "café crème",
    "train/007/noext": "T-shirt top",
    "val/bag, leather/twin.png": "007",
}


def awkward_project(tmp_path: Path) -> Path:
    """The project the fixtures were captured from (same paths; the bytes do not matter
    to a Label Studio import, but the twins share theirs)."""
    root = tmp_path / "im"
    for seed, rel in enumerate(FILES, start=1):
        write_image(root / rel, size=(16, 12), fmt="PNG", seed=seed)
    shutil.copyfile(root / "train/café crème/twin.png", root / "val/bag, leather/twin.png")
    path = tmp_path / "p"
    assert main(["new", str(path), "--images", str(root)]) == 0
    with open_project(path) as project:
        project.set_status(["train/bag, leather/a,b.png"], "verified")
    return path


def stored(path: Path) -> dict[str, tuple[str | None, str | None, str | None]]:
    """Each image's label, split and status as the database holds them (the split of an
    image that has none is None here, not the train it counts in)."""
    with open_project(path) as project:
        rows = project.db.query("SELECT path, label, split, status FROM images")
    return {p: (label, split, status) for p, label, split, status in rows}


def test_the_project_is_the_one_the_fixtures_came_from(tmp_path):
    """The tasks Label Studio exported name this project's images, and LabelDesk's export
    of it still writes what Label Studio was given (the no-split mark included)."""
    path = awkward_project(tmp_path)
    with open_project(path) as project:
        export(project, tmp_path / "out", "labelstudio", ExportOptions(include_unlabeled=True))
    written = json.loads((tmp_path / "out/tasks.json").read_text(encoding="utf-8"))
    captured = json.loads(CAPTURED["json"].read_text(encoding="utf-8"))
    # (the capture predates data.verified_label, the label a verified image's status was
    # given for: Label Studio keeps data's keys as given, as status and no_split show)
    ours = {
        t["data"]["path"]: {k: v for k, v in t["data"].items() if k != "verified_label"}
        for t in written
    }
    for task in captured:  # (Label Studio's default export: the annotated tasks)
        assert task["data"] == ours[task["data"]["path"]]
    assert {p for p, d in ours.items() if d.get("no_split")} == {
        "T-shirt top/nosplit one.png",
        "T-shirt top/ünïcode 2.png",
    }


@pytest.mark.parametrize("kind", sorted(CAPTURED))
def test_label_studios_export_brings_back_the_changes_and_nothing_else(tmp_path, kind):
    """The annotator's changes arrive; every other image keeps its label, split (none,
    for the two top-level images, not the train they were written as) and status."""
    path = awkward_project(tmp_path)
    before = stored(path)
    assert before["T-shirt top/nosplit one.png"][1] is None  # (the scanner gave no split)
    assert main(["import", str(path), str(CAPTURED[kind])]) == 0
    after = stored(path)
    expected = {
        p: (LABELS_NOW[p], *rest) if p in LABELS_NOW else (label, *rest)
        for p, (label, *rest) in before.items()
    }
    assert after == expected
