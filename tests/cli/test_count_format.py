"""Counts read the same in every command's text: `new` said "2,000 images", `embed`
"2000 images embedded" and `stats` "images 2000". They follow `new` (and most commands:
core.display.counted) now: thousands with a comma. --json keeps plain numbers."""

from __future__ import annotations

from labeldesk.cli.dataset import stats_text
from labeldesk.cli.embeddings import embedded_text
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
