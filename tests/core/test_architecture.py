"""The Qt-free core stays Qt-free, and heavy libraries are imported lazily."""

from __future__ import annotations

import subprocess
import sys
import textwrap

BLOCKER = textwrap.dedent(
    """
    import importlib, pkgutil, sys
    class Block:
        def find_spec(self, name, path=None, target=None):
            if any(name == b or name.startswith(b + ".") for b in BLOCKED):
                raise ImportError(f"blocked import of {name}")
    BLOCKED = set(sys.argv[1].split(","))
    sys.meta_path.insert(0, Block())
    import labeldesk
    for pkg in sys.argv[2].split(","):
        module = importlib.import_module(pkg)
        for info in pkgutil.walk_packages(module.__path__, pkg + "."):
            importlib.import_module(info.name)
    print("ok")
    """
)


def _import_with(blocked: str, packages: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", BLOCKER, blocked, packages],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_core_ml_interop_browse_import_without_qt_or_torch():
    result = _import_with(
        "PySide6,shiboken6,pyqtgraph,superqt,torch,timm,faiss,umap",
        "labeldesk.core,labeldesk.ml,labeldesk.interop,labeldesk.browse",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_core_depends_on_no_other_layer():
    """Data flows one way: core knows nothing of ml, interop, the CLI or the GUI."""
    result = _import_with(
        "labeldesk.ml,labeldesk.interop,labeldesk.cli,labeldesk.gui,PySide6,torch",
        "labeldesk.core",
    )
    assert result.returncode == 0, result.stderr


def test_cli_help_needs_no_heavy_imports():
    code = (
        "import sys; from labeldesk.cli import build_parser; build_parser(); "
        "heavy = {'torch', 'PySide6', 'timm', 'faiss', 'umap', 'pandas'} & set(sys.modules); "
        "print(sorted(heavy))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.stdout.strip() == "[]", result.stderr
