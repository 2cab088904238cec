#!/usr/bin/env bash
# Install LabelDesk for the current user on Linux or macOS: a private virtual environment
# under the user's data folder, a `labeldesk` command in ~/.local/bin, and a menu entry
# (Linux: a .desktop file and icons; macOS: LabelDesk.app in ~/Applications).
#
#   installer/install.sh                       install, or upgrade in place, from this checkout
#   installer/install.sh --from FILE.whl       install from a wheel (or another checkout)
#   installer/install.sh --torch cpu|cuda      choose the PyTorch build (default: the one
#                                              installed before, else auto)
#   installer/install.sh --torch-index URL     take PyTorch from another index (remembered)
#   installer/install.sh --uninstall           remove what the installer created, nothing else
#
# Options (and environment variables):
#   --torch auto|cpu|cuda   auto: cuda where `nvidia-smi` finds an NVIDIA GPU, else cpu;
#                           left out, an upgrade keeps the build installed before
#   --torch-index URL       (LABELDESK_TORCH_INDEX) package index for the PyTorch build,
#                           e.g. https://download.pytorch.org/whl/rocm6.4 for AMD GPUs;
#                           "default" uses pip's own index; "auto" the installer's choice:
#                           for a Linux CPU build https://download.pytorch.org/whl/cpu (the
#                           smaller, CPU-only one), else pip's own. Left out, an upgrade
#                           keeps the index the kept build came from.
#   --python PATH           (PYTHON) the Python 3.10+ that creates the environment
#   LABELDESK_TORCH_SPEC    extra requirements resolved with LabelDesk, e.g. a pinned
#                           "torch==2.13.0+cpu torchvision==0.28.0" from a local wheel folder
#   XDG_DATA_HOME           where on Linux (default ~/.local/share)
#
# Settings (~/.config/LabelDesk), the model cache and projects are never touched.
# Every run builds a new environment beside the one in use (venv-STAMP) and switches the
# `venv` link to it only once it works, then removes the old one: an upgrade stopped at
# any point (even kill -9) leaves the previous installation working. While LabelDesk runs
# from this installation an upgrade or --uninstall changes nothing (it says which
# processes; in a terminal it waits for them to be closed).
# What an installation created is listed in <data>/labeldesk/install-manifest.txt, and
# --uninstall removes exactly that; a folder it created is removed only when empty. It also
# removes the app's own log (labeldesk.log, .log.1 in the user log folder), nothing else there.
# A file outside that folder (menu entry, icons) is written only where there was none or
# where it is still exactly what the installer wrote (its SHA-256 is in the manifest): a
# file of your own, or one you edited, is left as it is, by upgrades and --uninstall alike.
# Each such file carries a mark (X-LabelDesk-Installer=install.sh: a key in the menu entry,
# a comment in the XML, a text chunk in the PNGs). With the manifest gone (the data folder
# deleted by hand), a run takes back only a file that carries the mark and is exactly what
# it writes (the macOS .icns, which has no place for one: inside a LabelDesk.app whose
# Info.plist carries it); a copy of LabelDesk's icons of your own carries none. --uninstall without a
# manifest removes nothing and names what it left, but for a folder the installer made that
# holds nothing now but its note (.labeldesk-installer-made, written in each folder it makes
# outside its data folder; a reinstall takes back a folder holding it, and --uninstall keeps
# it in a folder that stays, for a later run to remove the folder once it is empty).
# The command link is the installer's only while the manifest lists that very link (its
# inode and change time with its target): a link of your own, even one to the same place,
# or one you put in its place, is left, and so is one no manifest lists (the data folder
# deleted by hand): a link has no room for a mark.

# Another shell (`sh install.sh`: dash, BusyBox's ash) stops here, with what to run, not at
# the first line of bash of its own (before: "line 57: syntax error: bad substitution").
if [ -z "${BASH_VERSION:-}" ]; then
    echo "install.sh: run it with bash: bash $0 (it was started by another shell)" >&2
    exit 1
fi
# bash started as `sh` (macOS's /bin/sh is bash 3.2) runs in POSIX mode, where a bash
# before 5.1 refuses process substitution (`< <(...)`, used below): leave that mode.
case ":${SHELLOPTS:-}:" in *:posix:*) set +o posix ;; esac
set -euo pipefail

die() { echo "install.sh: $*" >&2; exit 1; }
say() { echo "$*"; }

script="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")"
torch_choice=""  # "": not told (the recorded build, else auto)
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
        -h | --help) awk 'NR > 1 { if (!/^#/) exit; sub(/^# ?/, ""); print }' "$script"; exit 0 ;;
        *) die "unknown option $1 (see --help)" ;;
    esac
    shift
done
case "$torch_choice" in "" | auto | cpu | cuda) ;; *) die "--torch must be auto, cpu or cuda" ;; esac

