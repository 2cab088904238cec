"""``labeldesk gui --smoke``: the check an installation runs (installer/test_install.sh,
check_bundle.sh) starts the real app in a fresh process, shows the window and quits."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_smoke_start_shows_the_window_and_exits(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }
    out = subprocess.run(
        [sys.executable, "-m", "labeldesk", "gui", "--smoke"],
        capture_output=True,
        text=True,
        env=env,
        timeout=240,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    line = out.stdout.strip().splitlines()[-1]
    assert line.startswith("gui ok: platform offscreen, window 'LabelDesk', ")
    assert line.endswith("visible True")
    # It ran as the app does, with this HOME's settings, but wrote none there: a copy
    # took what closing its window saves (test_smoke_leaves_the_persons_settings_…).
    assert not (tmp_path / "config" / "LabelDesk").exists()


def _smoke(tmp_path: Path, project: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path),
           "XDG_CONFIG_HOME": str(tmp_path / "config")}  # fmt: skip
    return subprocess.run(
        [sys.executable, "-m", "labeldesk", "gui", "--smoke", str(project)],
        capture_output=True,
        text=True,
        env=env,
        timeout=240,
    )


def test_smoke_on_a_project_says_it_opened_and_fails_when_it_did_not(tmp_path: Path) -> None:
    from helpers import make_imagefolder

    from labeldesk.cli import main

    images = tmp_path / "images"
    make_imagefolder(images)
    assert main(["new", str(tmp_path / "p"), "--images", str(images), "--workers", "1"]) == 0
    with_project = _smoke(tmp_path, tmp_path / "p")
    assert with_project.returncode == 0, with_project.stderr[-2000:]
    line = with_project.stdout.strip().splitlines()[-1]
    assert line.startswith("gui ok: ") and f", project {tmp_path / 'p'} (" in line
    not_a_project = _smoke(tmp_path, images)  # a folder, but no project in it
    assert not_a_project.returncode == 1
    line = not_a_project.stdout.strip().splitlines()[-1]
    assert line.startswith(f"gui: project {images} did not open: ")
    assert "gui ok" not in not_a_project.stdout


def test_smoke_with_json_prints_one_document(tmp_path: Path) -> None:
    """`gui --smoke --json` was refused ("unrecognized arguments: --json"), though every
    command takes --json: an installation check reads the same facts as one document."""
    import json

    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path),
           "XDG_CONFIG_HOME": str(tmp_path / "config")}  # fmt: skip
    not_a_project = tmp_path / "nothing here"
    not_a_project.mkdir()
    out = subprocess.run(
        [sys.executable, "-m", "labeldesk", "gui", "--smoke", str(not_a_project), "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=240,
    )
    assert out.returncode == 1, out.stderr[-2000:]
    report = json.loads(out.stdout)  # stdout holds the document alone
    assert report["platform"] == "offscreen" and report["visible"] is True
    assert (report["ok"], report["opened"], report["images"]) == (False, False, None)
    assert report["project"] == str(not_a_project) and report["why_not"]


def test_gui_json_without_smoke_is_a_usage_error(capsys) -> None:
    import json

    from labeldesk.cli import main

    assert main(["gui", "--json"]) == 2  # refused before the app (or Qt) starts
    assert json.loads(capsys.readouterr().out) == {
        "error": "--json goes with --smoke",
        "kind": "UsageError",
    }


def test_smoke_leaves_the_persons_settings_as_they_were(tmp_path: Path) -> None:
    """The README's check, `QT_QPA_PLATFORM=offscreen labeldesk gui --smoke PROJECT`,
    wrote over the person's settings: closing its window saved its offscreen size
    (760x736) as theirs, so the next real start opened that small, and put PROJECT first
    in the recent list, so the start page's Enter opened it. It reads them (as the app
    does) and now writes a copy."""
    from helpers import make_imagefolder

    from labeldesk.cli import main

    make_imagefolder(tmp_path / "images")
    assert main(["new", str(tmp_path / "p"), "--images", str(tmp_path / "images")]) == 0
    ini = tmp_path / "config" / "LabelDesk" / "LabelDesk.ini"
    ini.parent.mkdir(parents=True)
    ini.write_text("[projects]\nrecent=/their/own/project\n\n[view]\ntheme=dark\n")
    before = ini.read_bytes()
    run = _smoke(tmp_path, tmp_path / "p")
    assert run.returncode == 0, run.stderr[-2000:]
    assert ini.read_bytes() == before
    assert sorted(p.name for p in ini.parent.iterdir()) == ["LabelDesk.ini"]
