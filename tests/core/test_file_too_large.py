"""A file that grows past what the disk's file system holds (4 GiB on FAT32, a USB
stick's usual format: a WebDataset shard of 10,000 photos) or a file-size limit fails
with EFBIG. The message says so and what to do, not Python's bare "File too large", and
the export leaves nothing behind; with room for the file, the same export succeeds."""

from __future__ import annotations

import errno
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from labeldesk.cli import main
from labeldesk.core.failures import describe

# The file-size limit makes a write fail with EFBIG, as FAT32 does past 4 GiB; in a
# child process so that the limit touches nothing else.
LIMITED_EXPORT = textwrap.dedent(
    """
    import resource, signal, sys
    from labeldesk.cli import main
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (2000, resource.RLIM_INFINITY))
    sys.exit(main(["export", *sys.argv[1:], "--json"]))
    """
)


def test_a_file_too_large_says_why_and_what_to_do():
    message = describe(OSError(errno.EFBIG, "File too large"))[0]
    assert message != "File too large"
    assert "too large" in message and "FAT32" in message and "4 GiB" in message
    assert "exFAT" in message  # what to do
    named = describe(OSError(errno.EFBIG, "File too large", "/media/usb/out/train-000000.tar"))
    assert "/media/usb/out/train-000000.tar" in named[0]


@pytest.mark.skipif(sys.platform != "linux", reason="the file-size limit stands in for FAT32")
@pytest.mark.parametrize("fmt", ["webdataset", "csv"])
def test_an_export_whose_file_is_too_large_says_so_and_leaves_nothing(
    project, tmp_path, fmt, capsys
):
    out = tmp_path / "exports" / "out"
    out.parent.mkdir()
    done = subprocess.run(
        [sys.executable, "-c", LIMITED_EXPORT, str(project.path), str(out), "--format", fmt],
        capture_output=True,
        text=True,
        cwd=Path(__file__).parents[2],
    )
    assert done.returncode == 1, done.stdout + done.stderr
    error = json.loads(done.stdout)
    assert "too large" in error["error"] and "FAT32" in error["error"], error
    assert "Traceback" not in done.stderr
    assert list(out.parent.iterdir()) == []  # no export, no staging folder
    assert main(["export", str(project.path), str(out), "--format", fmt, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["written"] > 0
