"""WebDataset shards: the ``webdataset`` library reads every image back with its class,
the bytes are the originals, and the same state writes the same bytes."""

from __future__ import annotations

import json
import re
import tarfile

import pytest
from helpers import write_image

from labeldesk.core.create import create_and_index
from labeldesk.core.errors import LabelDeskError
from labeldesk.interop.export import ExportOptions, export


def shards(out):
    return sorted(p.name for p in out.glob("*.tar"))


def test_the_webdataset_library_reads_every_image_with_its_class(project, imagefolder, tmp_path):
    import webdataset as wds

    root, _ = imagefolder
    project.set_label("_unlabeled/u0.png", "dog")
    out = tmp_path / "out"
    report = export(project, out, "webdataset", ExportOptions(shard_size=3))
    assert shards(out) == [
        "test-000000.tar",
        "test-000001.tar",
        "train-000000.tar",
        "train-000001.tar",
        "train-000002.tar",
        "val-000000.tar",
        "val-000001.tar",
    ]  # fmt: skip  (train: 9 images, val and test 4, in shards of 3)
    classes = (out / "classes.txt").read_text().splitlines()
    assert classes == project.classes()
    frame = project.images().set_index("path")
    urls = [str(out / name) for name in shards(out)]
    seen = {}
    for sample in wds.WebDataset(urls, shardshuffle=False, empty_check=False):
        record = json.loads(sample["json"])
        image = sample.get("jpg", sample.get("png"))
        assert image == (root / record["path"]).read_bytes()  # never re-encoded
        assert classes[int(sample["cls"])] == record["label"] == frame.label[record["path"]]
        assert record["split"] == frame.split[record["path"]]
        assert record["hash"] == frame.hash[record["path"]]
        assert sample["__key__"].startswith(record["split"] + "-")
        seen[record["path"]] = sample["__key__"]
    assert len(seen) == report.written == 17
    assert seen["_unlabeled/u0.png"].startswith("train-")


