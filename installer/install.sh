#!/usr/bin/env bash
# Install LabelDesk for the current user on Linux or macOS: a private virtual environment
# under the user's data folder, a `labeldesk` command in ~/.local/bin, and a menu entry
# (Linux: a .desktop file and icons; macOS: LabelDesk.app in ~/Applications).
#
#   installer/install.sh                       install, or upgrade in place, from this checkout
#   installer/install.sh --from FILE.whl       install from a wheel (or another checkout)
#   installer/install.sh --torch cpu|cuda      choose the PyTorch build (default: auto)
#   installer/install.sh --uninstall           remove what the installer created, nothing else
#
# Options (and environment variables):
#   --torch auto|cpu|cuda   auto: cuda where `nvidia-smi` finds an NVIDIA GPU, else cpu
#   --torch-index URL       (LABELDESK_TORCH_INDEX) package index for the PyTorch build;
#                           "default" uses pip's own index. Default for a Linux CPU build:
#                           https://download.pytorch.org/whl/cpu (the smaller, CPU-only one)
#   --python PATH           (PYTHON) the Python 3.10+ that creates the environment
#   LABELDESK_TORCH_SPEC    extra requirements resolved with LabelDesk, e.g. a pinned
#                           "torch==2.13.0+cpu torchvision==0.28.0" from a local wheel folder
#   XDG_DATA_HOME           where on Linux (default ~/.local/share)
#
# Settings (~/.config/LabelDesk or ~/Library/Preferences) and projects are never touched.
# What an installation created is listed in <data>/labeldesk/install-manifest.txt, and
# --uninstall removes exactly that; a folder it created is removed only when empty.
set -euo pipefail

die() { echo "install.sh: $*" >&2; exit 1; }
say() { echo "$*"; }

script="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")"
torch_choice="auto"
torch_index="${LABELDESK_TORCH_INDEX:-}"
source_path=""
python="${PYTHON:-}"
action="install"
while (($#)); do
    case "$1" in
        --uninstall | --remove) action="uninstall" ;;
        --torch) torch_choice="${2:?--torch needs cpu, cuda or auto}"; shift ;;
        --torch=*) torch_choice="${1#*=}" ;;
        --torch-index) torch_index="${2:?--torch-index needs a URL}"; shift ;;
        --torch-index=*) torch_index="${1#*=}" ;;
        --from) source_path="${2:?--from needs a checkout folder or a .whl file}"; shift ;;
        --from=*) source_path="${1#*=}" ;;
        --python) python="${2:?--python needs a path}"; shift ;;
        --python=*) python="${1#*=}" ;;
        -h | --help) sed -n '2,/^set -euo/p' "$script" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown option $1 (see --help)" ;;
    esac
    shift
done
case "$torch_choice" in auto | cpu | cuda) ;; *) die "--torch must be auto, cpu or cuda" ;; esac

os="$(uname -s)"
case "$os" in
    Linux) data="${XDG_DATA_HOME:-$HOME/.local/share}"; home_dir="$data/labeldesk" ;;
    Darwin) data="$HOME/Library/Application Support"; home_dir="$data/LabelDesk" ;;
    *) die "this installer is for Linux and macOS; on Windows use installer/install.ps1" ;;
esac
venv="$home_dir/venv"
manifest="$home_dir/install-manifest.txt"
bin_dir="$HOME/.local/bin"
command_link="$bin_dir/labeldesk"
desktop_id="org.labeldesk.LabelDesk"
uninstaller="$home_dir/install.sh"

# --- the manifest: one "KIND PATH" line per thing this installer created -----------------
# KIND is file, link, dir (removed when empty) or tree (a folder wholly ours: the venv).
# Written for bash 3.2 too (macOS): no mapfile, and empty arrays expanded with ${a[@]+…}.
created=()
record() { created+=("$1 $2"); }

