"""What install.sh does when the index PyTorch is to come from cannot be used: an upgrade,
or an index asked for, stops with nothing changed (pip's default index would bring another
build, on Linux the CUDA one, and later runs would keep it); and how it asks an index."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest

from .standin import REPO, linux_only, run, stops

pytestmark = linux_only

ROCM = "https://download.pytorch.org/whl/rocm6.4"
UNCHANGED = "\n  Nothing was changed: run this again when it can be reached, or add --torch-index"


def snapshot(home: Path) -> dict[str, str]:
    """Every path under HOME with what it holds (a file's text, a link's target)."""
    seen = {}
    for path in sorted(home.rglob("*")):
        if path.is_symlink():
            seen[str(path)] = "-> " + str(path.readlink())
        elif path.is_file():
            seen[str(path)] = path.read_text(errors="replace")
        else:
            seen[str(path)] = "dir"
    return seen


def no_gpu(tmp_path: Path) -> str:
    """A PATH whose nvidia-smi finds no GPU (the automatic build: cpu)."""
    bin_dir = tmp_path / "nogpu"
    bin_dir.mkdir()
    (bin_dir / "nvidia-smi").write_text("#!/bin/sh\nexit 9\n")
    (bin_dir / "nvidia-smi").chmod(0o755)
    return f"{bin_dir}:/usr/bin:/bin"


def test_an_upgrade_stops_where_the_remembered_index_cannot_be_reached(tmp_path, fake_python):
    """A ROCm installation upgraded while download.pytorch.org was down: the installer said
    'cannot be reached', installed PyPI's CUDA build in its place and forgot the index."""
    home = tmp_path / "home"
    data = home / ".local/share/labeldesk"
    args = ["--python", str(fake_python), "--from", str(REPO)]
    run(home, *args, "--torch-index", ROCM, FAKE_PYPI_TORCH="1")
    before = snapshot(home)
    done = stops(home, *args, FAKE_PYPI_TORCH="1", FAKE_OFFLINE="1")
    assert (
        f"install.sh: cannot get PyTorch from {ROCM}\n  (the index this installation's PyTorch"
        " came from): [Errno -2] Name or service not known." + UNCHANGED in done.stderr
    )
    assert "default\n  to take PyTorch from pip's default index" in done.stderr
    assert "did not finish" not in done.stderr  # nothing to finish or undo
    assert snapshot(home) == before  # the new environment begun is gone, nothing else moved
    said = run(home, *args, FAKE_PYPI_TORCH="1")  # once it can be reached
    assert (data / "torch-build").read_text() == "rocm\n"
    assert f"from {ROCM} (as before;" in said


def test_an_upgrade_of_a_cpu_install_stops_rather_than_take_the_cuda_build(tmp_path, fake_python):
    home = tmp_path / "home"
    data = home / ".local/share/labeldesk"
    args = ["--python", str(fake_python), "--from", str(REPO)]
    run(home, *args, "--torch", "cpu", FAKE_PYPI_TORCH="1")
    assert (data / "torch-build").read_text() == "cpu\n"
    before = snapshot(home)
    done = stops(home, *args, FAKE_PYPI_TORCH="1", FAKE_OFFLINE="1")
    assert "whl/cpu\n  (the index this installation's PyTorch came from)" in done.stderr
    assert snapshot(home) == before
    # told to: pip's default index, and the build it gives is the one recorded
    said = run(home, *args, "--torch-index", "default", FAKE_PYPI_TORCH="1", FAKE_OFFLINE="1")
    assert "note: pip installed the cuda build of PyTorch, not the cpu build" in said
    assert (data / "torch-build").read_text() == "cuda\n"


