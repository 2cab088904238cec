"""An image whose file changed since the last scan is not embedded, and its reason says
to rescan. `labeldesk embed 'my proj'` said "run `labeldesk scan`": without the project,
a usage error when copied, where every other hint names the project as typed. The
command line names it now, the API puts it as ``p.scan()`` and the app as its menu
(tests/gui/test_app_words.py)."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest
from helpers import write_image

import labeldesk as ld
from labeldesk.cli import main
from labeldesk.core.create import create_and_index
from labeldesk.core.errors import ScanNeeded
from labeldesk.ml import embed as embed_module

from .tiny_backbone import tiny_backbone

TYPED = "my proj"  # relative, with a space: a shell needs it quoted


@pytest.fixture
def edited(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project "my proj" (typed from ``tmp_path``) whose a.png was edited since its
    scan; 16 px, smaller than the tiny model's input, so the originals are read."""
    root = tmp_path / "images"
    for name, seed in (("a.png", 1), ("b.png", 2)):
        write_image(root / name, size=(16, 16), fmt="PNG", seed=seed)
    project, _ = create_and_index(tmp_path / TYPED, root, workers=1)
    project.close()
    write_image(root / "a.png", size=(16, 16), fmt="PNG", seed=3)  # edited since the scan
    monkeypatch.setattr(embed_module, "load_backbone", lambda spec: tiny_backbone())
    monkeypatch.chdir(tmp_path)
    return tmp_path / TYPED


def test_the_command_line_names_the_project_as_typed(edited, capsys):
    said = f"changed since the last scan; run `labeldesk scan {shlex.quote(TYPED)}`"
    assert main(["embed", TYPED, "--device", "cpu"]) == 0
    out = capsys.readouterr().out
    assert f"  a.png: {said}\n" in out and "PROJECT" not in out
    (edited / "embeddings").rename(edited.parent / "aside")  # b.png is embedded again
    assert main(["embed", TYPED, "--device", "cpu", "--json"]) == 0  # a.png is tried again
    failed = json.loads(capsys.readouterr().out)["failed"]
    assert failed == [{"path": "a.png", "reason": said}]


def test_nothing_embedded_as_every_image_changed_is_an_error_that_says_to_scan(edited, capsys):
    """A run whose every image to embed changed since the scan (a folder copied back
    with new times, files edited) embedded nothing, yet exited 0 with "0 images
    embedded": a script went on to `issues` without the vectors. Now it is an error
    (exit 1, kind ScanNeeded) that says to scan, in the command line's words, the API's
    and (tests/gui) the app's; a scan, as it says, then lets the run embed them."""
    said = (
        "nothing was embedded: the 1 image to embed changed since the last scan (a.png); "
        f"run `labeldesk scan {shlex.quote(TYPED)}` to index them as they are now, then "
        f"run `labeldesk embed {shlex.quote(TYPED)}`"
    )
    assert main(["embed", TYPED, "--device", "cpu"]) == 0  # b.png embedded, a.png not
    capsys.readouterr()
    assert main(["embed", TYPED, "--device", "cpu"]) == 1  # only a.png is left to embed
    # (after the run's progress lines: pytest's stderr is no terminal)
    assert capsys.readouterr().err.splitlines()[-1] == f"error: {said}"
    assert main(["embed", TYPED, "--device", "cpu", "--json"]) == 1
    assert json.loads(capsys.readouterr().out) == {"error": said, "kind": "ScanNeeded"}
    with ld.open_project(edited) as p:
        with pytest.raises(
            ScanNeeded, match=r"; run `p\.scan\(\)` to .*, then run `ld\.embed\(p\)`$"
        ):
            ld.embed(p, device="cpu", progress=lambda _: None)
        p.scan(workers=1)  # as it says
        report = ld.embed(p, device="cpu", progress=lambda _: None)
        assert report["failed"] == [] and report["embedded"] == 1


def test_the_api_names_its_own_call_and_following_it_embeds_the_image(edited):
    with ld.open_project(edited) as p:
        report = ld.embed(p, device="cpu", progress=lambda _: None)
        assert report["failed"] == [
            {"path": "a.png", "reason": "changed since the last scan; run `p.scan()`"}
        ]
        p.scan(workers=1)  # as it says
        report = ld.embed(p, device="cpu", progress=lambda _: None)
        assert report["failed"] == [] and report["embedded"] == 1


def test_a_file_deleted_since_the_scan_says_so_with_the_project_not_an_os_error(edited, capsys):
    """A deleted image gave "FileNotFoundError: [Errno 2] No such file or directory:
    '/abs/…/a.png'": Python's words and this machine's whole path, and no way out."""
    (edited.parent / "images" / "b.png").unlink()
    assert main(["embed", TYPED, "--device", "cpu", "--json"]) == 0
    reasons = {row["path"]: row["reason"] for row in json.loads(capsys.readouterr().out)["failed"]}
    assert reasons["b.png"] == (
        "its file is not there: moved or deleted since the last scan (on a drive that is not "
        f"plugged in: plug it in; else run `labeldesk scan {shlex.quote(TYPED)}`)"
    )
    with ld.open_project(edited) as p:
        report = ld.embed(p, device="cpu", progress=lambda _: None)
        [missing] = [row for row in report["failed"] if row["path"] == "b.png"]
        assert missing["reason"].endswith("else run `p.scan()`)")


def test_images_changed_since_the_scan_are_not_said_unreadable(edited, capsys):
    """Every file of a folder copied back with new times was "N could not be read", each
    line then saying it changed: the heading named a fault the files did not have."""
    assert main(["embed", TYPED, "--device", "cpu"]) == 0
    out = capsys.readouterr().out
    assert "could not be read" not in out
    assert "\n1 image changed since the last scan, not embedded:\n  a.png: changed" in out
