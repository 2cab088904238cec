"""What the Python API's long calls show, wherever they run. A script run with its output
sent to a file (`python embed.py > log 2>&1`) printed nothing until `ld.embed` ended, and
a notebook without ipywidgets showed nothing but tqdm's warning: the calls now print
plain lines there (on stdout in a notebook, which shows stderr as an error's block), a
widget in a notebook that has ipywidgets, and nothing at all with `progress=False`."""

from __future__ import annotations

import sys
import types
from typing import ClassVar

import pytest

import labeldesk as ld
from labeldesk.core import progress_bar
from labeldesk.core.progress import Progress
from labeldesk.core.progress_bar import TerminalProgress
from labeldesk.ml.duplicates import PHASES


@pytest.fixture
def no_terminal(monkeypatch):
    """stderr is a file or a pipe (as under pytest), outside any notebook."""
    monkeypatch.setattr(progress_bar, "stderr_is_terminal", lambda: False)


@pytest.fixture
def jupyter(monkeypatch):
    """Running in a Jupyter kernel, as tqdm and LabelDesk recognise one."""

    class ZMQInteractiveShell:
        pass

    ipython = types.ModuleType("IPython")
    ipython.get_ipython = ZMQInteractiveShell  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "IPython", ipython)
    monkeypatch.setitem(sys.modules, "ipykernel", types.ModuleType("ipykernel"))
    monkeypatch.setattr(progress_bar, "stderr_is_terminal", lambda: False)  # as ipykernel's


def test_an_export_in_a_script_logging_to_a_file_prints_lines(
    clustered, tmp_path, no_terminal, capsys
):
    project, _ = clustered
    ld.export(project, tmp_path / "out")
    ld.duplicates(project)
    said = capsys.readouterr()
    assert "exporting: 105/105 images (100%)" in said.err.splitlines()
    # the duplicate search's steps: they said "0/5 images" … "5/5 images"
    assert f"done: {len(PHASES)}/{len(PHASES)} steps (100%)" in said.err.splitlines()
    assert " images" not in said.err.split("perceptual hashes")[1]
    assert said.out == ""


def test_a_scan_from_a_script_says_what_it_did_in_a_log(project, no_terminal, capsys):
    (project.root / "train").rename(project.root / "training")  # something to index again
    counts = project.scan()
    err = capsys.readouterr().err.splitlines()
    assert counts.moved and err[0] == "listing files" and err[-1].startswith("done")


def test_progress_false_shows_nothing(clustered, tmp_path, no_terminal, capsys):
    project, _ = clustered
    report = ld.export(project, tmp_path / "out", progress=False)
    assert report["written"] == 105
    ld.duplicates(project, progress=False)
    project.scan(progress=False)
    assert capsys.readouterr() == ("", "")


@pytest.mark.parametrize("bad", ["yes", 1, object()])
def test_a_progress_that_is_no_function_is_refused_before_any_work(clustered, tmp_path, bad):
    project, _ = clustered
    with pytest.raises(ld.BadArgument, match="progress must be None"):
        ld.export(project, tmp_path / "out", progress=bad)
    assert not (tmp_path / "out").exists()
    with pytest.raises(ld.BadArgument, match="progress must be None"):
        project.scan(progress=bad)


def test_a_notebook_without_ipywidgets_gets_lines_on_stdout(jupyter, monkeypatch, capsys):
    monkeypatch.setattr("tqdm.notebook.IProgress", None)
    now = [0.0]
    with TerminalProgress(notebook=True, clock=lambda: now[0]) as shown:
        shown(Progress(0, 0, "loading model"))
        shown(Progress(0, 60, "embedding"))
        for done in range(1, 61):
            now[0] += 0.5  # 30 s in all: a line every 10 s, not 60
            shown(Progress(done, 60, "embedding"))
    said = capsys.readouterr()
    assert said.err == ""
    lines = said.out.splitlines()
    assert lines[:2] == ["loading model", "embedding: 0/60 images (0%)"]
    assert [line.split(",")[0] for line in lines[2:]] == [
        "embedding: 20/60 images (33%)",
        "embedding: 40/60 images (67%)",
        "embedding: 60/60 images (100%)",
    ]


class Bar:
    """tqdm's bar, or its notebook widget: what it was made with."""

    made: ClassVar[list[tuple[str, dict]]] = []
    kind = "bar"

    def __init__(self, **kwargs):
        self.made.append((self.kind, kwargs))
        self.n, self.total, self.bar_format = 0, kwargs["total"], kwargs.get("bar_format")

    def update(self, n):
        self.n += n

    def set_postfix_str(self, *_, **__):
        pass

    def close(self):
        pass


class Widget(Bar):
    kind = "widget"


@pytest.fixture
def bars(monkeypatch) -> list[tuple[str, dict]]:
    Bar.made = []
    monkeypatch.setattr("tqdm.tqdm", Bar)
    monkeypatch.setattr("tqdm.notebook.tqdm", Widget)
    return Bar.made


def test_a_notebook_with_ipywidgets_gets_tqdms_widget(jupyter, bars, monkeypatch, capsys):
    monkeypatch.setattr(progress_bar, "notebook_widgets", lambda: True)
    with TerminalProgress(notebook=True) as shown:
        shown(Progress(0, 0, "loading model"))
        shown(Progress(54, 54, "embedding"))
    assert [(kind, m["desc"], m["leave"]) for kind, m in bars] == [
        ("widget", "loading model", False),  # gone once the next phase starts
        ("widget", "embedding", True),  # "embedding 100% 54/54" stays under the cell
    ]
    assert capsys.readouterr() == ("", "")


def test_a_script_in_a_terminal_gets_a_bar_that_goes_when_done(bars, monkeypatch, capsys):
    monkeypatch.setattr(progress_bar, "stderr_is_terminal", lambda: True)
    with TerminalProgress(notebook=True) as shown:
        shown(Progress(54, 54, "embedding"))
    assert [(kind, m["desc"], m["leave"]) for kind, m in bars] == [("bar", "embedding", False)]
    assert capsys.readouterr() == ("", "")


def test_a_step_that_counts_nothing_shows_its_time_not_zero_images(bars, monkeypatch):
    # "loading model efficientnet_lite0: 0img [00:03, ?img/s]", in a terminal and a notebook
    monkeypatch.setattr(progress_bar, "stderr_is_terminal", lambda: True)
    with TerminalProgress() as shown:
        shown(Progress(0, 0, "loading model"))
        shown(Progress(0, 0, "embedding"))
        [(_, loading), (_, embedding)] = bars
        assert loading["bar_format"] == embedding["bar_format"] == "{desc} ({elapsed}{postfix})"
        shown(Progress(3, 10, "embedding"))  # its count known now: tqdm's usual bar
        assert len(bars) == 2 and shown._bar.bar_format is None


def test_a_jobs_last_step_in_a_notebook_is_a_line_not_a_bar(jupyter, bars, monkeypatch, capsys):
    """A scan's last report ("done") stayed under the cell as a counted widget, drawn
    before its update: "done: 0/54 …"."""
    monkeypatch.setattr(progress_bar, "notebook_widgets", lambda: True)
    with TerminalProgress(notebook=True) as shown:
        shown(Progress(54, 54, "indexing"))
        shown(Progress(54, 54, "done"))
    assert [m["desc"] for _, m in bars] == ["indexing"]
    assert capsys.readouterr().out == "done\n"