# mkdir -p that records each folder it had to create, outermost first.
make_dir() {
    local dir="$1" missing=() d
    while [[ ! -d "$dir" ]]; do
        missing=("$dir" ${missing[@]+"${missing[@]}"})
        dir="$(dirname "$dir")"
    done
    for d in ${missing[@]+"${missing[@]}"}; do mkdir "$d" && record dir "$d"; done
}

write_manifest() {
    # Old entries stay (an upgrade keeps what the first install created); new ones append.
    local entry
    {
        if [[ -f "$manifest" ]]; then cat "$manifest"; fi
        for entry in ${created[@]+"${created[@]}"}; do printf '%s\n' "$entry"; done
    } | awk '!seen[$0]++' >"$manifest.tmp"
    mv "$manifest.tmp" "$manifest"
}

uninstall() {
    [[ -f "$manifest" ]] || die "no LabelDesk installation found (no $manifest)"
    say "Removing LabelDesk (what $manifest lists)…"
    local entries kind path
    entries="$(cat "$manifest")"
    # Files, links and the environment first; each only if it is still what was made.
    while IFS= read -r entry; do
        kind="${entry%% *}"
        path="${entry#* }"
        case "$kind" in
            file) if [[ -f "$path" && ! -L "$path" ]]; then rm -f -- "$path"; fi ;;
            link) if [[ -L "$path" ]]; then rm -f -- "$path"; fi ;;
            tree) if [[ -d "$path" ]]; then rm -rf -- "$path"; fi ;;
        esac
    done <<<"$entries"
    rm -f -- "$manifest"
    # Then the folders it created, deepest first, each only if nothing else is in it now.
    while IFS= read -r path; do
        if [[ -n "$path" ]]; then rmdir -- "$path" 2>/dev/null || true; fi
    done < <(printf '%s\n' "$entries" | sed -n 's/^dir //p' |
        awk '{ print length($0) "\t" $0 }' | sort -rn | cut -f2-)
    say "LabelDesk is uninstalled. Your projects, image folders and settings are untouched."
}

if [[ "$action" == uninstall ]]; then
    uninstall
    exit 0
fi

# --- what to install ------------------------------------------------------------------------
if [[ -z "$source_path" ]]; then
    source_path="$(cd "$(dirname "$script")/.." && pwd)"
    [[ -f "$source_path/pyproject.toml" ]] ||
        die "run this from a LabelDesk checkout, or pass --from labeldesk-VERSION.whl"
fi
[[ -e "$source_path" ]] || die "--from $source_path: no such file or folder"
source_path="$(cd "$(dirname "$source_path")" && pwd)/$(basename "$source_path")"

find_python() {
    local candidate
    for candidate in ${python:+"$python"} python3.13 python3.12 python3.11 python3.10 python3; do
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys, venv; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
            command -v "$candidate"
            return 0
        fi
    done
    return 1
}
python="$(find_python)" || die "LabelDesk needs Python 3.10 or newer with its venv module \
(Debian/Ubuntu: sudo apt install python3 python3-venv; macOS: https://www.python.org or \
brew install python). Pass --python PATH to choose one."

# --- which PyTorch ----------------------------------------------------------------------------
if [[ "$torch_choice" == auto ]]; then
    if [[ "$os" == Linux ]] && command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L 2>/dev/null | grep -q GPU; then
        torch_choice="cuda"
    else
        torch_choice="cpu"
    fi
fi
[[ "$os" == Darwin && "$torch_choice" == cuda ]] && die "macOS has no CUDA builds of PyTorch (use --torch cpu; Apple GPUs are used through MPS)"
if [[ -z "$torch_index" && "$os" == Linux && "$torch_choice" == cpu ]]; then
    # PyPI's Linux wheels are the CUDA build (several GB with its libraries); this index
    # has the CPU-only one. macOS wheels on PyPI are CPU/MPS builds already.
    torch_index="https://download.pytorch.org/whl/cpu"
fi
[[ "$torch_index" == default ]] && torch_index=""