@pytest.mark.parametrize(
    "asked",
    [["--torch-index", ROCM], ["--torch", "cpu"], ["--torch-index", "http://mirror.test/cpu"]],
    ids=["--torch-index", "--torch cpu", "a mirror"],
)
def test_a_first_install_stops_where_the_index_asked_for_cannot_be_reached(
    tmp_path, fake_python, asked
):
    """`--torch-index URL` (or `--torch cpu`, whose index that is) gave PyPI's CUDA build
    when the index was down, and no index was remembered for later runs."""
    home = tmp_path / "home"
    home.mkdir()
    done = stops(home, "--python", str(fake_python), *asked, "--from", str(REPO),
                 FAKE_PYPI_TORCH="1", FAKE_OFFLINE="1")  # fmt: skip
    owner = "where the CPU build asked for comes from" if "cpu" in asked else "the index asked for"
    assert f"({owner}): [Errno -2] Name or service not known.{UNCHANGED}" in done.stderr
    assert not any(home.iterdir())  # the folders and manifest it had made are gone


def test_a_first_install_with_nothing_asked_takes_pips_index(tmp_path, fake_python):
    """Nothing to replace and no index asked for: a working LabelDesk, with PyPI's build
    (which runs on the CPU too) recorded as what it is, and how to change it later."""
    home = tmp_path / "home"
    path = no_gpu(tmp_path)
    said = run(home, "--python", str(fake_python), "--from", str(REPO), PATH=path,
               FAKE_PYPI_TORCH="1", FAKE_OFFLINE="1")  # fmt: skip
    assert "note: no PyTorch from https://download.pytorch.org/whl/cpu ([Errno -2]" in said
    assert "can be reached: run this again with --torch cpu" in said
    data = home / ".local/share/labeldesk"
    assert (data / "torch-build").read_text() == "cuda\n"
    assert not (data / "torch-index").exists()


class Index(http.server.BaseHTTPRequestHandler):
    """A package index that serves /simple/torch/ and answers 404 everywhere else, its
    root included (as some mirrors do)."""

    asked: ClassVar[list[tuple[str, str | None]]] = []

    def do_GET(self) -> None:
        type(self).asked.append((self.path, self.headers.get("Authorization")))
        found = self.path == "/simple/torch/"
        page = b'<a href="torch-2.9.0-py3-none-any.whl">torch-2.9.0-py3-none-any.whl</a>\n'
        self.send_response(200 if found else 404)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(page if found else b"not here\n")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def index() -> Iterator[str]:
    """The address of an Index served on 127.0.0.1 while the test runs."""
    Index.asked = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Index)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("login", ["", "reader:s%40cret@"], ids=["open", "with a login"])
def test_an_index_whose_root_answers_404_is_used(tmp_path, fake_python, index, login):
    """Such a mirror was "cannot be reached" (the check asked for its root), and so was
    any index URL holding user:password (the check took the password for a port)."""
    home = tmp_path / "home"
    url = f"http://{login}{index}/simple"
    said = run(home, "--python", str(fake_python), "--torch-index", url, "--from", str(REPO),
               FAKE_PYPI_TORCH="1", FAKE_REAL_PROBE="1")  # fmt: skip
    assert "cannot" not in said
    data = home / ".local/share/labeldesk"
    assert f"--extra-index-url {url} " in (data / "venv/lib/pip-args").read_text()
    assert (data / "torch-index").read_text() == url + "\n"
    sent = "Basic cmVhZGVyOnNAY3JldA==" if login else None  # reader:s@cret
    assert Index.asked == [("/simple/torch/", sent)]


def test_an_index_without_pytorch_stops_an_install_that_asked_for_it(tmp_path, fake_python, index):
    home = tmp_path / "home"
    home.mkdir()
    url = f"http://{index}/nothing"
    done = stops(home, "--python", str(fake_python), "--torch-index", url, "--from", str(REPO),
                 FAKE_PYPI_TORCH="1", FAKE_REAL_PROBE="1")  # fmt: skip
    assert f"(the index asked for): it has no PyTorch: 404 for {url}/torch/.\n" in done.stderr
    assert not any(home.iterdir())