def test_the_same_state_writes_the_same_bytes(project, tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    export(project, first, "webdataset")
    export(project, second, "webdataset")
    assert shards(first) == ["test-000000.tar", "train-000000.tar", "val-000000.tar"]
    for name in shards(first):
        assert (first / name).read_bytes() == (second / name).read_bytes()
    with tarfile.open(first / "train-000000.tar") as tar:
        members = tar.getmembers()
    assert {(m.mtime, m.uid, m.gid, m.uname, m.mode) for m in members} == {(0, 0, 0, "", 0o644)}
    names = [m.name for m in members]
    assert names[:3] == ["train-0000000.jpg", "train-0000000.cls", "train-0000000.json"]


def test_unlabeled_images_have_no_class_and_a_vanished_one_is_reported(
    project, imagefolder, tmp_path
):
    root, _ = imagefolder
    (root / "val/cat/cat0.jpg").unlink()
    out = tmp_path / "out"
    report = export(project, out, "webdataset", ExportOptions(include_unlabeled=True))
    assert [f["path"] for f in report.failed] == ["val/cat/cat0.jpg"]
    with tarfile.open(out / "unassigned-000000.tar") as tar:
        names = tar.getnames()
        record = json.loads(tar.extractfile("unassigned-0000000.json").read())
    assert names == [f"unassigned-000000{n}.{ext}" for n in range(3) for ext in ("png", "json")]
    assert record == {"path": "_unlabeled/u0.png", "label": None, "split": "unassigned",
                      "hash": record["hash"]}  # fmt: skip
    with tarfile.open(out / "val-000000.tar") as tar:
        assert len(tar.getnames()) == 3 * 3  # the other three val images


@pytest.mark.parametrize("size", [0, -1])
def test_a_bad_shard_size_writes_nothing(project, tmp_path, size):
    with pytest.raises(LabelDeskError, match="shard size"):
        export(project, tmp_path / "out", "webdataset", ExportOptions(shard_size=size))
    assert not (tmp_path / "out").exists()


def test_labeldesk_export_takes_a_shard_size(project, tmp_path):
    from labeldesk.cli import main

    project.close()
    out = tmp_path / "out"
    args = ["export", str(project.path), str(out), "--format", "webdataset", "--shard-size", "5"]
    assert main(args) == 0
    assert shards(out) == [
        "test-000000.tar",
        "train-000000.tar",
        "train-000001.tar",
        "val-000000.tar",
    ]


def test_an_image_named_without_its_extension_gets_its_formats_suffix(tmp_path):
    root = tmp_path / "images"
    long_name = "photo 1.5 megapixels of the red car parked near the old station " + "x" * 40
    write_image(root / "cat" / long_name, fmt="PNG", seed=1)  # a dot, no image extension
    write_image(root / "cat" / "b.jpeg", seed=2)
    write_image(root / "cat" / "c.jpg.bak", fmt="WEBP", seed=3)
    project, _ = create_and_index(tmp_path / "proj", root, workers=1)
    report = export(project, tmp_path / "out", "webdataset")
    assert report.failed == [] and report.written == 3
    with tarfile.open(tmp_path / "out/train-000000.tar") as tar:
        images = [m.name for m in tar.getmembers() if not m.name.endswith((".cls", ".json"))]
        data = {m.name: tar.extractfile(m).read() for m in tar.getmembers()}
    assert sorted(name.split(".", 1)[1] for name in images) == ["jpg", "png", "webp"]
    paths = {json.loads(data[n.split(".")[0] + ".json"])["path"]: n for n in images}
    assert data[paths[f"cat/{long_name}"]] == (root / "cat" / long_name).read_bytes()


def test_names_no_disk_holds_never_reach_a_shards_member_or_file_name(tmp_path):
    """A guard, not a fix (it passes on the code it was written against): WebDataset
    needs no portable-name handling (labeldesk/interop/export_portable.py) because its
    files and members are named by split and number, never by an image's or a class's
    name. Names Windows or a FAT/exFAT stick refuse, names alike but for case or Unicode
    form, and extra dots (the ``webdataset`` library cuts a key at its first dot) stay
    inside the records."""
    import unicodedata

    import webdataset as wds

    root = tmp_path / "images"
    names = ["x.y.z.png", "what?.png", "aux.png", "tail. .png", "k<e>y.png"]
    # alike but for case or Unicode form across the splits (one folder of a disk that
    # takes them for one name could not hold both)
    folders = {
        "train/a:b": [*names, "A.png", "\u00e9.png"],
        "val/x.y": [*names, "a.png", unicodedata.normalize("NFD", "\u00e9.png")],
    }
    wanted = [f"{folder}/{name}" for folder, files in folders.items() for name in files]
    for seed, path in enumerate(wanted):
        write_image(root / path, fmt="PNG", seed=seed)
    project, _ = create_and_index(tmp_path / "proj", root, workers=1)
    with project:
        report = export(project, tmp_path / "out", "webdataset", ExportOptions(shard_size=5))
    out = tmp_path / "out"
    assert report.written == len(wanted) and report.failed == []
    members = []
    for shard in shards(out):
        assert re.fullmatch(r"(train|val)-\d{6}\.tar", shard)
        with tarfile.open(out / shard) as tar:
            members += tar.getnames()
    assert all(re.fullmatch(r"(train|val)-\d{7}\.(png|cls|json)", m) for m in members)
    assert len({m.casefold() for m in members}) == len(members) == 3 * len(wanted)
    classes = (out / "classes.txt").read_text(encoding="utf-8").splitlines()
    urls = [str(out / shard) for shard in shards(out)]
    records = [json.loads(s["json"]) for s in wds.WebDataset(urls, shardshuffle=False)]
    assert sorted(r["path"] for r in records) == sorted(wanted)
    assert sorted(classes) == ["a:b", "x.y"]