say "Installing LabelDesk into $venv"
say "  from:    $source_path"
say "  python:  $("$python" --version 2>&1) ($python)"
say "  PyTorch: $torch_choice build${torch_index:+ from $torch_index}${LABELDESK_TORCH_SPEC:+ ($LABELDESK_TORCH_SPEC)}"

# An environment without a manifest was made by install-linux.sh (before this installer):
# adopt what it made, so that --uninstall removes it too.
if [[ -x "$venv/bin/python" && ! -f "$manifest" ]]; then
    say "  adopting the installation made by install-linux.sh"
    record dir "$home_dir"
    record tree "$venv"
    legacy_icon="$data/icons/hicolor/scalable/apps/labeldesk.svg"
    if [[ -f "$legacy_icon" ]]; then record file "$legacy_icon"; fi
fi
make_dir "$home_dir"
fresh=0
if [[ ! -x "$venv/bin/python" ]]; then
    "$python" -m venv "$venv" || die "could not create a virtual environment with $python"
    record tree "$venv"
    fresh=1
fi
write_manifest  # from here on an interrupted install can still be uninstalled
vpython="$venv/bin/python"

if ((fresh)); then
    "$vpython" -m pip install --quiet --upgrade pip
fi

pip_args=(install --upgrade --upgrade-strategy only-if-needed)
if [[ -n "$torch_index" ]]; then
    if "$vpython" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=15)' \
        "$torch_index/" >/dev/null 2>&1; then
        pip_args+=(--extra-index-url "$torch_index")
    else
        say "  note: $torch_index cannot be reached; PyTorch comes from pip's default index"
        say "        instead (on Linux that is the larger CUDA build; --torch-index URL to choose)"
    fi
fi
# Switching between the CPU and CUDA build: the installed one satisfies the version pins, so
# it has to go first for pip to fetch the other.
state="$home_dir/torch-build"
if [[ -f "$state" && "$(cat "$state")" != "$torch_choice" ]]; then
    say "  switching PyTorch from the $(cat "$state") to the $torch_choice build"
    "$vpython" -m pip uninstall --quiet --yes torch torchvision || true
fi

say "Installing packages (PyTorch included: a few minutes the first time)…"
# shellcheck disable=SC2086  # LABELDESK_TORCH_SPEC is a list of requirements
"$vpython" -m pip "${pip_args[@]}" --quiet "$source_path" ${LABELDESK_TORCH_SPEC:-} ||
    die "pip could not install LabelDesk (see above); nothing outside $home_dir was changed"
if ((!fresh)) && [[ -f "$source_path" ]]; then
    # pip reinstalls a checkout every time, but skips a wheel of the installed version.
    "$vpython" -m pip install --quiet --force-reinstall --no-deps "$source_path" >/dev/null
fi
[[ -f "$state" ]] || record file "$state"
echo "$torch_choice" >"$state"
# A CPU torch with a CUDA torchvision (or the reverse) installs fine and fails on import.
if ! check="$("$vpython" -c 'import torch, torchvision, timm' 2>&1)"; then
    write_manifest
    echo "$check" | tail -3 >&2
    die "the installed PyTorch and torchvision do not load together (above); re-run with --torch cpu|cuda, another --torch-index, or a matching pair in LABELDESK_TORCH_SPEC"
fi

share="$venv/share/labeldesk"
[[ -f "$share/$desktop_id.desktop" ]] || die "the installed package lacks its resources ($share)"

# Copies a file into place, recording it when it was not there before.
place() {
    local src="$1" dest="$2"
    make_dir "$(dirname "$dest")"
    [[ -e "$dest" ]] || record file "$dest"
    cp -- "$src" "$dest"
}

# --- the command ----------------------------------------------------------------------------
make_dir "$bin_dir"
if [[ -L "$command_link" && "$(readlink "$command_link")" == "$venv/bin/labeldesk" ]]; then
    record link "$command_link"  # ours (already listed, or made by install-linux.sh)
