"""A class renamed or merged (by another process) while a scan runs is followed by the
rest of the scan: the scan never brings the class back under its old name."""

from __future__ import annotations

import shutil

import pytest
from helpers import write_image

from labeldesk.core import scan_writer, scanner
from labeldesk.core.project import open_project


def _labels(project, prefix: str) -> dict[str, str | None]:
    frame = project.images()
    rows = frame[frame.path.str.startswith(prefix)]
    return dict(zip(rows.path, rows.label.astype(object), strict=True))


def _elsewhere(project, op: str) -> None:
    """The class edit, made through a second connection as another process would."""
    with open_project(project.path) as other:
        if op == "rename":
            other.rename_class("cat", "feline")
        else:
            other.merge_classes("cat", "dog")


@pytest.mark.parametrize(("op", "now"), [("rename", "feline"), ("merge", "dog")])
def test_a_class_edit_during_decoding_is_followed(project, imagefolder, monkeypatch, op, now):
    root, _ = imagefolder
    for i in range(3):
        write_image(root / "train" / "cat" / f"new{i}.jpg", seed=900 + i)
    real = scanner.probe_all

    def probe_all(*args, **kwargs):
        for n, result in enumerate(real(*args, **kwargs)):
            if n == 0:
                _elsewhere(project, op)
            yield result

    monkeypatch.setattr(scanner, "probe_all", probe_all)
    assert project.scan(workers=1).added == 3
    assert "cat" not in project.classes()
    assert set(_labels(project, "train/cat/new").values()) == {now}


@pytest.mark.parametrize(("op", "now"), [("rename", "feline"), ("merge", "dog")])
def test_a_class_edit_while_moves_are_matched_is_followed(
    project, imagefolder, monkeypatch, op, now
):
    root, _ = imagefolder
    shutil.move(root / "train" / "dog" / "dog0.jpg", root / "train" / "cat" / "moved.jpg")
    real = scan_writer.hash_file
    calls = []

    def hash_file(path):
        if not calls:
            _elsewhere(project, op)
        calls.append(path)
        return real(path)

    monkeypatch.setattr(scan_writer, "hash_file", hash_file)
    assert project.scan(workers=1).moved == 1
    assert calls, "the move was matched by hash"
    assert "cat" not in project.classes()
    assert _labels(project, "train/cat/moved") == {"train/cat/moved.jpg": now}
