"""Which PyTorch build install.sh installs and records, and from which index, with the
stand-in Python telling what pip installed."""

from __future__ import annotations

from .standin import REPO, linux_only, run, uninstall

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
    """With pip's default index asked for, pip installs PyPI's CUDA build, and "cpu" was
    recorded: the next re-run then "switched" builds that were already the same."""
    home = tmp_path / "home"
    said = run(home, "--python", str(fake_python), "--torch", "cpu", "--torch-index", "default",
               "--from", str(REPO), FAKE_PYPI_TORCH="1")  # fmt: skip
    assert "note: pip installed the cuda build of PyTorch, not the cpu build" in said
    assert (home / ".local/share/labeldesk/torch-build").read_text() == "cuda\n"


ROCM = "https://download.pytorch.org/whl/rocm6.4"


def test_a_rocm_build_is_recorded_as_rocm_and_kept_with_its_index(tmp_path, fake_python):
    """A ROCm PyTorch (from --torch-index …/rocm6.4) was recorded as "cpu" (it has no CUDA
    version), and a re-run without --torch-index took the CPU index: an upgrade switched
    an AMD GPU user's LabelDesk to the CPU build."""
    home = tmp_path / "home"
    data = home / ".local/share/labeldesk"
    said = run(home, "--python", str(fake_python), "--torch-index", ROCM, "--from", str(REPO),
               FAKE_PYPI_TORCH="1")  # fmt: skip
    assert "note: pip installed the rocm build of PyTorch, not the cpu build" in said
    assert (data / "torch-build").read_text() == "rocm\n"
    assert (data / "torch-index").read_text() == ROCM + "\n"
    said = run(home, "--python", str(fake_python), "--from", str(REPO), FAKE_PYPI_TORCH="1")
    assert "PyTorch: rocm build (as installed before; --torch to choose) from " + ROCM in said
    assert "(as before; --torch-index URL|default|auto to choose)" in said
    assert f"--extra-index-url {ROCM}" in (data / "venv/lib/pip-args").read_text()
    assert (data / "torch-build").read_text() == "rocm\n"
    uninstall(home)
    assert not any(home.rglob("*"))


def test_an_mps_build_is_recorded_as_mps(tmp_path, fake_python):
    home = tmp_path / "home"
    said = run(home, "--python", str(fake_python), "--torch-index", "default", "--from",
               str(REPO), FAKE_PYPI_TORCH="mps")  # fmt: skip
    assert (home / ".local/share/labeldesk/torch-build").read_text() == "mps\n"
    assert "from pip's default index" in said


def test_the_torch_index_is_remembered_and_can_be_changed_or_cleared(tmp_path, fake_python):
    """`--torch-index URL` was used once: a plain re-run (an upgrade) took PyTorch from the
    installer's default index again."""
    home = tmp_path / "home"
    data = home / ".local/share/labeldesk"
    mirror = "http://mirror.example/whl/cpu"
    args = ["--python", str(fake_python), "--from", str(REPO)]
    run(home, *args, "--torch", "cpu", "--torch-index", mirror)  # fmt: skip
    said = run(home, *args)
    assert f"PyTorch: cpu build (as installed before; --torch to choose) from {mirror}" in said
    said = run(home, *args, "--torch-index", "default")  # another index: remembered instead
    assert "from pip's default index\n" in said
    assert (data / "torch-index").read_text() == "default\n"
    said = run(home, *args)
    assert "from pip's default index (as before;" in said
    said = run(home, *args, LABELDESK_TORCH_INDEX="auto")  # cleared: the installer's choice
    assert "from https://download.pytorch.org/whl/cpu\n" in said
    assert not (data / "torch-index").exists()
    assert "torch-index" not in (data / "install-manifest.txt").read_text()
    run(home, *args, "--torch-index", mirror)
    said = run(home, *args, "--torch", "cuda")  # a build chosen anew: not that build's index
    assert mirror not in said
    assert not (data / "torch-index").exists()
