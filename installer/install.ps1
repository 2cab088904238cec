<#
.SYNOPSIS
Install LabelDesk for the current user on Windows: a private virtual environment in
%LOCALAPPDATA%\LabelDesk and a Start-menu shortcut. Re-running upgrades in place.

.DESCRIPTION
  powershell -ExecutionPolicy Bypass -File installer\install.ps1                 install or upgrade from this checkout
  powershell -ExecutionPolicy Bypass -File installer\install.ps1 -From X.whl     install from a wheel
  powershell -ExecutionPolicy Bypass -File installer\install.ps1 -Torch cpu|cuda choose the PyTorch build (default: the one
                                                                                 installed before, else auto)
  powershell -ExecutionPolicy Bypass -File installer\install.ps1 -TorchIndex URL take PyTorch from another index (remembered)
  powershell -ExecutionPolicy Bypass -File installer\install.ps1 -Uninstall      remove what it created, nothing else
                                                                                 (-Remove is the same)
  powershell -ExecutionPolicy Bypass -File installer\install.ps1 -Help           this text

Options (and environment variables), as installer/install.sh takes them:
  -Torch auto|cpu|cuda   auto: cuda when an NVIDIA graphics card is present, else cpu; left
                         out, an upgrade keeps the build installed before
  -TorchIndex URL        (LABELDESK_TORCH_INDEX) package index for the PyTorch build; "default"
                         uses pip's own index (on Windows the CPU build); "auto" the
                         installer's choice: https://download.pytorch.org/whl/cu130 for the
                         CUDA build, else pip's own. Left out, an upgrade keeps the index the
                         kept build came from.
  -Python PATH           (PYTHON) the Python 3.10+ that creates the environment
  -From FILE.whl         install from a wheel (or another checkout)
  LABELDESK_TORCH_SPEC   extra requirements resolved with LabelDesk (e.g. a pinned torch)

Settings (%APPDATA%\LabelDesk), the model cache and projects are never touched. What an
installation created is listed in install-manifest.txt, and -Uninstall removes exactly that
(a folder it created only when empty) and the app's own log (labeldesk.log, labeldesk.log.1
in %LOCALAPPDATA%\labeldesk\labeldesk\Logs), then names the settings and model cache it
keeps (and a log folder holding anything else). A
Start-menu shortcut LabelDesk.lnk that is not the installer's (yours, or one you pointed
elsewhere) is never replaced or removed. The shortcut the installer writes carries a mark
(its comment ends "(installed by LabelDesk's install.ps1)"): with the manifest gone (the
folder deleted by hand) a run takes back only a marked shortcut that starts this
installation, and -Uninstall removes nothing and names what it left. A listed shortcut is
removed or replaced only while it still carries the mark and starts this installation: one
of your own put in its place, even starting LabelDesk the same way, stays. When the PyTorch
index asked for (or the one the installed build came from) cannot be reached, the run
stops and changes nothing. While LabelDesk runs from this installation an upgrade or
-Uninstall changes nothing: it names LabelDesk's processes and, run from a console, waits
for them to be closed. Unlike install.sh, an upgrade replaces the environment in place.
#>
[CmdletBinding()]
param(
    [Alias('Remove')][switch]$Uninstall,
    [switch]$Help,
    # '' (left out): the build installed before, else auto
    [ValidateSet('auto', 'cpu', 'cuda')][string]$Torch = '',
    [string]$TorchIndex = $env:LABELDESK_TORCH_INDEX,
    [string]$From = '',
    [string]$Python = $env:PYTHON
)
# Windows PowerShell 5.1 compatible: no ternary, no ??, no && between commands.
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3

$AppDir = Join-Path $env:LOCALAPPDATA 'LabelDesk'
$Venv = Join-Path $AppDir 'venv'
$VenvPython = Join-Path $Venv 'Scripts\python.exe'
$VenvPythonW = Join-Path $Venv 'Scripts\pythonw.exe'
$Manifest = Join-Path $AppDir 'install-manifest.txt'
$TorchState = Join-Path $AppDir 'torch-build'
$IndexState = Join-Path $AppDir 'torch-index'
$Uninstaller = Join-Path $AppDir 'install.ps1'
$Shortcut = Join-Path ([Environment]::GetFolderPath('Programs')) 'LabelDesk.lnk'
$ShortcutArguments = '-m labeldesk gui'
# The mark the installer's shortcut carries (at the end of its comment): without a manifest
# line, only a marked shortcut is ever taken for LabelDesk's, as install.sh takes only files
# with its mark. A shortcut of the user's own may start LabelDesk the same way.
$ShortcutMark = '(installed by LabelDesk''s install.ps1)'
$ShortcutDescription = 'Label images, find mislabels and export clean datasets, offline ' + $ShortcutMark
$Created = New-Object System.Collections.Generic.List[string]
$script:Began = $false     # something of this run's is on disk: a stop says what to do
$script:Finished = $false
$script:Said = $false

