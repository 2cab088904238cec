from __future__ import annotations

import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# A shell without job control starts a background job (`pytest … &`, `nohup make test &`)
# with SIGINT ignored, and every process it starts inherits that: the Ctrl+C tests then
# send signals nobody hears (`labeldesk` rightly leaves an ignored SIGINT ignored). The
# suite runs as if started in a terminal; children inherit the default again.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)
# OpenMP's threads (torch's, faiss's) wait for the next parallel region by spinning, a
# few hundred thousand turns each time, on a core the test's other threads and processes
# need: on two busy cores faiss built a test's IVF index with 4-5x the CPU (3.2 s alone,
# 14 s spinning). Waiting threads sleep instead, here and in every child; the results are
# the same. Set before anything loads an OpenMP runtime, which reads it once.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
sys.path.insert(0, str(Path(__file__).parent))
import run_folders

# Exported runtime graphs (labeldesk.ml.onnx_export) go to a folder of this run, not ~/.cache.
# (Removed however the run ends, leftovers of killed runs too: tests/run_folders.py.)
if "LABELDESK_RUNTIME_CACHE" not in os.environ:
    os.environ["LABELDESK_RUNTIME_CACHE"] = run_folders.make("labeldesk-runtime-")
# `labeldesk gui` run with no terminal (a test's subprocess) writes its log to a folder of
# this run, not ~/.local/state.
if "LABELDESK_LOG_DIR" not in os.environ:
    os.environ["LABELDESK_LOG_DIR"] = run_folders.make("labeldesk-log-")

import exit_guard
import xdist_groups
from helpers import make_imagefolder
from read_only_folders import chmod_tree, permissions_bind

from labeldesk.core.create import create_and_index
from labeldesk.core.project import Project
from labeldesk.ml import child_jobs

# A job's child process runs at the test's own priority, not niced 10 as in the app (where
# the GUI thread gets a core first): on a busy machine (load ~20, every other process at
# nice 0) a niced child got ~1% of a core and an embedding test ran past pytest's 300 s.
child_jobs.CHILD_NICENESS = 0


def pytest_configure(config: pytest.Config) -> None:
    # the groups of ``make test``'s two processes (see tests/xdist_groups.py)
    if config.pluginmanager.hasplugin("xdist"):
        config.pluginmanager.register(xdist_groups.Groups(), "labeldesk-xdist-groups")


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    exit_guard.arm(session)  # a process that will not exit says why instead of hanging


@pytest.fixture
def imagefolder(tmp_path: Path) -> tuple[Path, dict[str, str | None]]:
    root = tmp_path / "images"
    return root, make_imagefolder(root)


@pytest.fixture
def project(tmp_path: Path, imagefolder) -> Project:
    root, _ = imagefolder
    proj, _ = create_and_index(tmp_path / "proj", root, workers=1)
    yield proj
    proj.close()


@pytest.fixture
def clustered(tmp_path: Path):
    """A project with synthetic clustered embeddings and two planted label errors
    (see ml/fake_embeddings.py): ``(project, flipped_paths)``."""
    from ml.fake_embeddings import make_clustered_project

    project, flipped = make_clustered_project(tmp_path)
    yield project, flipped
    project.close()


@pytest.fixture
def clustered_clean(tmp_path: Path):
    """:func:`clustered`'s project without planted label errors: the project alone."""
    from ml.fake_embeddings import make_clustered_project

    project, _ = make_clustered_project(tmp_path, flipped=0)
    yield project
    project.close()


@pytest.fixture
def clustered_project(clustered):
    """:func:`clustered`'s project alone (its two planted label errors in it), for the
    tests that do not ask which images they are."""
    return clustered[0]


@pytest.fixture
def clustered_path(tmp_path: Path) -> str:
    """:func:`clustered`'s project made afresh and closed: its path, for a test that runs
    commands on it."""
    from ml.fake_embeddings import make_clustered_project

    project, _ = make_clustered_project(tmp_path)
    project.close()
    return str(project.path)


@pytest.fixture
def make_read_only(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator:
    """``make_read_only(folder)``: the folder and everything in it made read-only for real
    (chmod), and as LabelDesk judges it where this process is root (see
    tests/read_only_folders.py); given write permission back after the test."""
    made: list[Path] = []
    simulate = not permissions_bind(tmp_path)
    real = os.access

    def access(path, mode, *args, **kwargs):
        if mode & os.W_OK and any(Path(path).resolve().is_relative_to(f) for f in made):
            return False
        return real(path, mode, *args, **kwargs)

    if simulate:
        monkeypatch.setattr(os, "access", access)

    def arm(folder: Path) -> None:
        chmod_tree(folder, writable=False)
        made.append(folder.resolve())

    yield arm
    for folder in made:
        chmod_tree(folder, writable=True)


@pytest.fixture
def as_user(monkeypatch: pytest.MonkeyPatch):
    """``as_user("bob")``: what the project writes next is bob's (LABELDESK_USER)."""

    def switch(name: str) -> None:
        monkeypatch.setenv("LABELDESK_USER", name)

    return switch


@pytest.fixture
def counted_sorts(monkeypatch):
    """The lengths of the arrays np.argsort is asked to sort (a test counts the sorts)."""
    import numpy as np

    sizes: list[int] = []
    argsort = np.argsort

    def counting(a, *args, **kwargs):
        sizes.append(len(a))
        return argsort(a, *args, **kwargs)

    monkeypatch.setattr(np, "argsort", counting)
    return sizes


@pytest.fixture
def gui_thread_sorts(monkeypatch):
    """The lengths of the arrays np.argsort is asked to sort on the main thread (the GUI
    thread: a job's sorts on its worker thread are not counted)."""
    import threading

    import numpy as np

    sizes: list[int] = []
    argsort = np.argsort

    def counting(a, *args, **kwargs):
        if threading.current_thread() is threading.main_thread():
            sizes.append(len(a))
        return argsort(a, *args, **kwargs)

    monkeypatch.setattr(np, "argsort", counting)
    return sizes
