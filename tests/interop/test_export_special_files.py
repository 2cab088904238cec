"""An image replaced since the scan by a FIFO (or another file that is not a regular
one) is left out of an export with its reason: opening a FIFO to copy it waited for a
writer that never came, and the export hung."""

from __future__ import annotations

import json
import os
import sys

import pytest

from labeldesk.cli import main
from labeldesk.core.file_kinds import NOT_REGULAR, NotRegularFile
from labeldesk.core.imageio import load_rgb, probe_file
from labeldesk.core.indexed_files import hash_file

pytestmark = [
    pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here"),
    pytest.mark.timeout(60),
]


@pytest.mark.parametrize("fmt", ["csv", "imagefolder", "webdataset"])
@pytest.mark.parametrize("link", [[], ["--hardlink"]])
def test_an_image_replaced_by_a_fifo_is_left_out_not_waited_for(
    project, imagefolder, tmp_path, capsys, fmt, link
):
    root, _ = imagefolder
    fifo = root / "train/cat/cat0.jpg"
    fifo.unlink()
    os.mkfifo(fifo)
    out = tmp_path / "out"
    assert main(["export", str(project.path), str(out), "--format", fmt, *link, "--json"]) == 0
    done = json.loads(capsys.readouterr().out)
    [failed] = done["failed"]
    assert failed["path"] == "train/cat/cat0.jpg"
    assert failed["reason"] in (
        NOT_REGULAR,
        "its file changed since it was indexed (rescan the project)",
    )


def test_reading_a_fifo_as_an_image_refuses_at_once(tmp_path):
    fifo = tmp_path / "x.png"
    os.mkfifo(fifo)
    assert probe_file(str(fifo)).skip_reason == NOT_REGULAR
    with pytest.raises(NotRegularFile):
        hash_file(fifo)
    with pytest.raises(NotRegularFile):
        load_rgb(fifo)
    with pytest.raises(IsADirectoryError):
        hash_file(tmp_path)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux device files")
def test_a_device_is_not_read_as_an_image():
    with pytest.raises(NotRegularFile):
        hash_file("/dev/zero")  # would never end
