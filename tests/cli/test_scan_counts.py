"""`new` and `scan` count usable images as added and removed, and files that cannot be
used apart (`new` on a messy folder said "6 images … added 12")."""

from __future__ import annotations

import json
import shutil

from helpers import make_messy_folder

from labeldesk.cli import main


def test_added_and_removed_count_images_and_unusable_files_apart(tmp_path, capsys):
    messy = tmp_path / "messy"
    bad = make_messy_folder(messy)
    proj = str(tmp_path / "p")
    assert main(["new", proj, "--images", str(messy), "--workers", "1", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["images"], len(data["skipped"])) == (13, len(bad)) == (13, 7)
    assert (data["added"], data["added_skipped"]) == (13, 7)
    assert (data["removed"], data["removed_skipped"]) == (0, 0)

    shutil.rmtree(messy / "bad")  # the unusable files (and only they) go
    assert main(["scan", proj, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["removed"], data["removed_skipped"], data["images"]) == (0, 7, 13)

    shutil.rmtree(messy / "good")
    assert main(["scan", proj]) == 0
    text = capsys.readouterr().out
    assert "added 0, removed 13, changed 0" in text


def test_the_text_says_how_many_files_could_not_be_used(tmp_path, capsys):
    messy = tmp_path / "messy"
    make_messy_folder(messy)
    assert main(["new", str(tmp_path / "p"), "--images", str(messy), "--workers", "1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("13 images, 13 labeled")
    assert lines[1].startswith("added 13 (and 7 files that cannot be used), removed 0, ")


def test_a_rescan_counts_unchanged_images_and_unusable_files_apart(tmp_path, capsys):
    """A re-scan of an untouched messy folder said "13 images … unchanged 20": the seven
    files that cannot be used were counted as unchanged images."""
    messy = tmp_path / "messy"
    make_messy_folder(messy)
    proj = str(tmp_path / "p")
    assert main(["new", proj, "--images", str(messy), "--workers", "1"]) == 0
    capsys.readouterr()
    assert main(["scan", proj, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["images"], data["unchanged"], data["unchanged_skipped"]) == (13, 13, 7)
    assert main(["scan", proj]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1] == (
        "added 0, removed 0, changed 0, moved 0, unchanged 13 (and 7 files that cannot be used)"
    )


def test_the_counts_line_groups_thousands_as_the_totals_line_does(project):
    """The totals line said "1,437 images" over "added 1026, … moved 414"."""
    from labeldesk.cli.dataset import _index_output
    from labeldesk.core.scan_writer import ScanCounts

    counts = ScanCounts(added=1026, removed=2000, changed=3000, moved=4000, unchanged=5000)
    counts.unchanged_skipped = 1200
    line = _index_output(project, counts, layout=False).text.splitlines()[1]
    assert line == (
        "added 1,026, removed 2,000, changed 3,000, moved 4,000, unchanged 5,000 "
        "(and 1,200 files that cannot be used)"
    )