os="$(uname -s)"
case "$os" in
    Linux)
        # The XDG spec: a relative XDG_DATA_HOME is invalid and ignored (taken as it is, the
        # installation went below the current folder, listed by relative paths that an
        # --uninstall run from another folder would have removed there).
        data="${XDG_DATA_HOME:-}"
        case "$data" in
            /*) ;;
            *)
                if [[ -n "$data" ]]; then say "  note: XDG_DATA_HOME=$data is not an absolute path; ignored"; fi
                data="$HOME/.local/share" ;;
        esac
        home_dir="$data/labeldesk" ;;
    Darwin) data="$HOME/Library/Application Support"; home_dir="$data/LabelDesk" ;;
    *) die "this installer is for Linux and macOS; on Windows use installer/install.ps1" ;;
esac
venv="$home_dir/venv"
manifest="$home_dir/install-manifest.txt"
bin_dir="$HOME/.local/bin"
command_link="$bin_dir/labeldesk"
desktop_id="org.labeldesk.LabelDesk"
uninstaller="$home_dir/install.sh"
case "$home_dir" in *$'\n'*) die "the data folder's path holds a line break: $home_dir" ;; esac

# --- the manifest: one "KIND PATH" line per thing this installer created -----------------
# KIND is file:SHA256 (a file it wrote, with the checksum of what it wrote), file (a file
# in its own data folder, or listed by an older installer), link:SHA256:ID (the command
# link: the checksum of its target and the link's own identity, see link_id; link:SHA256
# and plain "link" from older installers), dir (removed when empty) or tree (a folder
# wholly ours: the venv).
# Written for bash 3.2 too (macOS): no mapfile, and empty arrays expanded with ${a[@]+…}.
created=()
record() { created+=("$1 $2"); }
forget() { created+=("- $1"); }  # no longer there: dropped from the manifest

# The mark every file it writes outside its data folder carries (see with_mark); a file
# there without it is never taken for LabelDesk's without a manifest line.
mark="X-LabelDesk-Installer=install.sh"
# A PNG tEXt chunk "Comment" holding the mark (length, type, text, CRC-32), in octal.
png_mark='\000\000\000\050tEXtComment\000X-LabelDesk-Installer=install.sh\257\222x2'

# (NUL bytes read as line ends: BusyBox's grep ends a line at its first NUL, and in a PNG
# the mark follows the chunk's keyword and a NUL. All of it is read, no -q: grep stopping
# at the first match would end tr with SIGPIPE, a failure under pipefail.)
has_mark() { [[ -f "$1" && ! -L "$1" ]] && tr '\000' '\n' <"$1" | grep -aF -- "$mark" >/dev/null; }

# Writes to $2 the copy of $1 the installer places: with the mark. A PNG gets it as a chunk
# after its header (IHDR, always first and 13 bytes long: 33 bytes with the signature), XML
# (the metainfo, the SVG icon) as a comment after its root element; the menu entry and the
# macOS files are written with it; anything else (the macOS .icns) is copied as it is.
with_mark() {
    # shellcheck disable=SC2059  # the PNG chunk's bytes are the format, on purpose
    case "$1" in
        *.png) { head -c 33 -- "$1"; printf "$png_mark"; tail -c +34 -- "$1"; } >"$2" ;;
        *.xml | *.svg) { cat -- "$1"; printf '<!-- %s -->\n' "$mark"; } >"$2" ;;
        *) cp -- "$1" "$2" ;;
    esac
}

sha256() {  # of stdin
    if command -v sha256sum >/dev/null 2>&1; then sha256sum | cut -d' ' -f1; else shasum -a 256 | cut -d' ' -f1; fi
}

# The command link's own identity, not its target's: its inode and change time, INODE-SECONDS
# or INODE-SECONDS.NANOSECONDS (to the nanosecond with GNU stat and Python; BSD stat on macOS
# and BusyBox's give seconds, and APFS does not reuse inode numbers). A link made again at
# that place, by you or `ln -sf`, is another one, even pointing at the same target. Each
# answer is taken only in that shape: BusyBox's stat built without -c takes -f for the file
# system's status and prints that, lines of it, where BSD stat prints the identity. Neither
# flavour: Python's os.lstat (LabelDesk needs Python: the one installing, else python3).
# "" where nothing answers.
link_id() {
    local id shape='^[0-9]+-[0-9]+([.][0-9]+)?$' py
    id="$(stat -c '%i-%.9Z' -- "$1" 2>/dev/null)" || id=""
    if [[ ! "$id" =~ $shape ]]; then id="$(stat -f '%i-%c' -- "$1" 2>/dev/null)" || id=""; fi
    for py in ${python:+"$python"} python3; do
        if [[ "$id" =~ $shape ]]; then break; fi
        id="$("$py" -c 'import os, sys
s = os.lstat(sys.argv[1])
print(f"{s.st_ino}-{s.st_ctime_ns // 10**9}.{s.st_ctime_ns % 10**9:09d}")' "$1" 2>/dev/null)" || id=""
    done
    if [[ "$id" =~ $shape ]]; then printf '%s' "$id"; fi
}

same_link_id() {  # $1 recorded, $2 now: equal, to the precision both have
    [[ -n "$1" && "${1%%.*}" == "${2%%.*}" ]] && [[ "$1" != *.* || "$2" != *.* || "$1" == "$2" ]]
}

our_link() {  # is the link at $2 still the one manifest KIND $1 says the installer made?
    local target id
    [[ -L "$2" ]] || return 1
    target="$(readlink "$2")"
    case "$1" in
        link:*:*)
            id="${1#link:*:}"
            [[ "${1%:"$id"}" == "link:$(printf '%s' "$target" | sha256)" ]] && same_link_id "$id" "$(link_id "$2")" ;;
        link:*) [[ "$1" == "link:$(printf '%s' "$target" | sha256)" ]] ;;  # older installers:
        link) [[ "$target" == "$venv/bin/labeldesk" ]] ;;  # by the target only
        *) return 1 ;;
    esac
}

recorded() {  # the manifest's KIND for a path ("" when not listed; this run's entries last)
    local entry found=""
    if [[ -f "$manifest" ]]; then
        while IFS= read -r entry; do
            if [[ "${entry#* }" == "$1" ]]; then found="${entry%% *}"; fi
        done <"$manifest"
    fi
    for entry in ${created[@]+"${created[@]}"}; do
        if [[ "${entry#* }" == "$1" ]]; then found="${entry%% *}"; fi
    done
    printf '%s' "$found"
}

still_ours() {  # is the file at $2 still what manifest KIND $1 says the installer wrote?
    case "$1" in
        file) [[ -f "$2" && ! -L "$2" ]] ;;  # its own folder, or an older installer's list
        file:*) [[ -f "$2" && ! -L "$2" && "file:$(sha256 <"$2")" == "$1" ]] ;;
        *) return 1 ;;
    esac
}

# A folder it creates outside its data folder (~/.local/bin, ~/.local, the icon theme's
# folders) holds this file, listed with the folder: with the manifest gone (the data folder
# deleted by hand) it is what says the installer made that folder. A run takes the folder
# back (lists it again, removed by --uninstall when nothing else is in it), and --uninstall
# without a manifest removes a folder that holds nothing but it. A folder without it (there
# before, or made by hand since) is never taken. (macOS: ~/Applications and the bundle's
# folders are said by the bundle's Info.plist instead; inside the data folder all is listed.)
made_name=".labeldesk-installer-made"
made_text="$mark: LabelDesk's installer made this folder; its --uninstall removes it when nothing else is in it"

made_here() {  # does folder $1 hold the installer's file, exactly as it writes it?
    [[ -d "$1" && ! -L "$1" && -f "$1/$made_name" && ! -L "$1/$made_name" ]] &&
        [[ "$(cat -- "$1/$made_name")" == "$made_text" ]]
}

only_made_here() {  # ... and nothing else?
    made_here "$1" && [[ "$(ls -A -- "$1")" == "$made_name" ]]
}

said_by_made() {  # is folder $1 one that the file above is written in, when made?
    case "$1" in
        "$home_dir" | "$home_dir"/* | "$HOME/Applications" | "$HOME/Applications"/*) return 1 ;;
    esac
}

# mkdir -p that records each folder it had to create, outermost first (with the file above
# in it). A folder already there that holds that file and no manifest lists is taken back.
make_dir() {
    local dir="$1" missing=() d
    while [[ ! -d "$dir" ]]; do
        missing=("$dir" ${missing[@]+"${missing[@]}"})
        dir="$(dirname "$dir")"
    done
    while [[ "$dir" != / && "$dir" != . ]]; do
        if made_here "$dir" && [[ -z "$(recorded "$dir")" ]]; then
            record dir "$dir"
            record "file:$(sha256 <"$dir/$made_name")" "$dir/$made_name"
        fi
        dir="$(dirname "$dir")"
    done
    for d in ${missing[@]+"${missing[@]}"}; do
        mkdir "$d" && record dir "$d"
        if said_by_made "$d"; then
            printf '%s\n' "$made_text" >"$d/$made_name"
            record "file:$(sha256 <"$d/$made_name")" "$d/$made_name"
        fi
    done
}

write_manifest() {
    # Old entries stay (an upgrade keeps what the first install created); new ones append,
    # and a path listed again keeps its place with its newest line (a new checksum).
    local entry
    {
        if [[ -f "$manifest" ]]; then cat "$manifest"; fi
        for entry in ${created[@]+"${created[@]}"}; do printf '%s\n' "$entry"; done
    } | awk '{ k = substr($0, index($0, " ") + 1); if (!(k in last)) order[n++] = k; last[k] = $0 }
        END { for (i = 0; i < n; i++) if (substr(last[order[i]], 1, 2) != "- ") print last[order[i]] }' \
        >"$manifest.tmp"
    mv "$manifest.tmp" "$manifest"
}

# --- LabelDesk running from this installation -------------------------------------------
# A running LabelDesk loads its modules as it goes (a page, a model, the Ray client): the
# environment it started from has to stay until it is closed. Its processes run that
# environment's Python (the `labeldesk` script's first line names venv-STAMP/bin/python;
# ps shows it first) or, where Python re-executes itself (macOS), the script: by the
# path it was started by, the installer's command link too (`labeldesk gui` typed).
running_here() {  # "PID COMMAND" for each, one a line
    local link=""
    if [[ -L "$command_link" && "$(readlink "$command_link")" == "$venv/bin/labeldesk" ]]; then
        link="$command_link"
    fi
    # (BusyBox's ps has no -w, and refuses the lot: without options it lists every process,
    # its command lines whole when piped, each after "{NAME} " where the process's name is
    # not its first argument's: "{labeldesk} /…/venv-…/bin/python /…/bin/labeldesk gui")
    { ps -A -ww -o pid= -o args= 2>/dev/null || ps -o pid= -o args= 2>/dev/null; } |
        LABELDESK_ENVS="$home_dir/venv" LABELDESK_LINK="$link" SELF="$$" awk '
        { pid = $1; line = $0; sub(/^ *[0-9]+ +/, "", line); sub(/^[{][^}]*[}] /, "", line)
          envs = ENVIRON["LABELDESK_ENVS"]
          link = ENVIRON["LABELDESK_LINK"]
          if (pid == ENVIRON["SELF"]) next
          if (index(line, envs) == 1) { print pid " " line; next }
          at = index(line, " " envs)
          if (at > 0 && substr(line, at + 1 + length(envs)) ~ /^(-[0-9-]+)?\/bin\/labeldesk( |$)/) {
              print pid " " line; next }
          at = link == "" ? 0 : index(line, " " link)
          if (at > 0 && substr(line, at + 1 + length(link)) ~ /^( |$)/) print pid " " line }' || true
}

# Stops here (nothing changed yet) while LabelDesk runs from this installation; from a
# terminal, waits for it to be closed instead.
wait_until_closed() {  # $1: what this run would do to it
    local procs answer pid command shown
    while procs="$(running_here)" && [[ -n "$procs" ]]; do
        echo "install.sh: LabelDesk is running from this installation:" >&2
        shown=0
        while read -r pid command; do
            if ((shown++ == 5)); then echo "  (and more)" >&2; fi
            if ((shown > 5)); then continue; fi
            if ((${#command} > 110)); then command="${command:0:107}..."; fi
            echo "  PID $pid: $command" >&2
        done <<<"$procs"
        if [[ ! -t 0 ]]; then
            die "close LabelDesk first (File > Quit), then run this again: $1. Nothing was changed."
        fi
        read -r -p "Close LabelDesk (File > Quit), then press Enter to go on (Ctrl-C: stop here) " answer ||
            die "stopped; nothing was changed"
    done
}

# GTK reads an icon theme's icon-theme.cache (left in ~/.local/share/icons/hicolor by
# gtk-update-icon-cache, which some installers run) instead of its folders while the
# theme's folder is not newer than the cache; an icon placed in a size folder that was
# there already leaves the theme's folder as it was, so menus kept showing no icon for
# LabelDesk. A new time on that folder makes them read the folders again.
icons_changed() {  # $1: the hicolor folder
    if [[ -d "$1" ]]; then touch -c -- "$1" 2>/dev/null || true; fi
}

# Without a manifest (its data folder deleted by hand) nothing is removed: no checksum says
# that a file is still what the installer wrote. What is left where the installer puts
# things is named, with why, and how to remove it; then the run stops.
left_unlisted() {
    local places=() path marked=() others=() link=""
    if [[ "$os" == Linux ]]; then
        places=("$data/applications/$desktop_id.desktop" "$data"/icons/hicolor/*/apps/labeldesk.png
            "$data/icons/hicolor/scalable/apps/labeldesk.svg" "$data/metainfo/$desktop_id.metainfo.xml")
    else
        places=("$HOME/Applications/LabelDesk.app/Contents/Info.plist"
            "$HOME/Applications/LabelDesk.app/Contents/MacOS/LabelDesk"
            "$HOME/Applications/LabelDesk.app/Contents/Resources/labeldesk.icns")
    fi
    for path in "${places[@]}"; do
        if has_mark "$path" || { [[ "$path" == *.icns && -f "$path" && ! -L "$path" ]] &&
            has_mark "${path%/Resources/*}/Info.plist"; }; then
            marked+=("$path")  # (an .icns has no place for the mark: its bundle's Info.plist)
        elif [[ -e "$path" || -L "$path" ]]; then
            others+=("$path")
        fi
    done
    if [[ -L "$command_link" && "$(readlink "$command_link")" == "$venv/bin/labeldesk" ]]; then
        link="$command_link"
    fi
    if [[ -z "$link" ]] && ((${#marked[@]} + ${#others[@]} == 0)); then return 0; fi
    if ((removed_folders)); then
        echo "install.sh: no $manifest (the data folder deleted by hand?): nothing but the empty folders above was removed." >&2
    else
        echo "install.sh: no $manifest (the data folder deleted by hand?): nothing was removed." >&2
    fi
    if ((${#marked[@]})); then
        echo "  Left, made by LabelDesk's installer but listed in no manifest, so not checked as" >&2
        echo "  still what it wrote:" >&2
        for path in "${marked[@]}"; do echo "    $path" >&2; done
    fi
    if [[ -n "$link" ]]; then
        echo "  Left, listed in no manifest: the command link, which points into LabelDesk's" >&2
        echo "  environment (gone with the data folder). No record says LabelDesk made it (a link" >&2
        echo "  of your own to that place is the same), so no run removes it; delete it if it is" >&2
        echo "  not yours:" >&2
        echo "    $link" >&2
    fi
    if ((${#others[@]})); then
        echo "  Left, without LabelDesk's installer mark (yours, or an older installer's):" >&2
        for path in "${others[@]}"; do echo "    $path" >&2; done
    fi
    if ((${#marked[@]})); then
        die "no LabelDesk installation found. To remove what its installer made: install again (it
  takes back each marked file that is exactly what it writes, the icon in its marked app
  bundle too), then run the uninstall command it prints."
    fi
    die "no LabelDesk installation found; the files above are left as they are"
}

# Without a manifest: each folder the installer made (its file in it, see made_name) that
# holds nothing else now, where it makes folders (the command's, the menu entry's, the
# icons', and the folders above them), deepest first. Removing it loses nothing.
removed_folders=0
remove_made_folders() {
    local start dir candidates=()
    for start in "$bin_dir" "$data/applications" "$data/metainfo" "$data"/icons/hicolor/*/apps; do
        dir="$start"
        while [[ "$dir" != / && "$dir" != . ]]; do
            candidates+=("$dir")
            dir="$(dirname "$dir")"
        done
    done
    while IFS= read -r dir; do
        if only_made_here "$dir" && rm -f -- "$dir/$made_name" && rmdir -- "$dir" 2>/dev/null; then
            say "  removed $dir: an empty folder LabelDesk's installer made"
            removed_folders=$((removed_folders + 1))
        fi
    done < <(printf '%s\n' "${candidates[@]}" | sort -u | awk '{ print length($0) "\t" $0 }' |
        sort -rn | cut -f2-)
}

others_in() {  # the first three names in folder $1 but the installer's file, as "a, b, c"
    local entry names=()
    for entry in "$1"/* "$1"/.[!.]* "$1"/..?*; do
        if [[ ! -e "$entry" && ! -L "$entry" ]] || [[ "${entry##*/}" == "$made_name" ]]; then
            continue
        fi
        names+=("${entry##*/}")
        if ((${#names[@]} == 3)); then break; fi
    done
    local IFS=,
    echo "${names[*]}" | sed 's/,/, /g'
}

# The app's log folder (platformdirs' user log folder, as app_log.py finds it): Linux
# $XDG_STATE_HOME/labeldesk/log (~/.local/state when unset or relative), macOS
# ~/Library/Logs/labeldesk. Sets log_root (what --uninstall names or removes) and log_dir.
find_app_log() {
    if [[ "$os" == Darwin ]]; then
        log_root="$HOME/Library/Logs/labeldesk" log_dir="$HOME/Library/Logs/labeldesk"
    else
        state_home="${XDG_STATE_HOME:-}"
        if [[ "$state_home" != /* ]]; then state_home="$HOME/.local/state"; fi
        log_root="$state_home/labeldesk" log_dir="$state_home/labeldesk/log"
    fi
}

# The log is the app's own (labeldesk.log and the previous run's labeldesk.log.1, nothing
# else: a start from the menu writes them): --uninstall removes it with the folders holding
# it. Anything else in them (a file of yours) keeps them, named as kept. Left, ~/.local/state
# kept a ~/.local the installer made, and its message sent the person to a script that the
# same run had deleted. An empty ~/.local/state goes too, but only inside a ~/.local that
# the installer made (no one else's was there before it).
remove_app_log() {
    local name
    find_app_log
    if [[ ! -d "$log_dir" || -L "$log_dir" || -L "$log_root" ]]; then return 0; fi
    for name in labeldesk.log labeldesk.log.1; do
        if [[ -f "$log_dir/$name" && ! -L "$log_dir/$name" ]]; then rm -f -- "$log_dir/$name"; fi
    done
    rmdir -- "$log_dir" 2>/dev/null || true
    if [[ "$log_root" != "$log_dir" ]]; then rmdir -- "$log_root" 2>/dev/null || true; fi
    if [[ -d "$log_root" ]]; then return 0; fi
    say "  removed $log_root: LabelDesk's log"
    if [[ "$os" != Darwin && "$state_home" == "$HOME/.local/state" ]] && made_here "$HOME/.local"; then
        rmdir -- "$state_home" 2>/dev/null || true
    fi
}

uninstall() {
    if [[ ! -f "$manifest" ]]; then
        remove_made_folders
        left_unlisted
        if ((removed_folders)); then
            say "No LabelDesk installation found (no $manifest); its installer had left only"
            say "empty folders it made: removed."
            return 0
        fi
        die "no LabelDesk installation found (no $manifest)"
    fi
    wait_until_closed "--uninstall removes the files it runs from"
    say "Removing LabelDesk (what $manifest lists)…"
    local entries kind path later icon_theme="" link_listed=""
    entries="$(cat "$manifest")"
    # Files, links and the environment first; each only if it is still what was made.
    while IFS= read -r entry; do
        kind="${entry%% *}"
        path="${entry#* }"
        case "$path" in
            /*) ;;
            *)  # relative to a folder no longer known: it might name someone else's file here
                if [[ -n "$entry" ]]; then say "  skipped $path: not an absolute path"; fi
                continue ;;
        esac
        case "$kind" in
            file | file:*)
                if [[ "${path##*/}" == "$made_name" ]]; then continue; fi  # with its folder, below
                if still_ours "$kind" "$path"; then
                    rm -f -- "$path"
                    case "$path" in */icons/hicolor/*/apps/labeldesk.*) icon_theme="${path%/*/apps/*}" ;; esac
                elif [[ -e "$path" ]]; then
                    say "  kept $path: changed since LabelDesk installed it"
                fi ;;
            link | link:*)
                if [[ "$path" == "$command_link" ]]; then link_listed=1; fi
                if our_link "$kind" "$path"; then
                    rm -f -- "$path"
                elif [[ -L "$path" && "$(readlink "$path")" == "$venv/bin/labeldesk" ]]; then
                    say "  kept $path: not the link LabelDesk made (made again since, by you or another program)"
                elif [[ -L "$path" ]]; then
                    say "  kept $path: it now points at $(readlink "$path"), not at LabelDesk's"
                elif [[ -e "$path" ]]; then
                    say "  kept $path: changed since LabelDesk installed it (no longer its link)"
                fi ;;
            tree) if [[ -d "$path" || -L "$path" ]]; then rm -rf -- "$path"; fi ;;  # a link: itself
        esac
    done <<<"$entries"
    rm -f -- "$manifest"
    remove_app_log  # before the folders: ~/.local/state/labeldesk kept a ~/.local it made
    if [[ -n "$icon_theme" ]]; then icons_changed "$icon_theme"; fi
    if [[ -z "$link_listed" && -L "$command_link" && "$(readlink "$command_link")" == "$venv/bin/labeldesk" ]]; then
        say "  kept $command_link: no manifest line says LabelDesk made it; it points at nothing now (delete it if it is not yours)"
    fi
    # Then the folders it created, deepest first, each only if nothing else is in it now. One
    # that stays keeps the installer's file (made_name): a later --uninstall, with no
    # manifest then, removes the folder once it is empty.
    while IFS= read -r path; do
        if [[ -z "$path" ]]; then continue; fi
        if only_made_here "$path"; then rm -f -- "$path/$made_name"; fi
        rmdir -- "$path" 2>/dev/null || true
        if [[ "$path" != "$home_dir" ]] && made_here "$path"; then
            # (this installation's install.sh went with its data folder: named only when the
            # script that ran is still there, as from a checkout)
            if [[ -f "$script" ]]; then
                later="$script --uninstall removes it once nothing else is in it"
            else
                later="once nothing else is in it, delete it (with the $made_name LabelDesk's installer left in it)"
            fi
            say "  kept $path: it holds what is not LabelDesk's ($(others_in "$path")); $later"
        fi
        if [[ "$path" == "$home_dir" && -d "$path" ]]; then
            say "  kept $path: it holds files that are not LabelDesk's ($(ls -A "$path" | head -3 |
                paste -sd, - | sed 's/,/, /g'))"
        fi
    done < <(printf '%s\n' "$entries" | sed -n 's/^dir \(\/\)/\1/p' |
        awk '{ print length($0) "\t" $0 }' | sort -rn | cut -f2-)
    say "LabelDesk is uninstalled. Your projects and image folders are untouched."
    # What the app itself wrote is the user's to keep, but named, so that it can be found:
    # its settings (Qt's INI location: XDG_CONFIG_HOME or ~/.config, macOS included) and
    # the model cache (platformdirs' user cache folder); the log folder only when it holds
    # more than the app's log (remove_app_log took that).
    local config cache logs
    config="${XDG_CONFIG_HOME:-}"
    if [[ "$config" != /* ]]; then config="$HOME/.config"; fi
    cache="${XDG_CACHE_HOME:-}"
    find_app_log
    logs="$log_root"
    if [[ "$os" == Darwin ]]; then
        cache="$HOME/Library/Caches"
    elif [[ "$cache" != /* ]]; then
        cache="$HOME/.cache"
    fi
    if [[ -d "$config/LabelDesk" || -d "$cache/labeldesk" || -d "$logs" ]]; then
        say "Kept, as yours (delete these folders to remove them too):"
        if [[ -d "$config/LabelDesk" ]]; then say "  settings:    $config/LabelDesk"; fi
        if [[ -d "$cache/labeldesk" ]]; then say "  model cache: $cache/labeldesk"; fi
        if [[ -d "$logs" ]]; then say "  log:         $logs"; fi
    fi
}

if [[ "$action" == uninstall ]]; then
    # The copy the installer leaves beside its manifest uninstalls that installation,
    # whatever XDG_DATA_HOME the shell running it has.
    here="$(dirname "$script")"
    if [[ -f "$here/install-manifest.txt" ]]; then
        home_dir="$here" manifest="$here/install-manifest.txt" venv="$here/venv"
    fi
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
state="$home_dir/torch-build"  # the build pip installed last: cpu, cuda, rocm or mps
index_state="$home_dir/torch-index"  # the index asked for it (a URL, or "default")
recorded_build="" recorded_index=""
if [[ -f "$state" ]]; then
    recorded_build="$(head -n 1 "$state")"
    case "$recorded_build" in
        cpu | cuda | rocm) ;;
        mps) recorded_build=cpu ;;  # macOS: what PyPI's CPU build is
        *) recorded_build="" ;;
    esac
fi
if [[ -f "$index_state" ]]; then recorded_index="$(head -n 1 "$index_state")"; fi
torch_kept="" index_kept=""
# Whose index it is: where it cannot be reached, an index asked for, the one an installation
# came from, or the CPU one a CPU build needs, stops the run (nothing changed) rather than
# let pip take its default index (on Linux the CUDA build: GBs, in place of a CPU or ROCm one).
index_owner=""
case "$torch_index" in "" | auto | default) ;; *) index_owner="the index asked for" ;; esac
build_asked="$torch_choice"
installed_before=""
if [[ -e "$venv" || -L "$venv" ]]; then installed_before=1; fi
if [[ -z "$torch_choice" ]]; then
    # A re-run keeps the build installed before (a `--torch cuda` install stays CUDA, one
    # from a ROCm index stays ROCm).
    torch_choice="${recorded_build:-auto}"
    if [[ -n "$recorded_build" ]]; then torch_kept=1; fi
fi
if [[ "$torch_choice" == auto ]]; then
    if [[ "$os" == Linux ]] && command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L 2>/dev/null | grep -q GPU; then
        torch_choice="cuda"
    else
        torch_choice="cpu"
    fi
fi
if [[ -z "$torch_index" && -n "$recorded_index" && "$torch_choice" == "$recorded_build" ]]; then
    # ...and the index it came from, with it (a build chosen anew gets its own index).
    torch_index="$recorded_index" index_kept=1
    index_owner="the index this installation's PyTorch came from"
fi
[[ "$torch_index" == auto ]] && torch_index=""
index_asked="$torch_index"  # remembered once installed: "", a URL or "default"
[[ "$os" == Darwin && "$torch_choice" == cuda ]] && die "macOS has no CUDA builds of PyTorch (use --torch cpu; Apple GPUs are used through MPS)"
if [[ -z "$torch_index" && "$os" == Linux && "$torch_choice" == cpu ]]; then
    # PyPI's Linux wheels are the CUDA build (several GB with its libraries); this index
    # has the CPU-only one. macOS wheels on PyPI are CPU/MPS builds already.
    torch_index="https://download.pytorch.org/whl/cpu"
    if [[ "$build_asked" == cpu ]]; then
        index_owner="where the CPU build asked for comes from"
    elif [[ -n "$installed_before" ]]; then
        index_owner="the index this installation's PyTorch came from"
    fi  # else a first install, nothing asked: pip's default index will do (with a note)
fi
index_said="${torch_index:+ from $torch_index}"
if [[ "$torch_index" == default ]]; then index_said=" from pip's default index" torch_index=""; fi
if [[ -n "$index_kept" ]]; then index_said+=" (as before; --torch-index URL|default|auto to choose)"; fi

say "Installing LabelDesk into $venv"
say "  from:    $source_path"
say "  python:  $("$python" --version 2>&1) ($python)"
say "  PyTorch: $torch_choice build${torch_kept:+ (as installed before; --torch to choose)}$index_said${LABELDESK_TORCH_SPEC:+ ($LABELDESK_TORCH_SPEC)}"

wait_until_closed "an upgrade replaces the files it runs from"

# An environment without a manifest was made by install-linux.sh (before this installer):
# adopt what it made, so that --uninstall removes it too.
adopting=""
if [[ -x "$venv/bin/python" && ! -L "$venv" && ! -f "$manifest" ]]; then
    say "  adopting the installation made by install-linux.sh"
    adopting=1
    record dir "$home_dir"
    record tree "$venv"
    # its icon, only while it is the SVG that script copied (resources/labeldesk.svg, of
    # which there has been one version): an icon of your own there stays
    legacy_icon="$data/icons/hicolor/scalable/apps/labeldesk.svg"
    if [[ -f "$legacy_icon" && ! -L "$legacy_icon" ]] &&
        [[ "$(sha256 <"$legacy_icon")" == d0df5855400d274563792f7cc15716bfbed763548a9bdb3897f9908a9b04fa8f ]]; then
        record "file:d0df5855400d274563792f7cc15716bfbed763548a9bdb3897f9908a9b04fa8f" "$legacy_icon"
    fi
fi
had_manifest=""
if [[ -f "$manifest" ]]; then had_manifest=1; fi
make_dir "$home_dir"
# Whatever a run that stops (an error, Ctrl-C) has made by then is listed: a menu entry or
# icon left unlisted would be "not LabelDesk's" to every later run and uninstall; and the
# person who ran it reads what to do next.
work=""
building=""  # the new environment, until `venv` points at it
unchanged=""  # stopped before anything in use changed: stop_unchanged() below
stopped() {
    local status=$? undo i entry
    if [[ -n "$work" ]]; then rm -rf -- "$work"; fi
    if [[ -n "$building" ]]; then rm -rf -- "$building" && forget "$building"; fi
    if [[ -n "$unchanged" && -z "$had_manifest" ]]; then
        # nothing installed yet: the folders this run made go too, with the manifest
        rm -f -- "$manifest"
        for ((i = ${#created[@]} - 1; i >= 0; i--)); do
            entry="${created[i]}"
            if [[ "${entry%% *}" != dir ]]; then continue; fi
            if only_made_here "${entry#* }"; then rm -f -- "${entry#* }/$made_name"; fi
            rmdir -- "${entry#* }" 2>/dev/null || true
        done
        return
    fi
    write_manifest
    if ((status != 0)) && [[ -z "$unchanged" ]]; then
        if [[ -f "$uninstaller" ]]; then
            undo="\"$uninstaller\""
        elif [[ "$os" == Linux && "$data" != "$HOME/.local/share" ]]; then
            undo="XDG_DATA_HOME=\"$data\" \"$script\""
        else
            undo="\"$script\""
        fi
        echo "install.sh: the installation did not finish. Run the installer again to finish it" >&2
        echo "  (what is done is kept), or remove what it made: $undo --uninstall" >&2
    fi
}
trap stopped EXIT
# Stops before the environment in use, the command or the menu entry changed (what this
# run made is removed as it is on any stop): nothing to finish or undo.
stop_unchanged() {
    unchanged=1
    die "$@"
}
# A shell that a signal ends runs its EXIT trap with $? 0 (it would say nothing): exit
# with the signal's status instead.
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# The environment in use: `venv`, a link to venv-STAMP (or, from installers before the
# link, a folder). What is listed and is not it was left by a run that stopped (kill -9):
# removed, with the environment a run killed while making a first `venv` folder left.
in_use=""
if [[ ! -e "$venv" && ! -L "$venv" && -f "$manifest" ]]; then
    # Stopped between moving an older installer's `venv` folder aside and linking the new
    # one: that folder goes back (its scripts name "$venv/bin/python").
    while IFS= read -r entry; do
        path="${entry#* }"
        if [[ "${entry%% *}" == tree && "$path" == "$home_dir/venv-"*-old && -d "$path" ]]; then
            mv -- "$path" "$venv"
            say "  moved $path back to $venv (an earlier run stopped while replacing it)"
            forget "$path"
            write_manifest
            break
        fi
    done <"$manifest"
fi
if [[ (-e "$venv" || -L "$venv") && "$(recorded "$venv")" != tree ]]; then
    die "$venv exists and was not made by this installer; move it away and run again"
fi
if [[ -L "$venv" ]]; then
    in_use="$(readlink "$venv")"
    case "$in_use" in /*) ;; *) in_use="$home_dir/$in_use" ;; esac
    # Removed once replaced only where it is one of the environments this installer made
    # and listed (venv-STAMP beside the link): a link someone pointed at a folder of their
    # own (../.., another environment) leaves that folder as it is.
    if [[ "${in_use#"$home_dir"/venv-}" == "$in_use" || "${in_use#"$home_dir"/}" == */* ||
        "$(recorded "$in_use")" != tree ]]; then
        say "  note: $venv points at $in_use, not an environment this installer made: kept"
        in_use=""
    fi
elif [[ -e "$venv" && "$(recorded "$venv")" == tree ]] &&
    ! "$venv/bin/python" -m pip --version >/dev/null 2>&1; then
    say "  the environment an earlier, stopped run began is incomplete: removing it"
    rm -rf -- "$venv"
fi
if [[ -f "$manifest" ]]; then
    while IFS= read -r entry; do
        path="${entry#* }"
        if [[ "${entry%% *}" == tree && "$path" == "$home_dir/venv-"* && "$path" != "$in_use" ]]; then
            say "  removing $path, an environment an earlier run left"
            rm -rf -- "$path"
            forget "$path"
        fi
    done <"$manifest"
fi

# A new environment beside the one in use, listed before it is made (a run killed
# meanwhile leaves it to the next run and to --uninstall).
building="$home_dir/venv-$(date +%Y%m%d%H%M%S)-$$"
record tree "$building"
if [[ ! -L "$venv" ]]; then record tree "$venv"; fi  # the link made below (or the old folder)
write_manifest
"$python" -m venv "$building" || die "could not create a virtual environment with $python"
vpython="$building/bin/python"
"$vpython" -m pip install --quiet --upgrade pip

# Can pip get PyTorch from the index? Asked as pip asks it, for INDEX/torch/ (an index's
# root may answer 404: not every mirror serves a page there), with a user:password in the
# URL sent as pip sends it, and with the settings `pip install` reads (`pip config list`:
# pip.conf files, PIP_CONFIG_FILE's, PIP_* variables): its proxy (as in pip, for every
# host, NO_PROXY and the environment's proxies aside; "" or no-proxy-env: none), cert,
# client-cert and trusted-host (that host's certificate is not checked); pip's certifi
# bundle, REQUESTS_CA_BUNDLE and CURL_CA_BUNDLE are added to the system's certificates.
# Any answer but 404/410 or a server error counts (401/403: pip may hold credentials, in
# .netrc or a keyring, this lacks). Nothing but the index (through that proxy) is asked.
# Exit 1: no answer, with why (2: no PyTorch there).
index_probe='import ast, base64, os, ssl, subprocess, sys, urllib.error, urllib.parse, urllib.request
def unusable(status, why):
    print(why)
    sys.exit(status)
url = urllib.parse.urlsplit(sys.argv[1].rstrip("/") + "/torch/")
if url.scheme == "file":
    path = urllib.request.url2pathname(url.path)
    sys.exit(0 if os.path.exists(path) else unusable(2, f"no {path}"))
# the settings pip uses: a PIP_* variable over the [install] section over [global]
settings, rank = {"cert": os.environ.get("PIP_CERT")}, {"global": 1, "install": 2, ":env:": 3}
try:
    listed = subprocess.run([sys.executable, "-m", "pip", "config", "list"], timeout=60,
                            stdin=subprocess.DEVNULL, capture_output=True, text=True).stdout
except Exception:
    listed = ""
taken = {}
for line in listed.splitlines():
    key, _, value = line.partition("=")
    section, _, name = key.partition(".")
    if section in rank and rank[section] >= taken.get(name, 0):  # later files win
        try:
            settings[name], taken[name] = ast.literal_eval(value), rank[section]
        except (SyntaxError, ValueError):
            pass
userinfo, _, host = url.netloc.rpartition("@")
request = urllib.request.Request(urllib.parse.urlunsplit(url._replace(netloc=host)))
if userinfo:
    user, _, password = userinfo.partition(":")
    login = urllib.parse.unquote(user) + ":" + urllib.parse.unquote(password)
    request.add_header("Authorization", "Basic " + base64.b64encode(login.encode()).decode())
handlers = []
proxy = settings.get("proxy")
no_env = str(settings.get("no-proxy-env")).strip().lower() in ("1", "y", "yes", "t", "true", "on")
if proxy is not None or no_env:
    # pip then leaves the environment out: its proxies and NO_PROXY (proxy "": none at all);
    # else pip sends everything through it, written scheme://[user:password@]host:port
    proxy = proxy.strip() if proxy else ""
    proxy = proxy if "://" in proxy or not proxy else "http://" + proxy
    handlers.append(urllib.request.ProxyHandler({"http": proxy, "https": proxy} if proxy else {}))
    for name in ("no_proxy", "NO_PROXY"):
        os.environ.pop(name, None)
context = ssl.create_default_context()
bundles = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")
for bundle in ("pip", settings.get("cert"), *(os.environ.get(name) for name in bundles)):
    try:
        if bundle == "pip":
            from pip._vendor import certifi
            bundle = certifi.where()
        if bundle and os.path.isdir(bundle):
            context.load_verify_locations(capath=bundle)
        elif bundle:
            context.load_verify_locations(bundle)
    except Exception:
        pass
# a trusted host ("host" for any port, or "host:port") is used without a certificate check
trusted = str(settings.get("trusted-host") or "").lower().split()
if any(host.lower() == name or host.lower().startswith(name + ":") for name in trusted):
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
client_cert = settings.get("client-cert")
if client_cert:
    try:
        context.load_cert_chain(client_cert)
    except Exception as error:
        unusable(1, f"pip\x27s client-cert {client_cert} cannot be used: {error}")
handlers.append(urllib.request.HTTPSHandler(context=context))
urllib.request.install_opener(urllib.request.build_opener(*handlers))
try:
    urllib.request.urlopen(request, timeout=15).close()
except urllib.error.HTTPError as error:
    if error.code in (404, 410):
        unusable(2, f"it has no PyTorch: {error.code} for {request.full_url}")
    if error.code >= 500:
        unusable(1, f"it answers {error.code} {error.reason}")
except Exception as error:
    unusable(1, getattr(error, "reason", None) or error)'

pip_args=(install --upgrade --upgrade-strategy only-if-needed)
if [[ -n "$torch_index" ]]; then
    if why="$("$vpython" -c "$index_probe" "$torch_index" 2>&1)"; then
        pip_args+=(--extra-index-url "$torch_index")
    elif [[ -n "$index_owner" ]]; then
        # pip's default index instead would replace this PyTorch (or the one asked for) with
        # another build, and later runs would keep that one: stop before anything changes.
        stop_unchanged "cannot get PyTorch from $torch_index
  ($index_owner): $(printf '%s' "$why" | tail -1).
  Nothing was changed: run this again when it can be reached, or add --torch-index default
  to take PyTorch from pip's default index (on Linux the larger CUDA build)."
    else
        # A first install with nothing asked: a working LabelDesk from pip's index, rather
        # than none because of a host the installer chose.
        say "  note: no PyTorch from $torch_index ($(printf '%s' "$why" | tail -1));"
        say "        it comes from pip's default index instead (on Linux that is the larger CUDA"
        say "        build, which runs on the CPU too); for the smaller CPU build, once that index"
        say "        can be reached: run this again with --torch cpu"
        index_asked=""  # not remembered: the build recorded is the one pip's index gave
    fi
fi

say "Installing packages (PyTorch included: a few minutes)…"
# shellcheck disable=SC2086  # LABELDESK_TORCH_SPEC is a list of requirements
"$vpython" -m pip "${pip_args[@]}" --quiet "$source_path" ${LABELDESK_TORCH_SPEC:-} ||
    die "pip could not install LabelDesk (see above); the installation in use (if any) is unchanged"
# A CPU torch with a CUDA torchvision (or the reverse) installs fine and fails on import.
# The build recorded is the one installed: ROCm builds name their HIP version (and no CUDA).
if ! check="$("$vpython" -c 'import torch, torchvision, timm
mps = getattr(getattr(torch, "backends", None), "mps", None)
print("cuda" if torch.version.cuda else "rocm" if getattr(torch.version, "hip", None)
      else "mps" if mps is not None and mps.is_built() else "cpu")' 2>&1)"; then
    echo "$check" | tail -3 >&2
    die "the installed PyTorch and torchvision do not load together (above); re-run with --torch cpu|cuda, another --torch-index, or a matching pair in LABELDESK_TORCH_SPEC"
fi
installed_build="$(printf '%s\n' "$check" | tail -1)"
case "$installed_build" in
    cpu | cuda | rocm | mps)
        # (macOS: PyPI's CPU build is the MPS one)
        if [[ "$installed_build" != "$torch_choice" && "$torch_choice$installed_build" != cpumps ]]; then
            say "  note: pip installed the $installed_build build of PyTorch, not the $torch_choice build"
        fi ;;
    *) installed_build="$torch_choice" ;;
esac
[[ -f "$building/share/labeldesk/$desktop_id.desktop" ]] ||
    die "the installed package lacks its resources ($building/share/labeldesk)"

# It works: `venv` now points at it, in one step (a rename). A `venv` folder from an older
# installer is moved aside first (its scripts start "$venv/bin/python": through the link).
if [[ -d "$venv" && ! -L "$venv" ]]; then
    aside="$home_dir/venv-$(date +%Y%m%d%H%M%S)-$$-old"
    record tree "$aside"
    write_manifest
    mv -- "$venv" "$aside"
    in_use="$aside"
fi
rm -f -- "$home_dir/venv.next"  # left by a run killed here
ln -s -- "$(basename "$building")" "$home_dir/venv.next"
# (rename(2) over the old link, not into the folder it names: GNU mv -T; older macOS mv
# lacks -h, so Python's os.replace there)
if [[ "$os" == Darwin ]]; then
    "$python" -c 'import os, sys; os.replace(sys.argv[1], sys.argv[2])' "$home_dir/venv.next" "$venv"
else
    mv -f -T -- "$home_dir/venv.next" "$venv"
fi
building=""
[[ -f "$state" ]] || record file "$state"  # in the data folder: ours, no checksum
echo "$installed_build" >"$state"
if [[ -n "$index_asked" ]]; then
    [[ -f "$index_state" ]] || record file "$index_state"
    echo "$index_asked" >"$index_state"
elif [[ -f "$index_state" ]]; then
    rm -f -- "$index_state"
    forget "$index_state"
fi
if [[ -n "$in_use" && -n "$(running_here)" ]]; then
    # Started while pip ran: what it loads stays (listed) for the next run to remove.
    say "  note: LabelDesk was started while this ran; the environment it runs from"
    say "        ($in_use) is kept until the next run of the installer"
elif [[ -n "$in_use" ]]; then
    rm -rf -- "$in_use"
    forget "$in_use"
fi
write_manifest
vpython="$venv/bin/python"

share="$venv/share/labeldesk"

work="$(mktemp -d "${TMPDIR:-/tmp}/labeldesk-install.XXXXXX")"  # removed by stopped()

# Copies a file into place where there is none, or where the one there is still what the
# installer wrote (its checksum in the manifest), and records the new checksum. Anything
# else there is someone's own (or was edited since): left as it is, with a note. $1 is
# what to write there, mark included (with_mark). $3 (optional), "bundle": a file with no
# place for the mark (the .icns), in an app bundle whose Info.plist carries it: the mark
# of the bundle stands for its own.
place() {
    local src="$1" dest="$2" kind mark_found=""
    make_dir "$(dirname "$dest")"
    if [[ -e "$dest" || -L "$dest" ]]; then
        kind="$(recorded "$dest")"
        if has_mark "$dest" || [[ "${3:-}" == bundle && -f "$dest" && ! -L "$dest" ]]; then mark_found=1; fi
        if [[ -z "$kind" && -n "$mark_found" ]] && cmp -s -- "$src" "$dest"; then
            # Marked, and exactly what this run writes there: left by this installation
            # before its data folder (and manifest) was deleted. Listed again, so that
            # --uninstall removes it. (The same bytes without the mark prove nothing: a
            # copy of LabelDesk's icon or metainfo of the user's own is the same.)
            record "file:$(sha256 <"$dest")" "$dest"
            return 0
        elif [[ -z "$kind" && -n "$mark_found" ]]; then
            say "  note: $dest is not what this installer writes (edited, or from another version), and no manifest lists it; left as it is"
            return 0
        elif [[ -z "$kind" ]]; then
            say "  note: $dest exists and is not LabelDesk's; left as it is"
            return 0
        elif ! still_ours "$kind" "$dest"; then
            say "  note: $dest was changed since LabelDesk installed it; left as it is"
            return 0
        fi
    fi
    cp -- "$src" "$work/next"
    mv -f -- "$work/next" "$dest"
    record "file:$(sha256 <"$dest")" "$dest"  # (listed by the EXIT trap if a later step fails)
}

# Inside the installer's own data folder everything is its own: copied, recorded once.
place_own() {
    [[ -e "$2" ]] || record file "$2"
    cp -- "$1" "$2"
}

# One argument of a desktop entry's Exec key, quoted as the Desktop Entry Specification
# asks: \ " ` $ escaped inside the quotes, then every backslash doubled (the string
# escapes are undone first), and % written %%.
exec_argument() {
    local s="$1" out="" c i
    for ((i = 0; i < ${#s}; i++)); do
        c="${s:i:1}"
        # shellcheck disable=SC1003  # the single-quoted backslashes are meant
        case "$c" in
            '\') out+='\\\\' ;;
            '"') out+='\\"' ;;
            '`') out+='\\`' ;;
            '$') out+='\\$' ;;
            '%') out+='%%' ;;
            *) out+="$c" ;;
        esac
    done
    printf '"%s"' "$out"
}

# The menu entry install-linux.sh wrote for this installation: its template (installer/
# labeldesk.desktop, one version in its history) through its sed command.
legacy_entry() {
    sed "s|@LABELDESK@|$venv/bin/labeldesk|" <<'ENTRY'
[Desktop Entry]
Type=Application
Name=LabelDesk
GenericName=Image dataset curation
Comment=Label images, find mislabels and export clean datasets, offline
Exec=@LABELDESK@ gui
Icon=labeldesk
Terminal=false
Categories=Graphics;Science;Development;
Keywords=dataset;labels;annotation;machine learning;images;
StartupWMClass=LabelDesk
ENTRY
}

# --- the command ----------------------------------------------------------------------------
# Listed with its target's checksum and its own identity (link_id): --uninstall removes
# only this very link. One already there is the installer's only where the manifest lists
# it (or install-linux.sh, being adopted, made it: it always did, with ln -sf).
make_dir "$bin_dir"
link_kind="link:$(printf '%s' "$venv/bin/labeldesk" | sha256)"
kind="$(recorded "$command_link")"
if [[ -L "$command_link" && "$(readlink "$command_link")" == "$venv/bin/labeldesk" ]] &&
    { our_link "$kind" "$command_link" || [[ -n "$adopting" && -z "$kind" ]]; }; then
    id="$(link_id "$command_link")"
    record "$link_kind${id:+:$id}" "$command_link"
elif [[ -e "$command_link" || -L "$command_link" ]]; then
    if [[ -n "$kind" ]]; then
        say "  note: $command_link was changed since LabelDesk made it (not its link now); left as it is"
    else
        say "  note: $command_link exists and is not LabelDesk's; left as it is"
    fi
else
    ln -s "$venv/bin/labeldesk" "$command_link"
    id="$(link_id "$command_link")"
    record "$link_kind${id:+:$id}" "$command_link"
fi
place_own "$script" "$uninstaller"
chmod +x "$uninstaller"

# --- the menu entry ---------------------------------------------------------------------------
if [[ "$os" == Linux ]]; then
    desktop="$data/applications/$desktop_id.desktop"
    exec_path="$(exec_argument "$venv/bin/labeldesk")"
    try_exec="$(printf '%s' "$venv/bin/labeldesk" | sed 's/\\/\\\\/g')"  # a string: \ doubled
    while IFS= read -r line || [[ -n "$line" ]]; do
        case "$line" in
            "Exec=labeldesk "*)
                printf 'Exec=%s %s\n' "$exec_path" "${line#Exec=labeldesk }"
                printf 'TryExec=%s\n' "$try_exec" ;;
            "[Desktop Entry]") printf '%s\n%s\n' "$line" "$mark" ;;  # a key of its own
            *) printf '%s\n' "$line" ;;
        esac
    done <"$share/$desktop_id.desktop" >"$work/$desktop_id.desktop"
    place "$work/$desktop_id.desktop" "$desktop"
    for png in "$share"/icons/labeldesk-*.png; do
        size="${png##*-}"
        size="${size%.png}"
        with_mark "$png" "$work/labeldesk.png"
        place "$work/labeldesk.png" "$data/icons/hicolor/${size}x${size}/apps/labeldesk.png"
    done
    with_mark "$share/labeldesk.svg" "$work/labeldesk.svg"
    place "$work/labeldesk.svg" "$data/icons/hicolor/scalable/apps/labeldesk.svg"
    icons_changed "$data/icons/hicolor"
    with_mark "$share/$desktop_id.metainfo.xml" "$work/$desktop_id.metainfo.xml"
    place "$work/$desktop_id.metainfo.xml" "$data/metainfo/$desktop_id.metainfo.xml"
    # install-linux.sh (before this installer) wrote labeldesk.desktop: one entry is enough.
    # Removed only when byte for byte what that script wrote for this installation (its
    # template, the same in every version, with the path put in by the same sed): a
    # launcher of your own with the same Exec= line, or that entry edited, stays.
    old="$data/applications/labeldesk.desktop"
    if [[ -f "$old" && ! -L "$old" ]]; then
        legacy_entry >"$work/labeldesk.desktop" 2>/dev/null || true
        if cmp -s -- "$work/labeldesk.desktop" "$old"; then
            rm -f -- "$old"
            say "  removed $old, the menu entry install-linux.sh wrote (replaced by $desktop_id.desktop)"
        elif grep -qF -- "$venv/bin/labeldesk" "$old"; then
            say "  note: $old starts LabelDesk but is not what install-linux.sh wrote (yours, or edited); left as it is"
        fi
    fi
    start_hint="LabelDesk in your applications menu"
else
    app="$HOME/Applications/LabelDesk.app"
    # A bundle whose Info.plist carries the mark and no manifest lists: this installer's,
    # left when its data folder (and manifest) went. Its folders are listed again (removed
    # by --uninstall only when empty), and its .icns, which has no place for a mark, is
    # taken back when it is exactly what this run writes.
    # ~/Applications, when the installer made it, is listed (removed by --uninstall when
    # empty) and said in the Info.plist's mark, so that a run without the manifest lists it
    # again; one that was there before is never listed.
    apps="$HOME/Applications"
    apps_said="$mark (it made ~/Applications)"
    icns_mark=""
    if has_mark "$app/Contents/Info.plist" && [[ -z "$(recorded "$app/Contents/Info.plist")" ]]; then
        icns_mark=bundle
        for dir in "$app" "$app/Contents" "$app/Contents/MacOS" "$app/Contents/Resources"; do
            if [[ -d "$dir" && ! -L "$dir" && -z "$(recorded "$dir")" ]]; then record dir "$dir"; fi
        done
        if grep -qF -- "$apps_said" "$app/Contents/Info.plist" && [[ -d "$apps" && ! -L "$apps" &&
            -z "$(recorded "$apps")" ]]; then record dir "$apps"; fi
    fi
    make_dir "$app/Contents/MacOS"
    make_dir "$app/Contents/Resources"
    plist_mark="$mark"
    if [[ "$(recorded "$apps")" == dir ]]; then plist_mark="$apps_said"; fi
    version="$("$vpython" -c 'import labeldesk; print(labeldesk.__version__)')"
    cat >"$work/Info.plist" <<PLIST
<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<!-- $plist_mark -->
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
    place "$work/Info.plist" "$app/Contents/Info.plist"
    cat >"$work/LabelDesk" <<LAUNCHER
#!/bin/sh
# LabelDesk's app launcher, written by installer/install.sh: runs the app in its environment.
# $mark
exec "$venv/bin/labeldesk" gui "\$@"
LAUNCHER
    chmod +x "$work/LabelDesk"  # cp keeps the mode
    place "$work/LabelDesk" "$app/Contents/MacOS/LabelDesk"
    place "$share/labeldesk.icns" "$app/Contents/Resources/labeldesk.icns" "$icns_mark"
    start_hint="LabelDesk in ~/Applications (Launchpad, Spotlight)"
fi
write_manifest

# Qt's X11 plugin needs system libraries a minimal desktop may lack: said now, in this
# terminal, rather than first when the menu entry is clicked (no display is needed to ask),
# ending with how to start LabelDesk once they are installed (it has not been started yet).
x11_note=""
if [[ "$os" == Linux ]]; then
    x11_note="$("$vpython" -c 'import sys
from labeldesk.cli.first_run import missing_libraries_problem as p
print(p(start=sys.argv[1]) or "")' "$start_hint, or run: labeldesk gui" 2>/dev/null)" || x11_note=""
fi

say ""
say "LabelDesk $("$vpython" -c 'import labeldesk; print(labeldesk.__version__)') is installed."
say "  Start it:    $start_hint, or run: labeldesk gui"
check_command="labeldesk --version"
case ":$PATH:" in
    *":$bin_dir:"*) ;;
    *)
        say "               ($bin_dir is not on your PATH: run \"$command_link\" gui, or add it)"
        check_command="\"$command_link\" --version" ;;  # as typed, `labeldesk` runs nothing
esac
say "  Check it:    $check_command"
say "  Upgrade:     run this installer again (settings and projects are kept)"
say "  Uninstall:   \"$uninstaller\" --uninstall"
if [[ -n "$x11_note" ]]; then
    say ""
    say "Before it can open a window in an X11 session:"
    say "${x11_note#LabelDesk cannot start: }"
fi
