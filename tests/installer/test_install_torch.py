"""Which PyTorch build install.sh installs and records, and from which index, with the
stand-in Python telling what pip installed."""

from __future__ import annotations

from .standin import REPO, linux_only, run

pytestmark = linux_only


def test_a_rerun_keeps_the_cuda_build_installed_before(tmp_path, fake_python):
    """A plain re-run after `--torch cuda` reinstalled from the CPU index: the upgrade
    switched a GPU user's LabelDesk to the CPU build."""
    home = tmp_path / "home"
    state = home / ".local/share/labeldesk/torch-build"
    run(home, "--python", str(fake_python), "--torch", "cuda", "--from", str(REPO),
        FAKE_PYPI_TORCH="1")  # fmt: skip
    assert state.read_text() == "cuda\n"
    said = run(home, "--python", str(fake_python), "--from", str(REPO), FAKE_PYPI_TORCH="1")
    assert "PyTorch: cuda build (as installed before; --torch to choose)" in said
    assert state.read_text() == "cuda\n"
    assert "whl/cpu" not in (home / ".local/share/labeldesk/venv/lib/pip-args").read_text()
    run(home, "--python", str(fake_python), "--torch", "cpu", "--from", str(REPO),
        FAKE_PYPI_TORCH="1")  # fmt: skip
    assert state.read_text() == "cpu\n"  # told otherwise


def test_the_build_pip_really_installed_is_recorded(tmp_path, fake_python):
    """With the CPU index unreachable pip installs PyPI's CUDA build, and "cpu" was
    recorded: the next re-run then "switched" builds that were already the same."""
    home = tmp_path / "home"
    said = run(home, "--python", str(fake_python), "--torch", "cpu", "--from", str(REPO),
               FAKE_PYPI_TORCH="1", FAKE_OFFLINE="1")  # fmt: skip
    assert "cannot be reached" in said
    assert "note: pip installed the cuda build of PyTorch, not the cpu build" in said
    assert (home / ".local/share/labeldesk/torch-build").read_text() == "cuda\n"
