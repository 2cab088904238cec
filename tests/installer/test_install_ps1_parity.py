"""install.ps1 (Windows) takes the options install.sh takes and says the same things at
the same points. PowerShell cannot run here, so this reads the script: before, it had no
-Remove or -Help, fell back silently when the PyTorch index asked for could not be
reached, said nothing when a run stopped half-way, and -Uninstall named no settings or
cache it kept."""

from __future__ import annotations

import re
from pathlib import Path

INSTALLER = Path(__file__).resolve().parents[2] / "installer"


def _ps1() -> str:
    return (INSTALLER / "install.ps1").read_text(encoding="utf-8")


def _sh_options() -> set[str]:
    text = (INSTALLER / "install.sh").read_text(encoding="utf-8")
    loop = text[text.index("while (($#)); do") : text.index("done", text.index("while (($#))"))]
    return set(re.findall(r"(?<![\w-])--([a-z][a-z-]*)(?=\s*[|)])", loop))


def _ps1_parameters() -> set[str]:
    text = _ps1()
    block = text[text.index("param(") : text.index("\n)\n", text.index("param("))]
    names = re.findall(r"\$([A-Za-z]+)(?=\s*[=,\n]|$)", block)
    aliases = re.findall(r"Alias\('([A-Za-z]+)'\)", block)
    return {n.lower() for n in names + aliases}


def test_every_install_sh_option_has_a_parameter():
    wanted = {option.replace("-", "") for option in _sh_options()}
    assert wanted >= {"uninstall", "remove", "torch", "torchindex", "from", "python", "help"}
    assert wanted - _ps1_parameters() == set()


def test_the_same_words_at_the_same_points():
    text = _ps1()
    for words in (
        "the installation did not finish. Run the installer again to finish it",
        "Nothing was changed: run this again when it can be reached",
        "(as installed before; -Torch to choose)",
        "(as before; -TorchIndex URL|default|auto to choose)",
        "LabelDesk is uninstalled. Your projects and image folders are untouched.",
        "Kept, as yours (delete these folders to remove them too):",
        "changed since LabelDesk installed it",
        "is running from this installation",
    ):
        assert words in text, words


def test_no_double_quotes_in_python_dash_c():
    # Windows PowerShell 5.1 drops a double quote inside an argument given to python.exe
    for code in re.findall(r"-c '((?:[^']|'')*)'", _ps1()):
        assert '"' not in code, code