if ($Help) { Get-Help -Detailed $PSCommandPath; exit 0 }

function Write-NotFinished {
    # A run that stops after it began changing things (an error, Ctrl-C) lists what it made
    # and says what to do next, once.
    if ((-not $script:Began) -or $script:Finished -or $script:Said) { return }
    $script:Said = $true
    try { Save-Manifest } catch { }
    $undo = "`"$PSCommandPath`""
    if (Test-Path -LiteralPath $Uninstaller) { $undo = "`"$Uninstaller`"" }
    Write-Host 'install.ps1: the installation did not finish. Run the installer again to finish it' -ForegroundColor Red
    Write-Host "  (what is done is kept), or remove what it made: powershell -ExecutionPolicy Bypass -File $undo -Uninstall" -ForegroundColor Red
}

function Fail([string]$Message) {
    Write-Host "install.ps1: $Message" -ForegroundColor Red
    Write-NotFinished
    exit 1
}

# One "KIND PATH" line per thing this installer created: file (in its own folder),
# shortcut:marked (removed only while it still carries the mark and starts this
# installation's LabelDesk; plain "shortcut" from installers before the mark: by what it
# starts only), dir (removed when empty) or tree (a folder wholly ours: the environment).
function Add-Record([string]$Kind, [string]$Path) { $Created.Add("$Kind $Path") }

function Get-RecordedKind([string]$Path) {
    # The manifest's KIND for $Path ('' when not listed; this run's entries last).
    $lines = @()
    if (Test-Path -LiteralPath $Manifest) { $lines += Get-Content -LiteralPath $Manifest }
    $lines += $Created
    $found = ''
    foreach ($line in $lines) {
        $kind, $path = $line -split ' ', 2
        if ($path -eq $Path) { $found = $kind }
    }
    return $found
}

function Test-OurShortcut([string]$Path) {
    # Does the shortcut at $Path still start this installation (target and arguments)? Its
    # bytes are no test: Windows rewrites a shortcut's tracking data on its own.
    if (-not (Test-Path -LiteralPath $Path -PathType Leaf)) { return $false }
    try { $existing = (New-Object -ComObject WScript.Shell).CreateShortcut($Path) }
    catch { return $false }
    return ($existing.TargetPath -eq $VenvPythonW) -and ($existing.Arguments -eq $ShortcutArguments)
}

function Test-MarkedShortcut([string]$Path) {
    # Does the shortcut at $Path carry the installer's mark (see $ShortcutMark)?
    if (-not (Test-Path -LiteralPath $Path -PathType Leaf)) { return $false }
    try { $existing = (New-Object -ComObject WScript.Shell).CreateShortcut($Path) }
    catch { return $false }
    return ([string]$existing.Description).EndsWith($ShortcutMark)
}

function Test-ListedShortcut([string]$Kind, [string]$Path) {
    # Is the shortcut at $Path still the one the manifest's $Kind says the installer wrote?
    # What it starts is no proof alone: a shortcut of the user's own put in its place may
    # start LabelDesk the same way, and carries no mark.
    if (-not (Test-OurShortcut $Path)) { return $false }
    if ($Kind -eq 'shortcut:marked') { return (Test-MarkedShortcut $Path) }
    return $true  # listed by an installer before the mark: by target and arguments
}

function Stop-Unlisted {
    # No manifest (the folder deleted by hand): nothing is removed, as no line says the
    # shortcut is the installer's; what is left is named, with why, and the run stops.
    if (-not (Test-Path -LiteralPath $Shortcut -PathType Leaf)) { return }
    Write-Host "install.ps1: no $Manifest (the folder deleted by hand?): nothing was removed." -ForegroundColor Red
    if (Test-MarkedShortcut $Shortcut) {
        Write-Host "  Left, made by LabelDesk's installer but listed in no manifest, so not checked as"
        Write-Host '  still what it wrote:'
        Write-Host "    $Shortcut"
        Fail ("no LabelDesk installation found. To remove what its installer made: install again (it`n" +
            '  takes back the marked shortcut when it starts this installation), then run the uninstall' +
            "`n  command it prints.")
    }
    Write-Host "  Left, without LabelDesk's installer mark (yours, or an older installer's):"
    Write-Host "    $Shortcut"
    Fail 'no LabelDesk installation found; the shortcut above is left as it is'
}

