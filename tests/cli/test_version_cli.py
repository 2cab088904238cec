"""``labeldesk --version``: the version, the PyTorch build and the device, with torch
loaded only for that report."""

from __future__ import annotations

import subprocess
import sys

import pytest

import labeldesk
from labeldesk.cli import version_report


def test_version_names_the_torch_build_and_the_device() -> None:
    torch = pytest.importorskip("torch")
    from labeldesk.ml.device import resolve_device

    out = subprocess.run(
        [sys.executable, "-m", "labeldesk", "--version"], capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == f"labeldesk {labeldesk.__version__}"
    assert lines[1].startswith(f"python {sys.version.split()[0]} ")
    build = f"CUDA {torch.version.cuda} build" if torch.version.cuda else "CPU build"
    assert lines[2] == f"torch {torch.__version__} ({build})"
    assert lines[3].startswith(f"device: {resolve_device('auto')}")


def test_without_torch_the_report_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)  # import torch now raises ImportError
    lines = version_report().splitlines()
    assert lines[0] == f"labeldesk {labeldesk.__version__}"
    assert lines[2].startswith("torch: unavailable (ModuleNotFoundError")
    assert len(lines) == 3


def test_the_command_line_does_not_load_torch_or_qt() -> None:
    code = (
        "import sys; import labeldesk.cli; print('torch' in sys.modules, 'PySide6' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
