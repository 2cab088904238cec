"""Counts read the same in every command's text: `new` said "2,000 images", `embed`
"2000 images embedded" and `stats` "images 2000". They follow `new` (and most commands:
core.display.counted) now: thousands with a comma. --json keeps plain numbers."""

from __future__ import annotations

import json

from labeldesk.cli.dataset import stats_text
from labeldesk.cli.embed import embedded_text
from labeldesk.ml.embed import EmbedReport
from labeldesk.ml.unfinished import stats_with_unfinished


def test_stats_writes_thousands_as_new_does(project):
    stats, _, _ = stats_with_unfinished(project)
    stats |= {"images": 2000, "labeled": 1500, "unlabeled": 500, "excluded": 1200}
    stats["splits"] = {"train": 1200, "val": 300, "test": 0, "none": 500}
    stats["classes"]["cat"] |= {"total": 12345, "train": 10000}
    stats["skipped_by_reason"] = {"unreadable": 1001}
    lines = stats_text(stats, "all 2,000 images embedded (efficientnet_lite0)", None).splitlines()
    assert lines[0] == (
        f"images 2,000  labeled 1,500  unlabeled 500  excluded 1,200  skipped {stats['skipped']}"
    )
    assert lines[1] == "splits: train 1,200, val 300, test 0, none 500"
    cat = next(line for line in lines if line.startswith("cat "))
    assert cat.split()[1:3] == ["12,345", "10,000"]
    assert "skipped, unreadable: 1,001" in lines


def test_embed_writes_thousands_as_new_does():
    report = EmbedReport("efficientnet_lite0", "key", "cpu", embedded=2000, total=2500,
                         seconds=40.0, runtime="openvino", input_size=224)  # fmt: skip
    assert embedded_text(report, "efficientnet_lite0") == (
        "2,000 images embedded with efficientnet_lite0 at 224 px on cpu (openvino) in "
        "40.0 s (50.0 img/s); 2,500 usable images in the project"
    )
    report.embedded, report.total = 1, 1
    assert embedded_text(report, "x").startswith("1 image embedded with x")  # "1 images"


def test_export_writes_each_split_count_as_new_does():
    """`export` said "(test 900, train 3678)", and --make-splits "train 3678": the only
    counts of the summary without the comma."""
    from labeldesk.cli.export import export_text
    from labeldesk.interop.writing import ExportReport

    sizes = {"train": 3678, "val": 460, "test": 1460}
    made = {"seed": 0, "sizes": sizes, "groups_kept_together": 0, "images_in_groups": 0}
    made["max_class_deviation"] = 0.01
    report = ExportReport("/o", "imagefolder", written=5598, made_splits=made, per_split=sizes)
    lines = export_text(report, "my proj").splitlines()
    assert lines[0] == (
        "exported 5,598 images of the current labels to /o (test 1,460, train 3,678, val "
        "460); left out: nothing"
    )
    assert lines[1].startswith("splits made (seed 0): train 3,678, val 460, test 1,460; ")


def test_drift_writes_its_counts_as_new_does(project):
    """`drift` said "the project side counts 5000 distinct images" (and "2000 of the 5000
    new files", "5000 images: shift" in --history)."""
    from types import SimpleNamespace

    from labeldesk.cli.drift import _history, _text
    from labeldesk.ml.drift_history import drift_dir

    report = SimpleNamespace(
        verdict="shift", summary="Shift (large difference)", outputs=None, images=5000,
        copies_within_folder=2000, distinct_images=3000, reference_copies=2,
        reference=12000, novel=[], duplicates=[], unreadable=[],
    )  # fmt: skip
    text = _text(report, {"saved": "r.json"})
    assert "2,000 of the 5,000 new files are copies of another file in the folder" in text
    assert "the tests compare 3,000 distinct images" in text
    assert "the project side counts 12,000 distinct images" in text
    folder = drift_dir(project)
    folder.mkdir(parents=True, exist_ok=True)
    saved = {"created": "2026-12-07T06:21:47", "folder": "/new", "images": 5000, "verdict": "shift"}
    (folder / "20261207-062147-001.json").write_text(json.dumps(saved))
    (folder / "20261207-062148-001.json").write_text(json.dumps(saved | {"images": 1}))
    assert _history(project.path).text.splitlines() == [
        "2026-12-07T06:21:47  /new  5,000 images: shift",
        "2026-12-07T06:21:47  /new  1 image: shift",
    ]


def test_the_more_a_cut_list_leaves_out_is_written_as_new_does(project, tmp_path, capsys):
    """Lists cut short ended "… and 1990 more" (a labels file's problems, an undo's or a
    redo's images, skipped files, unknown paths)."""
    from labeldesk.cli import main
    from labeldesk.cli.history import _with_paths

    f = tmp_path / "fixes.csv"
    f.write_text("path,label\n" + "".join(f"gone{i}.png,cat\n" for i in range(2000)))
    project.close()
    assert main(["label", str(project.path), "--csv", str(f)]) == 1
    assert "\n  … and 1,990 more\n" in capsys.readouterr().err
    undone = _with_paths("undid “x”: 5,000 images changed back", ["a.png"] * 20, 5000)
    assert undone.splitlines()[-1] == "  … and 4,980 more"
