"""Labels from WebDataset shards: LabelDesk's own export reads back into its project (each
sample found by the bytes it holds), shards of other tools label the images whose bytes
they hold or, re-encoded, whose file stem is the key; bad samples are listed by number."""

from __future__ import annotations

import io
import json
import tarfile

import pytest
from helpers import write_image

from labeldesk.cli import main
from labeldesk.core.errors import LabelFileError
from labeldesk.core.label_files import apply_label_rows
from labeldesk.core.project import open_project
from labeldesk.interop.formats import detect_format, read_labels


def state(project, paths):
    frame = project.images()
    found = {
        p: (lab if isinstance(lab, str) else None, s if isinstance(s, str) else None)
        for p, lab, s in zip(frame.path, frame.label, frame.split, strict=True)
    }
    return {p: found[p] for p in paths}


FILES = ["cat/a.png", "dog/a.png", "dog/b.png", "2024/c.png", "_unlabeled/d.png"]


def made(tmp_path):
    root = tmp_path / "im"
    for seed, rel in enumerate(FILES, start=1):
        write_image(root / rel, fmt="PNG", seed=seed)
    path = tmp_path / "p"
    assert main(["new", str(path), "--images", str(root)]) == 0
    return path


def shard(path, samples: dict[str, dict[str, bytes]]) -> None:
    with tarfile.open(path, "w") as tar:
        for key, members in samples.items():
            for suffix, data in members.items():
                info = tarfile.TarInfo(f"{key}.{suffix}")
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))


def test_an_export_reads_back_with_labels_splits_and_unlabeled_images(tmp_path):
    path = made(tmp_path)
    with open_project(path) as p:
        p.set_labels({"dog/a.png": "cat", "2024/c.png": "dog"})
        p.set_splits({"cat/a.png": "val", "dog/b.png": "test", "_unlabeled/d.png": "train"})
        before = state(p, FILES)
    out = tmp_path / "out"
    args = ["export", str(path), str(out), "--format", "webdataset", "--include-unlabeled"]
    assert main(args) == 0
    with open_project(path) as p:  # later mistakes, that the shards undo
        p.set_labels({"cat/a.png": "dog", "dog/a.png": "dog", "_unlabeled/d.png": "cat"})
        p.set_splits({"cat/a.png": "test", "dog/b.png": "train"})
    assert detect_format(out) == "webdataset"
    assert main(["import", str(path), str(out)]) == 0
    with open_project(path) as p:
        assert state(p, FILES) == before


def test_one_shard_reads_alone(tmp_path):
    path = made(tmp_path)
    out = tmp_path / "out"
    assert main(["export", str(path), str(out), "--format", "webdataset"]) == 0
    with open_project(path) as p:
        p.set_labels({"cat/a.png": "dog"})
    assert detect_format(out / "train-000000.tar") == "webdataset"
    assert main(["import", str(path), str(out / "train-000000.tar")]) == 0
    with open_project(path) as p:
        assert state(p, ["cat/a.png"])["cat/a.png"][0] == "cat"


def test_shards_of_another_tool_label_by_content_then_by_key(tmp_path, capsys):
    path = made(tmp_path)
    im = tmp_path / "im"
    folder = tmp_path / "shards"
    folder.mkdir()
    (folder / "classes.txt").write_text("cat\ndog\n")
    write_image(tmp_path / "re-encoded.jpg", fmt="JPEG", seed=99)
    shard(
        folder / "val-000000.tar",
        {
            "x/0001": {"png": (im / "dog/b.png").read_bytes(), "cls": b"0"},  # by content
            "x/c": {"jpg": (tmp_path / "re-encoded.jpg").read_bytes(), "cls": b"0"},  # key
            "x/0003": {"png": (im / "cat/a.png").read_bytes()},  # no label: left out
            "x/0004": {"txt": b"a caption"},  # no image: left out
        },
    )
    with open_project(path) as p:
        untouched = state(p, ["cat/a.png"])["cat/a.png"]
    assert main(["import", str(path), str(folder)]) == 0
    assert "1 image(s) were found by file name alone" in capsys.readouterr().out
    with open_project(path) as p:
        assert state(p, ["dog/b.png", "2024/c.png", "cat/a.png"]) == {
            "dog/b.png": ("cat", "val"),
            "2024/c.png": ("cat", "val"),
            "cat/a.png": untouched,
        }


def test_bad_samples_are_listed_by_number_with_shard_and_key(tmp_path):
    path = made(tmp_path)
    im = tmp_path / "im"
    folder = tmp_path / "shards"
    folder.mkdir()
    png = (im / "cat/a.png").read_bytes()
    shard(
        folder / "part.tar",
        {
            "k1": {"png": png, "cls": b"7"},  # no classes.txt
            "k2": {"png": png, "cls": b"abc"},
            "k3": {"png": png, "json": b"{not json"},
            "k4": {"png": (im / "dog/b.png").read_bytes(), "json": b'{"label": "cat"}'},
        },
    )
    _, rows = read_labels(folder)
    assert [r.label for r in rows] == ["cat"]
    problems = dict(rows.problems)
    assert "part.tar:k1: .cls gives class 7 but there is no classes.txt" in problems[1]
    assert "part.tar:k2: .cls holds 'abc', not a class index" in problems[2]
    assert "part.tar:k3: k3.json is not JSON" in problems[3]
    with open_project(path) as p:
        with pytest.raises(LabelFileError, match="sample 1"):
            apply_label_rows(p, rows)
        skipped: list[str] = []
        assert apply_label_rows(p, rows, skipped=skipped) == 1
        assert len(skipped) == 3
        assert state(p, ["dog/b.png"])["dog/b.png"][0] == "cat"


def test_a_file_that_is_not_a_tar_is_refused_with_the_reason(tmp_path):
    bad = tmp_path / "broken.tar"
    bad.write_bytes(b"this is not a tar archive" * 40)
    with pytest.raises(LabelFileError, match="not a readable tar file"):
        read_labels(bad)


def test_an_image_member_with_a_label_class_index_out_of_range(tmp_path):
    folder = tmp_path / "shards"
    folder.mkdir()
    (folder / "classes.txt").write_text("cat\n")
    write_image(tmp_path / "x.png", fmt="PNG", seed=1)
    shard(folder / "a.tar", {"k": {"png": (tmp_path / "x.png").read_bytes(), "cls": b"3"}})
    _, rows = read_labels(folder)
    assert rows.problems == [(1, "a.tar:k: .cls gives class 3, but classes.txt names 1")]
    meta = json.dumps({"label": "dog", "split": "bogus"}).encode()
    shard(folder / "a.tar", {"k": {"png": (tmp_path / "x.png").read_bytes(), "json": meta}})
    _, rows = read_labels(folder)
    assert len(rows.problems) == 1 and "unknown split 'bogus'" in rows.problems[0][1]
