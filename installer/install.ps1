<#
.SYNOPSIS
Install LabelDesk for the current user on Windows: a private virtual environment in
%LOCALAPPDATA%\LabelDesk and a Start-menu shortcut. Re-running upgrades in place.

.DESCRIPTION
  powershell -ExecutionPolicy Bypass -File installer\install.ps1                 install or upgrade from this checkout
  powershell -ExecutionPolicy Bypass -File installer\install.ps1 -From X.whl     install from a wheel
  powershell -ExecutionPolicy Bypass -File installer\install.ps1 -Torch cuda     the CUDA build of PyTorch
  powershell -ExecutionPolicy Bypass -File installer\install.ps1 -Uninstall      remove what it created

-Torch auto (default) picks cuda when an NVIDIA graphics card is present, else cpu. The CPU
build comes from PyPI (on Windows PyPI's wheels are CPU-only); the CUDA build from
https://download.pytorch.org/whl/cu130 unless -TorchIndex URL (or LABELDESK_TORCH_INDEX)
names another index ("default": pip's own). LABELDESK_TORCH_SPEC adds requirements that pip
resolves with LabelDesk (e.g. a pinned torch). Settings and projects are never touched: what
an installation created is listed in install-manifest.txt, and -Uninstall removes exactly
that (a folder it created only when empty). A Start-menu shortcut LabelDesk.lnk that is not
the installer's (yours, or one you pointed elsewhere) is never replaced or removed.
While LabelDesk runs from this installation an upgrade or -Uninstall changes nothing: it
names LabelDesk's processes and, run from a console, waits for them to be closed.
#>
[CmdletBinding()]
param(
    [switch]$Uninstall,
    [ValidateSet('auto', 'cpu', 'cuda')][string]$Torch = 'auto',
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
$Uninstaller = Join-Path $AppDir 'install.ps1'
$Shortcut = Join-Path ([Environment]::GetFolderPath('Programs')) 'LabelDesk.lnk'
$ShortcutArguments = '-m labeldesk gui'
$Created = New-Object System.Collections.Generic.List[string]

function Fail([string]$Message) {
    Write-Host "install.ps1: $Message" -ForegroundColor Red
    exit 1
}

# One "KIND PATH" line per thing this installer created: file (in its own folder), shortcut
# (removed only while it still starts this installation's LabelDesk), dir (removed when
# empty) or tree (a folder wholly ours: the environment).
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

function New-Folder([string]$Path) {
    # Like mkdir -p, recording each folder it had to create, outermost first.
    $missing = @()
    $dir = $Path
    while (-not (Test-Path -LiteralPath $dir -PathType Container)) {
        $missing = @($dir) + $missing
        $dir = Split-Path -Parent $dir
    }
    foreach ($d in $missing) {
        New-Item -ItemType Directory -Path $d | Out-Null
        Add-Record 'dir' $d
    }
}

function Save-Manifest {
    $lines = @()
    if (Test-Path -LiteralPath $Manifest) { $lines += Get-Content -LiteralPath $Manifest }
    $lines += $Created
    $unique = @($lines | Select-Object -Unique)
    Set-Content -LiteralPath $Manifest -Value $unique -Encoding UTF8
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

function Remove-Installation {
    if (-not (Test-Path -LiteralPath $Manifest)) {
        Fail "no LabelDesk installation found (no $Manifest)"
    }
    Wait-UntilClosed '-Uninstall removes the files it runs from'
    Write-Host "Removing LabelDesk (what $Manifest lists)..."
    $entries = @(Get-Content -LiteralPath $Manifest | Where-Object { $_ -match '^\w+ ' })
    foreach ($entry in $entries) {
        $kind, $path = $entry -split ' ', 2
        # an older installer listed the shortcut as a plain file
        $isShortcut = ($kind -eq 'shortcut') -or ($kind -eq 'file' -and $path -like '*.lnk')
        if ($isShortcut -and (Test-Path -LiteralPath $path -PathType Leaf)) {
            if (Test-OurShortcut $path) { Remove-Item -LiteralPath $path -Force }
            else { Write-Host "  kept ${path}: it no longer starts this LabelDesk" }
        }
        elseif ($kind -eq 'file' -and (Test-Path -LiteralPath $path -PathType Leaf)) {
            Remove-Item -LiteralPath $path -Force
        }
        elseif ($kind -eq 'tree' -and (Test-Path -LiteralPath $path -PathType Container)) {
            Remove-Item -LiteralPath $path -Recurse -Force
        }
    }
    Remove-Item -LiteralPath $Manifest -Force
    # Then the folders it created, deepest first, each only when nothing else is in it.
    $dirs = @($entries | Where-Object { $_ -like 'dir *' } | ForEach-Object { $_.Substring(4) })
    foreach ($dir in ($dirs | Sort-Object -Property Length -Descending)) {
        if ((Test-Path -LiteralPath $dir) -and -not (Get-ChildItem -LiteralPath $dir -Force)) {
            Remove-Item -LiteralPath $dir -Force
        }
    }
    Write-Host 'LabelDesk is uninstalled. Your projects, image folders and settings are untouched.'
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
if ($Torch -eq 'auto') {
    $Torch = 'cpu'
    try {
        $cards = Get-CimInstance -ClassName Win32_VideoController -ErrorAction Stop
        if ($cards | Where-Object { $_.Name -match 'NVIDIA' }) { $Torch = 'cuda' }
    }
    catch { Write-Host 'note: could not list graphics cards; using the CPU build of PyTorch' }
}
if (-not $TorchIndex -and $Torch -eq 'cuda') { $TorchIndex = 'https://download.pytorch.org/whl/cu130' }
if ($TorchIndex -eq 'default') { $TorchIndex = '' }
$TorchSpec = @()
if ($env:LABELDESK_TORCH_SPEC) { $TorchSpec = @($env:LABELDESK_TORCH_SPEC -split '\s+' | Where-Object { $_ }) }

Write-Host "Installing LabelDesk into $Venv"
Write-Host "  from:    $From"
Write-Host "  python:  $BasePython"
$indexNote = ''
if ($TorchIndex) { $indexNote = " from $TorchIndex" }
Write-Host "  PyTorch: $Torch build$indexNote"

Wait-UntilClosed 'the upgrade replaces the files it runs from (Windows keeps them locked)'
New-Folder $AppDir
$fresh = $false
if (-not (Test-Path -LiteralPath $VenvPython)) {
    Invoke-Checked $BasePython @('-m', 'venv', $Venv) 'creating the virtual environment'
    Add-Record 'tree' $Venv
    $fresh = $true
}
Save-Manifest  # from here on an interrupted install can still be uninstalled
if ($fresh) {
    Invoke-Checked $VenvPython @('-m', 'pip', 'install', '--quiet', '--upgrade', 'pip') 'upgrading pip'
}

$pipArgs = @('-m', 'pip', 'install', '--quiet', '--upgrade', '--upgrade-strategy', 'only-if-needed')
if ($TorchIndex) {
    try {
        Invoke-WebRequest -Uri "$TorchIndex/" -Method Head -UseBasicParsing -TimeoutSec 15 | Out-Null
        $pipArgs += @('--extra-index-url', $TorchIndex)
    }
    catch {
        Write-Host "  note: $TorchIndex cannot be reached; PyTorch comes from pip's default index (the CPU build)"
    }
}
if ((Test-Path -LiteralPath $TorchState) -and ((Get-Content -LiteralPath $TorchState) -ne $Torch)) {
    # The installed build satisfies the version pins: it has to go for pip to fetch the other.
    Write-Host "  switching PyTorch to the $Torch build"
    & $VenvPython -m pip uninstall --quiet --yes torch torchvision
}
Write-Host 'Installing packages (PyTorch included: a few minutes the first time)...'
Invoke-Checked $VenvPython ($pipArgs + @($From) + $TorchSpec) 'pip install'
if ((-not $fresh) -and (Test-Path -LiteralPath $From -PathType Leaf)) {
    # pip reinstalls a checkout every time, but skips a wheel of the installed version.
    Invoke-Checked $VenvPython @('-m', 'pip', 'install', '--quiet', '--force-reinstall', '--no-deps', $From) 'reinstalling LabelDesk'
}
if (-not (Test-Path -LiteralPath $TorchState)) { Add-Record 'file' $TorchState }
Set-Content -LiteralPath $TorchState -Value $Torch -Encoding ASCII
# A CPU torch with a CUDA torchvision (or the reverse) installs fine and fails on import.
& $VenvPython -c 'import torch, torchvision, timm'
if ($LASTEXITCODE -ne 0) {
    Save-Manifest
    Fail 'the installed PyTorch and torchvision do not load together (above); re-run with -Torch cpu or cuda, another -TorchIndex, or a matching pair in LABELDESK_TORCH_SPEC'
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
    if (-not $kind) {
        Write-Host "  note: $Shortcut exists and is not LabelDesk's; left as it is"
        $writeShortcut = $false
    }
    elseif (-not (Test-OurShortcut $Shortcut)) {
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
    $link.Description = 'Label images, find mislabels and export clean datasets, offline'
    $link.Save()
    Add-Record 'shortcut' $Shortcut
}
Save-Manifest

$version = & $VenvPython -c 'import labeldesk; print(labeldesk.__version__)'
$exe = Join-Path $Venv 'Scripts\labeldesk.exe'
Write-Host ''
Write-Host "LabelDesk $version is installed."
Write-Host '  Start it:   LabelDesk in the Start menu, or run:'
Write-Host "              & `"$exe`" gui"
Write-Host "  Check it:   & `"$exe`" --version"
Write-Host '  Upgrade:    run this installer again (settings and projects are kept)'
Write-Host "  Uninstall:  powershell -ExecutionPolicy Bypass -File `"$Uninstaller`" -Uninstall"
