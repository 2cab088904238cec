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
        # a lost manifest: what is taken back, and what -Uninstall says it left
        "is not what this installer writes",
        "exists and is not LabelDesk's; left as it is",
        "(the folder deleted by hand?): nothing was removed.",
        "made by LabelDesk's installer but listed in no manifest, so not checked as",
        "without LabelDesk's installer mark (yours, or an older installer's)",
    ):
        assert words in text, words


def test_no_double_quotes_in_python_dash_c():
    # Windows PowerShell 5.1 drops a double quote inside an argument given to python.exe
    for code in re.findall(r"-c '((?:[^']|'')*)'", _ps1()):
        assert '"' not in code, code


def test_a_shortcut_is_taken_back_only_with_the_installers_mark():
    """install.sh takes back a file no manifest lists only when it carries its mark (a copy
    of the same bytes may be the user's); install.ps1 likewise, for its shortcut: the mark
    is written into every shortcut it makes, and an unlisted shortcut that starts this
    installation is taken back only when it carries it. Read from the script (PowerShell
    cannot run here)."""
    text = _ps1()
    mark = re.search(r"^\$ShortcutMark = '((?:[^']|'')*)'$", text, re.M)
    assert mark and "install.ps1" in mark.group(1)
    assert re.search(r"^\$ShortcutDescription = .*\+ \$ShortcutMark$", text, re.M)
    assert "$link.Description = $ShortcutDescription" in text
    writes = text[text.index("$writeShortcut = $true") : text.index("$link.Save()")]
    unlisted = re.findall(r"if \(\(-not \$kind\)([^{]*)\)\s*\{", writes)
    # the only unlisted case that writes the shortcut again needs both tests
    assert unlisted[0] == " -and (Test-MarkedShortcut $Shortcut) -and (Test-OurShortcut $Shortcut)"
    assert "$writeShortcut = $false" not in writes[: writes.index("elseif")]
    for rest in unlisted[1:]:
        assert "Test-OurShortcut" not in rest
    assert "return ([string]$existing.Description).EndsWith($ShortcutMark)" in text
    removal = text[text.index("function Remove-Installation") :]
    assert removal.index("Stop-Unlisted") < removal.index("Remove-Item")


def test_a_listed_shortcut_is_removed_or_replaced_only_while_marked():
    """install.sh takes back only the very command link it made (a link of the user's own
    to the same place stays); install.ps1 likewise for its shortcut: listed as
    shortcut:marked, it is removed by -Uninstall, or replaced by an upgrade, only while it
    starts this installation and carries the mark. Before, what it started was enough: a
    shortcut of the user's own put in its place went. Read from the script."""
    text = _ps1()
    listed = text[text.index("function Test-ListedShortcut") :]
    listed = listed[: listed.index("\n}\n")]
    assert "if (-not (Test-OurShortcut $Path)) { return $false }" in listed
    assert "if ($Kind -eq 'shortcut:marked') { return (Test-MarkedShortcut $Path) }" in listed
    assert "Add-Record 'shortcut:marked' $Shortcut" in text
    assert "Add-Record 'shortcut' " not in text
    removal = text[text.index("function Remove-Installation") :]
    removal = removal[: removal.index("\n}\n")]
    assert "Where-Object { $_ -match '^[\\w:]+ ' }" in removal  # the kind has a colon
    assert "if (Test-ListedShortcut $kind $path) { Remove-Item" in removal
    assert "Test-OurShortcut" not in removal
    writes = text[text.index("$writeShortcut = $true") : text.index("$link.Save()")]
    assert "elseif (-not (Test-ListedShortcut $kind $Shortcut))" in writes
    # one manifest line a path: an older "shortcut" line gives way to the new kind
    save = text[text.index("function Save-Manifest") :]
    save = save[: save.index("\n}\n")]
    assert "Select-Object -Unique" not in save and "$last[$path] = $line" in save


def _function(text: str, name: str) -> str:
    body = text[text.index(f"function {name}") :]
    return body[: body.index("\n}\n")]


def test_the_folders_it_makes_carry_the_same_note_as_install_shs():
    """install.sh writes .labeldesk-installer-made in each folder it makes outside its data
    folder, and without a manifest removes only a folder holding nothing but that note;
    install.ps1 wrote none, so nothing said which folders were its. Now it writes the same
    note outside $AppDir, takes back a folder holding it, removes the note (then the folder,
    if empty) only where nothing else is there, and without a manifest removes only such
    folders. Read from the script (PowerShell cannot run here)."""
    text = _ps1()
    sh = (INSTALLER / "install.sh").read_text(encoding="utf-8")
    name = re.search(r'^made_name="([^"]+)"$', sh, re.M)
    assert name and f"$MadeName = '{name.group(1)}'" in text
    new_folder = _function(text, "New-Folder")
    written = new_folder[new_folder.index("foreach ($d in $missing)") :]
    assert "if (Test-SaidByMade $d) {" in written
    assert "Set-Content -LiteralPath (Join-Path $d $MadeName) -Value $MadeText" in written
    assert "Add-Record 'file' (Join-Path $d $MadeName)" in written
    assert "if ((Test-MadeHere $up) -and -not (Get-RecordedKind $up)) {" in new_folder
    said = _function(text, "Test-SaidByMade")
    assert "$Dir -eq $AppDir" in said and '$Dir.StartsWith("$AppDir\\"' in said
    only = _function(text, "Test-OnlyMadeHere")
    assert "if (-not (Test-MadeHere $Dir)) { return $false }" in only

    removal = _function(text, "Remove-Installation")
    assert removal.index("Remove-MadeFolders") < removal.index("Stop-Unlisted")
    assert "if ((Split-Path -Leaf $path) -eq $MadeName) { continue }" in removal
    folders = removal[removal.index("foreach ($dir in") :]
    assert (
        "if (Test-OnlyMadeHere $dir) { Remove-Item -LiteralPath (Join-Path $dir $MadeName)"
        in folders
    )
    made = _function(text, "Remove-MadeFolders")
    check = made.index("if (-not (Test-OnlyMadeHere $dir)) { continue }")
    assert check < made.index("Remove-Item")


