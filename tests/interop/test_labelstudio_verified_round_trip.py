"""``verified`` through a real Label Studio: the image an annotator relabels there comes
back unverified, the verified images left alone stay verified, and a task left without
an annotation verifies its image only if the image still has the label it names.

fixtures/labelstudio_verified*.json are what Label Studio 1.23.2 (``pip install
label-studio``, started offline on 127.0.0.1) exported after
``scripts/labelstudio_round_trip.py`` imported LabelDesk's Label Studio export of the
project :func:`verified_project` builds and made the changes in :data:`CHANGES` through
its API, as an annotator would (session 49): its JSON export (``…verified.json``: the
tasks with an annotation, as its Export button gives them), the same with every task
(``…verified_all.json``: ``download_all_tasks=true``, with the task whose annotation was
deleted) and JSON-MIN (``…verified_min.json``). Captured unchanged; the local-files
storage served all 9 images."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from labeldesk.cli import main
from labeldesk.core.project import open_project
from tests.helpers import write_image

FIXTURES = Path(__file__).parent / "fixtures"
CAPTURED = {
    "json": FIXTURES / "labelstudio_verified.json",
    "json_all": FIXTURES / "labelstudio_verified_all.json",
    "json_min": FIXTURES / "labelstudio_verified_min.json",
}
WITH_EVERY_TASK = CAPTURED["json_all"]

EXPORT_OPTIONS = ["--include-excluded"]
# path -> (label, status) before the export
IMAGES = {
    "train/cat/edited.png": ("cat", "verified"),  # its annotation edited to dog
    "train/cat/second.png": ("cat", "verified"),  # a second annotation: dog
    "train/cat/kept.png": ("cat", "verified"),  # left alone
    "train/dog/confirmed.png": ("dog", "verified"),  # a second annotation: dog again
    "val/café/kept é.png": ("café", "verified"),  # left alone, a non-ASCII class
    "val/dog/skipped.png": ("dog", "verified"),  # a cancelled annotation: the older counts
    "val/dog/deleted.png": ("dog", "verified"),  # its annotation deleted, then relabeled
    "test/cat/plain.png": ("cat", None),  # not verified, relabeled dog
    "test/dog/excluded.png": ("dog", "excluded"),  # excluded, relabeled cat
}
CHANGES = {
    "train/cat/edited.png": {"label": "dog"},
    "train/cat/second.png": {"label": "dog", "new": True},
    "train/dog/confirmed.png": {"label": "dog", "new": True},
    "val/dog/skipped.png": {"skip": True},
    "val/dog/deleted.png": {"delete": True},
    "test/cat/plain.png": {"label": "dog"},
    "test/dog/excluded.png": {"label": "cat"},
}
# After the export, before Label Studio's export is imported, a person relabels the image
# whose task lost its annotation (relabeling a verified image unverifies it)
RELABELED_SINCE = {"val/dog/deleted.png": "cat"}
AFTER = {  # path -> (label, status) once Label Studio's export is imported
    "train/cat/edited.png": ("dog", None),
    "train/cat/second.png": ("dog", None),
    "train/cat/kept.png": ("cat", "verified"),
    "train/dog/confirmed.png": ("dog", "verified"),
    "val/café/kept é.png": ("café", "verified"),
    "val/dog/skipped.png": ("dog", "verified"),
    "val/dog/deleted.png": ("cat", None),  # its task says verified for dog, and no label
    "test/cat/plain.png": ("dog", None),
    "test/dog/excluded.png": ("cat", "excluded"),  # excluded is no judgement of the label
}


def verified_project(tmp_path: Path) -> Path:
    """The project the fixtures were captured from, as exported (before the relabel)."""
    root = tmp_path / "im"
    for seed, rel in enumerate(IMAGES, start=1):
        write_image(root / rel, size=(16, 12), fmt="PNG", seed=seed)
    path = tmp_path / "p"
    assert main(["new", str(path), "--images", str(root)]) == 0
    with open_project(path) as project:
        for status in ("verified", "excluded"):
            project.set_status([p for p, (_, s) in IMAGES.items() if s == status], status)
    return path


def relabel_since(path: Path) -> None:
    with open_project(path) as project:
        for rel, label in RELABELED_SINCE.items():
            project.set_label(rel, label)


def stored(path: Path) -> dict[str, tuple[str | None, str | None]]:
    with open_project(path) as project:
        rows = project.db.query("SELECT path, label, status FROM images")
    return {p: (label, status) for p, label, status in rows}


def test_the_project_is_the_one_the_fixtures_came_from(tmp_path):
    path = verified_project(tmp_path)
    assert stored(path) == IMAGES
    out = tmp_path / "out"
    assert main(["export", str(path), str(out), "--format", "labelstudio", *EXPORT_OPTIONS]) == 0
    ours = json.loads((out / "tasks.json").read_text(encoding="utf-8"))
    captured = json.loads(WITH_EVERY_TASK.read_text(encoding="utf-8"))
    # Label Studio keeps each task's data as LabelDesk wrote it, verified_label included
    assert sorted((t["data"] for t in captured), key=lambda d: d["path"]) == sorted(
        (t["data"] for t in ours), key=lambda d: d["path"]
    )
    relabel_since(path)
    assert stored(path)["val/dog/deleted.png"] == ("cat", None)


@pytest.mark.parametrize("kind", sorted(CAPTURED))
def test_label_studios_export_unverifies_what_the_annotator_relabeled(tmp_path, kind):
    path = verified_project(tmp_path)
    relabel_since(path)
    assert main(["import", str(path), str(CAPTURED[kind])]) == 0
    assert stored(path) == AFTER


def test_into_a_fresh_project_the_untouched_stay_verified(tmp_path):
    """The images as they were exported, without statuses: the file's statuses apply,
    those of relabeled images left out."""
    path = verified_project(tmp_path)
    with open_project(path) as project:
        project.set_status(list(IMAGES), None)
    assert main(["import", str(path), str(WITH_EVERY_TASK)]) == 0
    after = stored(path)
    assert {p for p, (_, s) in after.items() if s == "verified"} == {
        "train/cat/kept.png",
        "train/dog/confirmed.png",
        "val/café/kept é.png",
        "val/dog/skipped.png",
        "val/dog/deleted.png",  # (no annotation, and the image still has dog: verified)
    }