elif [[ -e "$command_link" || -L "$command_link" ]]; then
    say "  note: $command_link exists and is not LabelDesk's; left as it is"
else
    ln -s "$venv/bin/labeldesk" "$command_link"
    record link "$command_link"
fi
place "$script" "$uninstaller"
chmod +x "$uninstaller"

# --- the menu entry ---------------------------------------------------------------------------
if [[ "$os" == Linux ]]; then
    desktop="$data/applications/$desktop_id.desktop"
    make_dir "$(dirname "$desktop")"
    [[ -e "$desktop" ]] || record file "$desktop"
    sed -e "s|^Exec=labeldesk |Exec=\"$venv/bin/labeldesk\" |" \
        -e "/^Exec=/a TryExec=$venv/bin/labeldesk" "$share/$desktop_id.desktop" >"$desktop"
    for png in "$share"/icons/labeldesk-*.png; do
        size="${png##*-}"
        size="${size%.png}"
        place "$png" "$data/icons/hicolor/${size}x${size}/apps/labeldesk.png"
    done
    place "$share/labeldesk.svg" "$data/icons/hicolor/scalable/apps/labeldesk.svg"
    place "$share/$desktop_id.metainfo.xml" "$data/metainfo/$desktop_id.metainfo.xml"
    # install-linux.sh (before this installer) wrote labeldesk.desktop: one entry is enough.
    old="$data/applications/labeldesk.desktop"
    if [[ -f "$old" ]] && grep -q "^Exec=$venv/bin/labeldesk" "$old"; then rm -f -- "$old"; fi
    start_hint="LabelDesk in your applications menu"
else
    app="$HOME/Applications/LabelDesk.app"
    make_dir "$app/Contents/MacOS"
    make_dir "$app/Contents/Resources"
    [[ -e "$app/Contents/Info.plist" ]] || record file "$app/Contents/Info.plist"
    version="$("$vpython" -c 'import labeldesk; print(labeldesk.__version__)')"
    cat >"$app/Contents/Info.plist" <<PLIST
<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
    <key>CFBundleName</key><string>LabelDesk</string>
    <key>CFBundleDisplayName</key><string>LabelDesk</string>
    <key>CFBundleIdentifier</key><string>$desktop_id</string>
    <key>CFBundleVersion</key><string>$version</string>
    <key>CFBundleShortVersionString</key><string>$version</string>
    <key>CFBundlePackageType</key><string>APPL</string>
    <key>CFBundleExecutable</key><string>LabelDesk</string>
    <key>CFBundleIconFile</key><string>labeldesk.icns</string>
    <key>LSMinimumSystemVersion</key><string>11.0</string>
    <key>NSHighResolutionCapable</key><true/>
</dict>
</plist>
PLIST
    launcher="$app/Contents/MacOS/LabelDesk"
    [[ -e "$launcher" ]] || record file "$launcher"
    cat >"$launcher" <<LAUNCHER
#!/bin/sh
# LabelDesk's app launcher, written by installer/install.sh: runs the app in its environment.
exec "$venv/bin/labeldesk" gui "\$@"
LAUNCHER
    chmod +x "$launcher"
    place "$share/labeldesk.icns" "$app/Contents/Resources/labeldesk.icns"
    start_hint="LabelDesk in ~/Applications (Launchpad, Spotlight)"
fi
write_manifest

say ""
say "LabelDesk $("$vpython" -c 'import labeldesk; print(labeldesk.__version__)') is installed."
say "  Start it:    $start_hint, or run: labeldesk gui"
case ":$PATH:" in
    *":$bin_dir:"*) ;;
    *) say "               ($bin_dir is not on your PATH: run $command_link gui, or add it)" ;;
esac
say "  Check it:    labeldesk --version"
say "  Upgrade:     run this installer again (settings and projects are kept)"
say "  Uninstall:   \"$uninstaller\" --uninstall"
