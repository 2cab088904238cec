"""`labeldesk version PROJECT verify NAME OUT` with files of the export it cannot read.

Before: a WebDataset shard damaged part-way (or one whose disk gave a read error
part-way) lost every sample read before the damage: all its images were listed as not
in the export, and the report did not say which of them had been read and checked. A
shard the process may not read was an internal error (PermissionError out of the
hashing). A FIFO (or other special file) in the place of a shard or a label file was
"edited since it was exported", and a Hugging Face export's or a FiftyOne export's label
file replaced by a FIFO was passed over by `labeldesk import` (its images read as
unlabeled, exit 0) and by verify (every picture listed as given no label)."""

from __future__ import annotations

import errno
import json
import os
import tarfile
from pathlib import Path

import pytest

from cli.test_version_verify_labels import verify
from labeldesk.cli import main
from labeldesk.core import file_kinds
from labeldesk.interop import export_shards, manifest

SHARD = "train-000000.tar"
FIFO_WHY = "a FIFO (named pipe), not the file the export wrote (not opened)"


def _export(project, tmp_path, fmt: str = "webdataset") -> tuple[str, Path]:
    path, out = str(project.path), tmp_path / "out"
    assert main(["version", path, "create", "v1"]) == 0
    assert main(["export", path, str(out), "--format", fmt, "--version", "v1"]) == 0
    return path, out


def _members(shard: Path) -> list[tarfile.TarInfo]:
    with tarfile.open(shard) as tar:
        return tar.getmembers()


def _keys(members: list[tarfile.TarInfo]) -> list[str]:
    return list(dict.fromkeys(m.name.split(".")[0] for m in members))


def _hashes_of(shard: Path, keys: list[str]) -> set[str]:
    with tarfile.open(shard) as tar:
        return {
            json.loads(tar.extractfile(f"{key}.json").read())["hash"]  # type: ignore[union-attr]
            for key in keys
        }


def test_a_shard_damaged_part_way_keeps_the_samples_read_before(project, tmp_path, capsys):
    _, out = _export(project, tmp_path)
    code, before = verify(capsys, project, "v1", out)
    assert code == 0 and before["ok"]
    shard = out / SHARD
    members = _members(shard)
    keys = _keys(members)
    assert len(keys) == 8  # (train: 4 cats, 4 dogs)
    lost = _hashes_of(shard, keys[3:])
    [fourth] = [m for m in members if m.name == f"{keys[3]}.jpg"]
    data = bytearray(shard.read_bytes())
    data[fourth.offset : fourth.offset + 512] = b"\x07" * 512  # its header damaged
    shard.write_bytes(bytes(data))
    code, found = verify(capsys, project, "v1", out)
    assert code == 1 and not found["intact"]
    # the three samples before the damage are read, checked and counted; the rest named
    assert found["images"] == before["images"] - 5
    assert {row["hash"] for row in found["not_exported"]} == lost
    assert found["labels"] == [] and found["not_in_version"] == []
    [said] = [r["why"] for r in found["files"] if r["path"] == SHARD and "shard" in r["why"]]
    assert said.startswith(
        f"read as a shard up to its sample {keys[2]} (3 samples read whole and checked); "
        "the rest cannot be read: not a readable tar file"
    )
    assert any(SHARD in note and "could not be read" in note for note in found["notes"])


class _FailingPart:
    """A file that gives a read error (EIO, a disk's bad sector) past ``at`` bytes."""

    def __init__(self, stream, at: int):
        self.stream, self.at = stream, at

    def read(self, size: int = -1) -> bytes:
        if self.stream.tell() >= self.at:
            raise OSError(errno.EIO, "Input/output error")
        left = self.at - self.stream.tell()
        return self.stream.read(left if size < 0 else min(size, left))

    def fileno(self) -> int:
        return self.stream.fileno()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.stream.close()


def _read_error_in(monkeypatch, shard: Path, at: int | None) -> None:
    """Reading ``shard`` gives a read error past ``at`` bytes; None: it cannot be opened
    (no read permission; root reads a chmod'ed file anyway, so this is simulated)."""
    real = file_kinds.open_regular

    def opened(path):
        if Path(path) != shard:
            return real(path)
        if at is None:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return _FailingPart(real(path), at)

    monkeypatch.setattr(export_shards, "open_regular", opened)
    monkeypatch.setattr(manifest, "open_regular", opened)