# A folder it creates outside its own folder ($AppDir: the Start menu's, and the folders
# above it) holds this file, listed with the folder, as install.sh's do: with the manifest
# gone (the folder deleted by hand) it is what says the installer made that folder. A run
# takes such a folder back (lists it again), -Uninstall removes it once nothing else is in
# it, and one that stays keeps the file. A folder without it (there before, or made by hand
# since) is never removed without a manifest, and a listed one only when it is empty.
$MadeName = '.labeldesk-installer-made'
$MadeText = "LabelDesk's installer (install.ps1) made this folder; its -Uninstall removes it when nothing else is in it"

function Test-MadeHere([string]$Dir) {
    # Does folder $Dir hold the installer's file, exactly as it writes it?
    $note = Join-Path $Dir $MadeName
    if (-not (Test-Path -LiteralPath $note -PathType Leaf)) { return $false }
    return ([string](Get-Content -LiteralPath $note -Raw)).TrimEnd("`r", "`n") -eq $MadeText
}

function Test-OnlyMadeHere([string]$Dir) {
    # ... and nothing else?
    if (-not (Test-MadeHere $Dir)) { return $false }
    $names = @(Get-ChildItem -LiteralPath $Dir -Force | ForEach-Object { $_.Name })
    return ($names.Count -eq 1) -and ($names[0] -eq $MadeName)
}

