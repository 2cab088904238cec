"""LabelDesk's WebDataset shards read and written again with the ``webdataset`` library
(a relabeling pass, as a training pipeline's tooling would do it) into a new folder,
without LabelDesk's manifest: importing them brings back the changed labels and
nothing else, an image without a split keeping none."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import webdataset as wds

from labeldesk.cli import main
from labeldesk.core.project import open_project
from labeldesk.interop.export import ExportOptions, export
from tests.helpers import write_image

FILES = [
    "train/bag, leather/a b.png",
    "val/café crème/ü.png",
    "bag, leather/no split.png",  # beside the split folders: no split
    "café crème/no split é.png",
    "_unlabeled/u.png",
]


def _stored(path: Path) -> dict[str, tuple[str | None, str | None]]:
    with open_project(path) as project:
        rows = project.db.query("SELECT path, label, split FROM images")
    return {p: (label, split) for p, label, split in rows}


def test_shards_rewritten_by_webdataset_read_back_with_only_the_changes(tmp_path):
    root = tmp_path / "im"
    for seed, rel in enumerate(FILES, start=1):
        write_image(root / rel, size=(16, 12), fmt="PNG", seed=seed)
    path = tmp_path / "p"
    assert main(["new", str(path), "--images", str(root)]) == 0
    out, again = tmp_path / "out", tmp_path / "again"
    with open_project(path) as project:
        export(project, out, "webdataset", ExportOptions(include_unlabeled=True))
    again.mkdir()
    shutil.copyfile(out / "classes.txt", again / "classes.txt")
    classes = (out / "classes.txt").read_text(encoding="utf-8").splitlines()
    relabel = {"café crème/no split é.png": "bag, leather", "val/café crème/ü.png": "bag, leather"}
    for shard in sorted(out.glob("*.tar")):
        with wds.TarWriter(str(again / shard.name)) as sink:
            for sample in wds.WebDataset(str(shard), shardshuffle=False):
                record = json.loads(sample["json"])
                kept = {k: v for k, v in sample.items() if k == "__key__" or k[:2] != "__"}
                if record["path"] in relabel:
                    record["label"] = relabel[record["path"]]
                    kept["cls"] = str(classes.index(record["label"])).encode()
                kept["json"] = json.dumps(record, ensure_ascii=False).encode()
                sink.write(kept)
    before = _stored(path)
    assert before["bag, leather/no split.png"] == ("bag, leather", None)
    assert main(["import", str(path), str(again)]) == 0
    expected = {p: (relabel.get(p, label), split) for p, (label, split) in before.items()}
    assert _stored(path) == expected