def test_a_read_error_part_way_through_a_shard_keeps_what_was_read(
    project, tmp_path, capsys, monkeypatch
):
    _, out = _export(project, tmp_path)
    shard = out / SHARD
    members = _members(shard)
    keys = _keys(members)
    lost = _hashes_of(shard, keys[5:])
    [sixth] = [m for m in members if m.name == f"{keys[5]}.jpg"]
    _read_error_in(monkeypatch, shard, sixth.offset_data + 10)
    code, found = verify(capsys, project, "v1", out)
    assert code == 1 and not found["intact"]
    assert {row["hash"] for row in found["not_exported"]} == lost
    whys = [row["why"] for row in found["files"] if row["path"] == SHARD]
    assert "cannot be read: Input/output error" in whys
    assert any(
        w.startswith(f"read as a shard up to its sample {keys[4]} (5 samples read whole")
        and w.endswith("Input/output error")
        for w in whys
    ), whys


def test_a_shard_that_cannot_be_opened_is_named_with_why(project, tmp_path, capsys, monkeypatch):
    """Before: PermissionError out of the files' hashing, an internal error."""
    _, out = _export(project, tmp_path)
    _read_error_in(monkeypatch, out / SHARD, None)
    code, found = verify(capsys, project, "v1", out)
    assert code == 1 and not found["intact"]
    assert found["files"] == [{"path": SHARD, "why": "cannot be read: Permission denied"}]
    assert len(found["not_exported"]) == 8


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_in_a_shards_place_is_said_to_be_one(project, tmp_path, capsys):
    """Neither verify nor import opens it (opened to read, a FIFO waits for a writer)."""
    _, out = _export(project, tmp_path)
    (out / SHARD).unlink()
    os.mkfifo(out / SHARD)  # (verify never opens it: no thread needed to see it block)
    code, found = verify(capsys, project, "v1", out)
    assert code == 1 and {"path": SHARD, "why": FIFO_WHY} in found["files"]
    assert "edited since it was exported" not in {row["why"] for row in found["files"]}
    # importing the export refuses it by name (before: passed over, its samples unread)
    capsys.readouterr()
    assert main(["import", str(project.path), str(out)]) == 1
    assert "a FIFO (named pipe), not a shard (not opened)" in capsys.readouterr().err


LABEL_FILES = {
    "csv": "labels.csv",
    "parquet": "labels.parquet",
    "labelstudio": "tasks.json",
    "hf": "train/metadata.jsonl",
    "fiftyone": "train/labels.json",
}


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
@pytest.mark.parametrize("fmt", list(LABEL_FILES))
def test_a_fifo_in_a_label_files_place_is_said_to_be_one(project, tmp_path, capsys, fmt):
    """A Hugging Face export with unlabeled images writes metadata (and FiftyOne always
    its labels.json): replaced by a FIFO, it was passed over as if not there."""
    path = str(project.path)
    out = tmp_path / "out"
    assert main(["version", path, "create", "v1"]) == 0
    assert main(["export", path, str(out), "--format", fmt, "--version", "v1",
                 "--include-unlabeled"]) == 0  # fmt: skip
    label_file = out / LABEL_FILES[fmt]
    label_file.unlink()
    os.mkfifo(label_file)
    code, found = verify(capsys, project, "v1", out)
    assert code == 1 and {"path": LABEL_FILES[fmt], "why": FIFO_WHY} in found["files"]
    assert found["labels"] == [] and found["manifest"] == []
    assert any("not read back" in note for note in found["notes"])
    if fmt in ("hf", "fiftyone"):  # (the others: imported by the label file's own path)
        capsys.readouterr()
        assert main(["import", path, str(out)]) == 1
        assert "not a regular file: a FIFO (named pipe) (not opened)" in capsys.readouterr().err


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_in_the_manifests_place_is_said_to_be_one(project, tmp_path, capsys):
    """Before: 'not an export manifest LabelDesk can read (cut short, or edited)'."""
    path, out = _export(project, tmp_path, "csv")
    (out / "labeldesk-export.json").unlink()
    os.mkfifo(out / "labeldesk-export.json")
    capsys.readouterr()
    assert main(["version", path, "verify", "v1", str(out)]) == 1
    assert "labeldesk-export.json is a FIFO (named pipe), not an export manifest (not opened)" in (
        capsys.readouterr().err
    )