function Test-SaidByMade([string]$Dir) {
    # Is $Dir a folder the file above is written in when made (not $AppDir, nor inside it)?
    return -not (($Dir -eq $AppDir) -or $Dir.StartsWith("$AppDir\", [StringComparison]::OrdinalIgnoreCase))
}

function New-Folder([string]$Path) {
    # Like mkdir -p, recording each folder it had to create, outermost first (with the file
    # above in it). A folder already there that holds that file and no manifest lists is
    # taken back.
    $missing = @()
    $dir = $Path
    while (-not (Test-Path -LiteralPath $dir -PathType Container)) {
        $missing = @($dir) + $missing
        $dir = Split-Path -Parent $dir
    }
    for ($up = $dir; $up; $up = Split-Path -Parent $up) {
        if ((Test-MadeHere $up) -and -not (Get-RecordedKind $up)) {
            Add-Record 'dir' $up
            Add-Record 'file' (Join-Path $up $MadeName)
        }
    }
    foreach ($d in $missing) {
        New-Item -ItemType Directory -Path $d | Out-Null
        Add-Record 'dir' $d
        if (Test-SaidByMade $d) {
            Set-Content -LiteralPath (Join-Path $d $MadeName) -Value $MadeText -Encoding UTF8
            Add-Record 'file' (Join-Path $d $MadeName)
        }
    }
}

function Remove-MadeFolders {
    # Without a manifest: the shortcut's folder and those above it, deepest first, each
    # only while it holds nothing but the installer's file. Removing one loses nothing.
    for ($dir = Split-Path -Parent $Shortcut; $dir; $dir = Split-Path -Parent $dir) {
        if (-not (Test-OnlyMadeHere $dir)) { continue }
        Remove-Item -LiteralPath (Join-Path $dir $MadeName) -Force
        Remove-Item -LiteralPath $dir -Force
        Write-Host "  removed ${dir}: an empty folder LabelDesk's installer made"
    }
}

function Save-Manifest {
    # One line a path, its newest (a path listed again keeps its place, with its new kind).
    $lines = @()
    if (Test-Path -LiteralPath $Manifest) { $lines += Get-Content -LiteralPath $Manifest }
    $lines += $Created
    $last = [ordered]@{}
    foreach ($line in $lines) {
        $kind, $path = $line -split ' ', 2
        if ($path) { $last[$path] = $line }
    }
    Set-Content -LiteralPath $Manifest -Value @($last.Values) -Encoding UTF8
}

function Invoke-Checked([string]$Exe, [string[]]$Arguments, [string]$What) {
    & $Exe @Arguments
    if ($LASTEXITCODE -ne 0) { Fail "$What failed (exit code $LASTEXITCODE); see above" }
}

function Get-RunningLabelDesk {
    # The processes started from this installation's environment: the venv's python.exe or
    # pythonw.exe (a launcher that stays alive beside the interpreter it starts), or any
    # whose command line names a program in it. An upgrade rewrites files they hold open
    # (Windows refuses, and pip stops half-way), and -Uninstall removes them.
    $prefix = $Venv + '\'
    try { $all = @(Get-CimInstance -ClassName Win32_Process -ErrorAction Stop) }
    catch { return @() }  # cannot tell: as before
    $ours = @()
    foreach ($p in $all) {
        if ($p.ProcessId -eq $PID) { continue }
        $exe = [string]$p.ExecutablePath
        $line = [string]$p.CommandLine
        if ($exe.StartsWith($prefix, [StringComparison]::OrdinalIgnoreCase) -or
            $line.IndexOf($prefix, [StringComparison]::OrdinalIgnoreCase) -ge 0) { $ours += $p }
    }
    return $ours
}

function Wait-UntilClosed([string]$What) {
    # Stops here, nothing changed, while LabelDesk runs from this installation; run from a
    # console, waits for it to be closed instead.
    while ($true) {
        $running = @(Get-RunningLabelDesk)
        if ($running.Count -eq 0) { return }
        Write-Host 'install.ps1: LabelDesk is running from this installation:' -ForegroundColor Red
        foreach ($p in ($running | Select-Object -First 5)) {
            $line = [string]$p.CommandLine
            if (-not $line) { $line = [string]$p.ExecutablePath }
            Write-Host "  PID $($p.ProcessId): $line"
        }
        if ([Console]::IsInputRedirected -or -not [Environment]::UserInteractive) {
            Fail "close LabelDesk first (File > Quit), then run this again: $What. Nothing was changed."
        }
        Read-Host 'Close LabelDesk (File > Quit), then press Enter to go on (Ctrl-C: stop here)' | Out-Null
    }
}

# The app's own log (app_log.py: labeldesk.log and the previous run's labeldesk.log.1 in
# platformdirs' user log folder, %LOCALAPPDATA%\labeldesk\labeldesk\Logs, beside the model
# cache; on Windows, whose names ignore case, %LOCALAPPDATA%\labeldesk is $AppDir itself).
# -Uninstall removes those two files and the folders only they were in (Logs, then the
# labeldesk folder holding it, which keeps $AppDir otherwise); anything else there (the
# model cache, a file of yours) keeps its folder, named as kept. Nothing behind a link
# or junction, and a log another LabelDesk holds open stays (named as kept).
$AppLogRoot = Join-Path $env:LOCALAPPDATA 'labeldesk\labeldesk'
$AppLogDir = Join-Path $AppLogRoot 'Logs'

function Test-Reparse([string]$Path) {
    $item = Get-Item -LiteralPath $Path -Force -ErrorAction SilentlyContinue
    return ($null -ne $item) -and [bool]($item.Attributes -band [IO.FileAttributes]::ReparsePoint)
}

function Remove-AppLog {
    if (-not (Test-Path -LiteralPath $AppLogDir -PathType Container)) { return }
    if ((Test-Reparse $AppLogDir) -or (Test-Reparse $AppLogRoot)) { return }
    foreach ($name in 'labeldesk.log', 'labeldesk.log.1') {
        $file = Join-Path $AppLogDir $name
        if ((Test-Path -LiteralPath $file -PathType Leaf) -and -not (Test-Reparse $file)) {
            Remove-Item -LiteralPath $file -Force -ErrorAction SilentlyContinue
        }
    }
    foreach ($dir in $AppLogDir, $AppLogRoot) {
        if (Get-ChildItem -LiteralPath $dir -Force) { break }
        Remove-Item -LiteralPath $dir -Force
    }
    if (-not (Test-Path -LiteralPath $AppLogDir)) { Write-Host "  removed ${AppLogDir}: LabelDesk's log" }
}

function Remove-Installation {
    if (-not (Test-Path -LiteralPath $Manifest)) {
        Remove-MadeFolders
        Stop-Unlisted
        Fail "no LabelDesk installation found (no $Manifest)"
    }
    Wait-UntilClosed '-Uninstall removes the files it runs from'
    Write-Host "Removing LabelDesk (what $Manifest lists)..."
    $entries = @(Get-Content -LiteralPath $Manifest | Where-Object { $_ -match '^[\w:]+ ' })
    foreach ($entry in $entries) {
        $kind, $path = $entry -split ' ', 2
        if ((Split-Path -Leaf $path) -eq $MadeName) { continue }  # with its folder, below
        # an older installer listed the shortcut as a plain file
        $isShortcut = ($kind -like 'shortcut*') -or ($kind -eq 'file' -and $path -like '*.lnk')
        if ($isShortcut -and (Test-Path -LiteralPath $path -PathType Leaf)) {
            if (Test-ListedShortcut $kind $path) { Remove-Item -LiteralPath $path -Force }
            else { Write-Host "  kept ${path}: changed since LabelDesk installed it" }
        }
        elseif ($kind -eq 'file' -and (Test-Path -LiteralPath $path -PathType Leaf)) {
            Remove-Item -LiteralPath $path -Force
        }
        elseif ($kind -eq 'tree' -and (Test-Path -LiteralPath $path -PathType Container)) {
            Remove-Item -LiteralPath $path -Recurse -Force
        }
    }
    Remove-Item -LiteralPath $Manifest -Force
    Remove-AppLog  # before the folders: its labeldesk\labeldesk\Logs kept $AppDir
    # Then the folders it created, deepest first, each only when nothing else is in it. One
    # that stays keeps the installer's file ($MadeName): a later -Uninstall, with no
    # manifest then, removes the folder once it is empty.
    $dirs = @($entries | Where-Object { $_ -like 'dir *' } | ForEach-Object { $_.Substring(4) })
    $cache = Join-Path $env:LOCALAPPDATA 'labeldesk\labeldesk\Cache'
    foreach ($dir in ($dirs | Sort-Object -Property Length -Descending)) {
        if (Test-OnlyMadeHere $dir) { Remove-Item -LiteralPath (Join-Path $dir $MadeName) -Force }
        if ((Test-Path -LiteralPath $dir) -and -not (Get-ChildItem -LiteralPath $dir -Force)) {
            Remove-Item -LiteralPath $dir -Force
        }
        elseif (Test-MadeHere $dir) {
            Write-Host "  kept ${dir}: it holds what is not LabelDesk's; once nothing else is in it, delete it (with the $MadeName LabelDesk's installer left in it)"
        }
        elseif (($dir -eq $AppDir) -and (Test-Path -LiteralPath $dir)) {
            # its labeldesk folder is the app's own while it holds the model cache or the log
            # folder (platformdirs' %LOCALAPPDATA%\labeldesk\labeldesk: in $AppDir, names
            # ignoring case), both named below as kept
            $own = @()
            if (Test-Path -LiteralPath $cache -PathType Container) { $own += 'model cache' }
            if (Test-Path -LiteralPath $AppLogDir -PathType Container) { $own += 'log' }
            $names = @(Get-ChildItem -LiteralPath $dir -Force | ForEach-Object { $_.Name })
            $others = @($names | Where-Object { -not ($own.Count -gt 0 -and $_ -eq 'labeldesk') })
            $held = @()
            if ($own.Count -gt 0) { $held += "LabelDesk's $($own -join ' and ') (named below)" }
            if ($others.Count -gt 0) {
                $held += "files that are not LabelDesk's ($(@($others | Select-Object -First 3) -join ', '))"
            }
            Write-Host "  kept ${dir}: it holds $($held -join ' and ')"
        }
    }
    Write-Host 'LabelDesk is uninstalled. Your projects and image folders are untouched.'
    # What the app itself wrote is the user's to keep, but named, so that it can be found:
    # its settings (Qt's INI location) and the model cache (platformdirs' user cache folder).
    $settings = Join-Path $env:APPDATA 'LabelDesk'
    $hasSettings = Test-Path -LiteralPath $settings -PathType Container
    $hasCache = Test-Path -LiteralPath $cache -PathType Container
    # and the log folder, only when it holds more than the app's log (Remove-AppLog took that)
    $logs = $AppLogDir
    $hasLogs = Test-Path -LiteralPath $logs -PathType Container
    if ($hasSettings -or $hasCache -or $hasLogs) {
        Write-Host 'Kept, as yours (delete these folders to remove them too):'
        if ($hasSettings) { Write-Host "  settings:    $settings" }
        if ($hasCache) { Write-Host "  model cache: $cache" }
        if ($hasLogs) { Write-Host "  log:         $logs" }
    }
}

if ($Uninstall) {
    # The copy beside its manifest uninstalls that installation, wherever it is.
    if ($PSScriptRoot -and (Test-Path -LiteralPath (Join-Path $PSScriptRoot 'install-manifest.txt'))) {
        $AppDir = $PSScriptRoot
        $Manifest = Join-Path $AppDir 'install-manifest.txt'
        $Venv = Join-Path $AppDir 'venv'
        $VenvPythonW = Join-Path $AppDir 'venv\Scripts\pythonw.exe'
    }
    Remove-Installation
    exit 0
}

# --- what to install ---------------------------------------------------------------------
if (-not $From) {
    $From = Split-Path -Parent $PSScriptRoot
    if (-not (Test-Path -LiteralPath (Join-Path $From 'pyproject.toml'))) {
        Fail 'run this from a LabelDesk checkout, or pass -From labeldesk-VERSION.whl'
    }
}
if (-not (Test-Path -LiteralPath $From)) { Fail "-From ${From}: no such file or folder" }
$From = (Resolve-Path -LiteralPath $From).Path

function Find-Python {
    # The py launcher first (python.org installs), then python on PATH. The Microsoft Store
    # stub "python.exe" fails the version check and is skipped.
    $candidates = @()
    if ($Python) { $candidates += , @($Python) }
    foreach ($v in '3.13', '3.12', '3.11', '3.10') { $candidates += , @('py', "-$v") }
    $candidates += , @('python')
    foreach ($c in $candidates) {
        $exe = $c[0]
        $pre = @($c | Select-Object -Skip 1)
        if (-not (Get-Command $exe -ErrorAction SilentlyContinue)) { continue }
        try {
            $found = & $exe @pre -c 'import sys, venv; print(sys.executable) if sys.version_info >= (3, 10) else sys.exit(1)' 2>$null
        }
        catch { continue }
        if ($LASTEXITCODE -eq 0 -and $found) { return ([string]$found).Trim() }
    }
    return $null
}
$BasePython = Find-Python
if (-not $BasePython) {
    Fail 'LabelDesk needs Python 3.10 or newer: install it from https://www.python.org (tick "Add python.exe to PATH") or pass -Python C:\path\to\python.exe'
}

# --- which PyTorch -------------------------------------------------------------------------
# The build pip installed last (cpu or cuda) and the index asked for it (a URL, or "default").
$recordedBuild = ''
if (Test-Path -LiteralPath $TorchState) {
    $recordedBuild = [string](Get-Content -LiteralPath $TorchState -TotalCount 1)
    if (($recordedBuild -ne 'cpu') -and ($recordedBuild -ne 'cuda')) { $recordedBuild = '' }
}
$recordedIndex = ''
if (Test-Path -LiteralPath $IndexState) { $recordedIndex = [string](Get-Content -LiteralPath $IndexState -TotalCount 1) }
$installedBefore = Test-Path -LiteralPath $VenvPython
$buildAsked = $Torch
$torchKept = $false
$indexKept = $false
# Whose index it is: where it cannot be reached, an index asked for, the one an installation
# came from, or the CUDA one a CUDA build asked for needs, stops the run (nothing changed)
# rather than let pip take its default index (the CPU build, in place of the one wanted).
$indexOwner = ''
if ($TorchIndex -and ($TorchIndex -ne 'auto') -and ($TorchIndex -ne 'default')) { $indexOwner = 'the index asked for' }
if (-not $Torch) {
    # A re-run keeps the build installed before (a -Torch cuda install stays CUDA).
    $Torch = 'auto'
    if ($recordedBuild) { $Torch = $recordedBuild; $torchKept = $true }
}
if ($Torch -eq 'auto') {
    $Torch = 'cpu'
    try {
        $cards = Get-CimInstance -ClassName Win32_VideoController -ErrorAction Stop
        if ($cards | Where-Object { $_.Name -match 'NVIDIA' }) { $Torch = 'cuda' }
    }
    catch { Write-Host '  note: could not list graphics cards; using the CPU build of PyTorch' }
}
if ((-not $TorchIndex) -and $recordedIndex -and ($Torch -eq $recordedBuild)) {
    # ...and the index it came from, with it (a build chosen anew gets its own index).
    $TorchIndex = $recordedIndex
    $indexKept = $true
    $indexOwner = "the index this installation's PyTorch came from"
}
if ($TorchIndex -eq 'auto') { $TorchIndex = '' }
$indexAsked = $TorchIndex  # remembered once installed: '', a URL or "default"
if ((-not $TorchIndex) -and ($Torch -eq 'cuda')) {
    # On Windows PyPI's wheels are CPU-only; this index has the CUDA build.
    $TorchIndex = 'https://download.pytorch.org/whl/cu130'
    if ($buildAsked -eq 'cuda') { $indexOwner = 'where the CUDA build asked for comes from' }
    elseif ($installedBefore) { $indexOwner = "the index this installation's PyTorch came from" }
}
$indexSaid = ''
if ($TorchIndex) { $indexSaid = " from $TorchIndex" }
if ($TorchIndex -eq 'default') { $indexSaid = " from pip's default index"; $TorchIndex = '' }
if ($indexKept) { $indexSaid += ' (as before; -TorchIndex URL|default|auto to choose)' }
$keptSaid = ''
if ($torchKept) { $keptSaid = ' (as installed before; -Torch to choose)' }
$specSaid = ''
if ($env:LABELDESK_TORCH_SPEC) { $specSaid = " ($env:LABELDESK_TORCH_SPEC)" }
$TorchSpec = @()
if ($env:LABELDESK_TORCH_SPEC) { $TorchSpec = @($env:LABELDESK_TORCH_SPEC -split '\s+' | Where-Object { $_ }) }

$pythonVersion = [string](& $BasePython --version)  # stdout (2>&1 with Stop: 5.1 throws on any stderr)
Write-Host "Installing LabelDesk into $Venv"
Write-Host "  from:    $From"
Write-Host "  python:  $($pythonVersion.Trim()) ($BasePython)"
Write-Host "  PyTorch: $Torch build$keptSaid$indexSaid$specSaid"

function Test-TorchIndex([string]$Index) {
    # Can pip get PyTorch from the index? Asked as pip asks it, for INDEX/torch/ (an index's
    # root may answer 404). '' when it can, else why not. Any answer but 404/410 or a server
    # error counts (401/403: pip may hold credentials this lacks).
    $url = $Index.TrimEnd('/') + '/torch/'
    if ($url -like 'file:*') {
        $local = ([Uri]$url).LocalPath
        if (Test-Path -LiteralPath $local) { return '' }
        return "no $local"
    }
    try {
        Invoke-WebRequest -Uri $url -UseBasicParsing -TimeoutSec 15 | Out-Null
        return ''
    }
    catch {
        $response = $null
        if ($_.Exception.PSObject.Properties['Response']) { $response = $_.Exception.Response }
        if ($null -eq $response) { return [string]$_.Exception.Message }
        $code = [int]$response.StatusCode
        if (($code -eq 404) -or ($code -eq 410)) { return "it has no PyTorch: $code for $url" }
        if ($code -ge 500) { return "it answers $code" }
        return ''
    }
}

$pipArgs = @('-m', 'pip', 'install', '--quiet', '--upgrade', '--upgrade-strategy', 'only-if-needed')
if ($TorchIndex) {
    $why = Test-TorchIndex $TorchIndex
    if (-not $why) {
        $pipArgs += @('--extra-index-url', $TorchIndex)
    }
    elseif ($indexOwner) {
        # pip's default index instead would replace this PyTorch (or the one asked for) with
        # the CPU build, and later runs would keep that one: stop before anything changes.
        Fail ("cannot get PyTorch from $TorchIndex`n  (${indexOwner}): $why.`n" +
            "  Nothing was changed: run this again when it can be reached, or add -TorchIndex default`n" +
            "  to take PyTorch from pip's default index (on Windows the CPU build).")
    }
    else {
        # A first install with nothing asked: a working LabelDesk from pip's index, rather
        # than none because of a host the installer chose.
        Write-Host "  note: no PyTorch from $TorchIndex ($why);"
        Write-Host "        it comes from pip's default index instead (on Windows that is the CPU"
        Write-Host '        build); for the CUDA build, once that index can be reached: run this'
        Write-Host '        again with -Torch cuda'
        $indexAsked = ''  # not remembered: the build recorded is the one pip's index gave
    }
}

Wait-UntilClosed 'an upgrade replaces the files it runs from (Windows keeps them locked)'
try {
    $script:Began = $true
    New-Folder $AppDir
    $fresh = $false
    if (-not (Test-Path -LiteralPath $VenvPython)) {
        Invoke-Checked $BasePython @('-m', 'venv', $Venv) "creating a virtual environment with $BasePython"
        Add-Record 'tree' $Venv
        $fresh = $true
    }
    Save-Manifest  # from here on an interrupted install can still be uninstalled
    if ($fresh) {
        Invoke-Checked $VenvPython @('-m', 'pip', 'install', '--quiet', '--upgrade', 'pip') 'upgrading pip'
    }
    if ($recordedBuild -and ($recordedBuild -ne $Torch)) {
        # The installed build satisfies the version pins: it has to go for pip to fetch the other.
        Write-Host "  switching PyTorch to the $Torch build"
        & $VenvPython -m pip uninstall --quiet --yes torch torchvision
    }
    Write-Host 'Installing packages (PyTorch included: a few minutes)...'
    Invoke-Checked $VenvPython ($pipArgs + @($From) + $TorchSpec) 'installing LabelDesk with pip'
    if ((-not $fresh) -and (Test-Path -LiteralPath $From -PathType Leaf)) {
        # pip reinstalls a checkout every time, but skips a wheel of the installed version.
        Invoke-Checked $VenvPython @('-m', 'pip', 'install', '--quiet', '--force-reinstall', '--no-deps', $From) 'reinstalling LabelDesk'
    }
    # A CPU torch with a CUDA torchvision (or the reverse) installs fine and fails on import.
    # The build recorded is the one installed.
    # (no double quotes in -c: Windows PowerShell 5.1 drops them on the way to python)
    $check = & $VenvPython -c 'import torch, torchvision, timm; print(''cuda'' if torch.version.cuda else ''cpu'')'
    if ($LASTEXITCODE -ne 0) {
        Fail 'the installed PyTorch and torchvision do not load together (above); re-run with -Torch cpu|cuda, another -TorchIndex, or a matching pair in LABELDESK_TORCH_SPEC'
    }
    $installedBuild = ([string]($check | Select-Object -Last 1)).Trim()
    if (($installedBuild -ne 'cpu') -and ($installedBuild -ne 'cuda')) { $installedBuild = $Torch }
    if ($installedBuild -ne $Torch) {
        Write-Host "  note: pip installed the $installedBuild build of PyTorch, not the $Torch build"
    }
    if (-not (Test-Path -LiteralPath $TorchState)) { Add-Record 'file' $TorchState }
    Set-Content -LiteralPath $TorchState -Value $installedBuild -Encoding ASCII
    if ($indexAsked) {
        if (-not (Test-Path -LiteralPath $IndexState)) { Add-Record 'file' $IndexState }
        Set-Content -LiteralPath $IndexState -Value $indexAsked -Encoding ASCII
    }
    elseif (Test-Path -LiteralPath $IndexState) {
        Remove-Item -LiteralPath $IndexState -Force
    }

    $Share = Join-Path $Venv 'share\labeldesk'
    $Icon = Join-Path $Share 'labeldesk.ico'
    if (-not (Test-Path -LiteralPath $Icon)) { Fail "the installed package lacks its resources ($Share)" }

    # --- the uninstaller and the Start-menu shortcut -------------------------------------------
    if (-not (Test-Path -LiteralPath $Uninstaller)) { Add-Record 'file' $Uninstaller }
    if ($PSCommandPath -ne $Uninstaller) { Copy-Item -LiteralPath $PSCommandPath -Destination $Uninstaller -Force }

    New-Folder (Split-Path -Parent $Shortcut)
    $writeShortcut = $true
    if (Test-Path -LiteralPath $Shortcut) {
        $kind = Get-RecordedKind $Shortcut
        if ((-not $kind) -and (Test-MarkedShortcut $Shortcut) -and (Test-OurShortcut $Shortcut)) {
            # Marked, and starting this installation: left by it before its folder (and
            # manifest) was deleted. Written again and listed, so that -Uninstall removes it.
            # (Starting this installation without the mark proves nothing: a shortcut of
            # the user's own may.)
        }
        elseif ((-not $kind) -and (Test-MarkedShortcut $Shortcut)) {
            Write-Host "  note: $Shortcut is not what this installer writes (edited, or from another installation), and no manifest lists it; left as it is"
            $writeShortcut = $false
        }
        elseif (-not $kind) {
            Write-Host "  note: $Shortcut exists and is not LabelDesk's; left as it is"
            $writeShortcut = $false
        }
        elseif (-not (Test-ListedShortcut $kind $Shortcut)) {
            Write-Host "  note: $Shortcut was changed since LabelDesk installed it; left as it is"
            $writeShortcut = $false
        }
    }
    if ($writeShortcut) {
        $shell = New-Object -ComObject WScript.Shell
        $link = $shell.CreateShortcut($Shortcut)
        $link.TargetPath = $VenvPythonW  # no console window behind the app
        $link.Arguments = $ShortcutArguments
        $link.WorkingDirectory = $env:USERPROFILE
        $link.IconLocation = "$Icon,0"
        $link.Description = $ShortcutDescription
        $link.Save()
        Add-Record 'shortcut:marked' $Shortcut
    }
    Save-Manifest
    $script:Finished = $true
}
finally {
    Write-NotFinished  # an error or Ctrl-C above: what was made is listed, and what to do
}

$version = & $VenvPython -c 'import labeldesk; print(labeldesk.__version__)'
$exe = Join-Path $Venv 'Scripts\labeldesk.exe'
Write-Host ''
Write-Host "LabelDesk $version is installed."
Write-Host "  Start it:    LabelDesk in the Start menu, or run: & `"$exe`" gui"
Write-Host "  Check it:    & `"$exe`" --version"
Write-Host '  Upgrade:     run this installer again (settings and projects are kept)'
Write-Host "  Uninstall:   powershell -ExecutionPolicy Bypass -File `"$Uninstaller`" -Uninstall"
