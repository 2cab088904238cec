"""A WebDataset shard cut short (a copy or download stopped) or damaged after its first
member was read as a shorter shard: Python's tarfile ends a stream quietly at a header
that is cut short or not a header, so `labeldesk import` took the labels of the samples
before the cut and said nothing of the rest. Such a shard is refused now, by name."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pytest

from labeldesk.core.errors import LabelFileError
from labeldesk.interop.formats.webdataset_read import read_shard


def write_shard(path: Path, samples: int = 6) -> int:
    """A shard of ``samples`` samples (a small .png's bytes, .cls, .json); the offset of
    the header of its fourth sample."""
    fourth = 0
    with tarfile.open(path, "w") as tar:
        for i in range(samples):
            if i == 3:
                fourth = tar.offset
            for field, data in (
                ("png", bytes([i]) * 700),
                ("cls", str(i % 2).encode()),
                ("json", json.dumps({"label": ["a", "b"][i % 2]}).encode()),
            ):
                info = tarfile.TarInfo(f"s{i:03d}.{field}")
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    return fourth


def test_a_whole_shard_is_read_whole(tmp_path):
    shard = tmp_path / "train-000000.tar"
    write_shard(shard)
    samples = read_shard(shard, ["a", "b"])
    assert len(samples) == 6 and all(s.problem is None for s in samples)


@pytest.mark.parametrize("cut", [100, 511, 0])  # into a header, short of its end, at it
def test_a_shard_cut_short_at_a_header_is_refused(tmp_path, cut):
    shard = tmp_path / "train-000000.tar"
    fourth = write_shard(shard)
    with open(shard, "r+b") as f:
        f.truncate(fourth + cut)
    with pytest.raises(LabelFileError, match="stops after 3 samples without the end a tar"):
        read_shard(shard, ["a", "b"])


def test_a_shard_cut_short_in_a_members_data_is_refused(tmp_path):
    shard = tmp_path / "train-000000.tar"
    fourth = write_shard(shard)
    with open(shard, "r+b") as f:
        f.truncate(fourth + 600)  # the header whole, its file's bytes not
    with pytest.raises(LabelFileError, match="not a readable tar file"):
        read_shard(shard, ["a", "b"])


def test_a_shard_with_other_bytes_where_a_header_should_be_is_refused(tmp_path):
    shard = tmp_path / "train-000000.tar"
    fourth = write_shard(shard)
    data = bytearray(shard.read_bytes())
    data[fourth : fourth + 512] = b"\x07" * 512  # a damaged block
    shard.write_bytes(bytes(data))
    with pytest.raises(LabelFileError, match="cut short, or damaged there"):
        read_shard(shard, ["a", "b"])


def test_import_of_a_shard_cut_short_says_so_and_changes_no_label(project, tmp_path, capsys):
    from labeldesk.cli import main

    shard = tmp_path / "train-000000.tar"
    fourth = write_shard(shard)
    with open(shard, "r+b") as f:
        f.truncate(fourth + 100)
    before = project.stats()["classes"]
    assert main(["import", str(project.path), str(shard), "--format", "webdataset"]) == 1
    said = capsys.readouterr()
    assert "train-000000.tar" in said.err and "cut short" in said.err
    assert project.stats()["classes"] == before