def test_uninstall_removes_the_apps_own_log_as_install_sh_does(monkeypatch):
    """install.sh --uninstall removes the app's own log (labeldesk.log and .log.1) and the
    folders only it was in; install.ps1 -Uninstall only named the log folder, which sits in
    %LOCALAPPDATA%\\labeldesk\\labeldesk: $AppDir itself on Windows (names ignore case), so
    after one start from the Start menu the installation's folder stayed, 'holding files
    that are not LabelDesk's'. Now it removes those two files, then Logs and the folder
    above it only when nothing else is in them, before the installation's folders, and
    names the log folder as kept only when it still exists. Read from the script
    (PowerShell cannot run here)."""
    import platformdirs.windows

    from labeldesk.cli.app_log import FILE_NAME

    # where app_log.py's user_log_dir("labeldesk") is on Windows, under %LOCALAPPDATA%
    local = "C:\\Users\\u\\AppData\\Local"
    monkeypatch.setattr(platformdirs.windows, "get_win_folder", lambda _csidl: local)
    log_dir = platformdirs.windows.Windows("labeldesk").user_log_dir.replace("/", "\\")
    assert log_dir.startswith(local + "\\")
    parent, leaf = log_dir[len(local) + 1 :].rsplit("\\", 1)
    text = _ps1()
    assert f"$AppLogRoot = Join-Path $env:LOCALAPPDATA '{parent}'" in text
    assert f"$AppLogDir = Join-Path $AppLogRoot '{leaf}'" in text
    assert "$AppDir = Join-Path $env:LOCALAPPDATA 'LabelDesk'" in text
    assert parent.split("\\")[0].lower() == "labeldesk"  # $AppDir's own name, case aside

    log = _function(text, "Remove-AppLog")
    files = log[log.index("foreach ($name in") :]
    files = files[: files.index("\n    }\n")]
    assert f"foreach ($name in '{FILE_NAME}', '{FILE_NAME}.1')" in files  # nothing else
    assert "-not (Test-Reparse $file)" in files
    assert "if ((Test-Reparse $AppLogDir) -or (Test-Reparse $AppLogRoot)) { return }" in log
    assert "-Recurse" not in log
    folders = log[log.index("foreach ($dir in $AppLogDir, $AppLogRoot)") :]
    assert folders.index("if (Get-ChildItem -LiteralPath $dir -Force) { break }") < (
        folders.index("Remove-Item -LiteralPath $dir -Force")
    )
    removal = _function(text, "Remove-Installation")
    call = removal.index("Remove-AppLog")
    assert removal.index("Remove-Item -LiteralPath $Manifest") < call
    assert call < removal.index("foreach ($dir in")
    assert removal.index("Remove-MadeFolders") < removal.index("Fail ") < call  # no manifest
    assert "$logs = $AppLogDir" in removal[call:]


def test_an_installation_folder_kept_for_the_model_cache_says_so():
    """%LOCALAPPDATA%\\labeldesk (platformdirs' folder of the model cache and the log) is
    $AppDir itself on Windows, so with a model cache -Uninstall kept $AppDir saying "it
    holds files that are not LabelDesk's (labeldesk)", though the list below it named the
    folder as LabelDesk's model cache. Now the labeldesk folder, while it holds the cache
    or the log, is named as LabelDesk's, with the words the list uses ("model cache",
    "log"); only other names are called not LabelDesk's. Read from the script."""
    removal = _function(_ps1(), "Remove-Installation")
    kept = removal[removal.index("elseif (($dir -eq $AppDir)") :]
    kept = kept[: kept.index("\n        }\n")]
    assert "$cache = Join-Path $env:LOCALAPPDATA 'labeldesk\\labeldesk\\Cache'" in removal
    assert removal.index("$cache = ") < removal.index("elseif (($dir -eq $AppDir)")
    for folder, word in (("$cache", "model cache"), ("$AppLogDir", "log")):
        test = f"if (Test-Path -LiteralPath {folder} -PathType Container)"
        assert f"{test} {{ $own += '{word}' }}" in kept
    assert "-and $_ -eq 'labeldesk'" in kept  # left out of the others while it is the app's
    assert '''"LabelDesk's $($own -join ' and ') (named below)"''' in kept
    assert "files that are not LabelDesk's ($(@($others" in kept  # only the others
    assert "($($names -join" not in kept
    # the words of the list below, as install.sh's
    assert 'Write-Host "  model cache: $cache"' in removal
    assert 'say "  model cache: $cache/labeldesk"' in (INSTALLER / "install.sh").read_text()
