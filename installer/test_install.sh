#!/usr/bin/env bash
# End-to-end test of installer/install.sh (Linux): install this checkout into a temporary
# HOME, run the installed launcher (--version, an offscreen GUI start, the no-display
# message), upgrade (refused while the app runs), uninstall, and check that exactly what
# the installer created is gone while unrelated files, settings and projects stay. `make test-install` runs it.
#
# PyTorch: the installer's default for a machine without an NVIDIA GPU is the CPU build
# from https://download.pytorch.org/whl/cpu. Where that index cannot be reached and a
# local CPU wheel of torch is in pip's find-links folders, the test pins that wheel
# (LABELDESK_TORCH_SPEC) rather than fetch the multi-GB CUDA build; it says which it used.
# Either way it passes --torch-index default (asked for --torch cpu with its index out of
# reach, the installer stops, changing nothing).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
started=$(date +%s)
tmp="$(mktemp -d /tmp/labeldesk-test-install.XXXXXX)"
keep="${KEEP_TEST_HOME:-0}"
cleanup() { if [[ "$keep" != 1 ]]; then rm -rf "$tmp"; else echo "kept $tmp"; fi; }
trap cleanup EXIT

fail() { echo "test_install.sh: FAILED: $*" >&2; exit 1; }
step() { echo "--- $* ($(($(date +%s) - started)) s)"; }

export HOME="$tmp/home"
unset XDG_DATA_HOME XDG_CONFIG_HOME XDG_CACHE_HOME LABELDESK_SKIP_CHECKS
# Outside HOME: pip's cache, and the state that rustup's proxies write when a package's
# build probes for Rust, are not the installer's.
export PIP_CACHE_DIR="$tmp/pip-cache" RUSTUP_HOME="$tmp/rustup" CARGO_HOME="$tmp/cargo"
data="$HOME/.local/share"
mkdir -p "$data" "$HOME/.local/bin" "$HOME/projects/mine"
# Things that are not LabelDesk's and must outlive it.
echo "someone else's file" >"$data/unrelated.txt"
echo "#!/bin/sh" >"$HOME/.local/bin/other-tool"
echo "my project" >"$HOME/projects/mine/notes.txt"
# What the app itself writes when it runs is not the installer's, and stays like projects:
# settings (~/.config), caches (~/.cache) and the log of a start from the menu
# (~/.local/state). Anything else, such as OpenVINO's telemetry state (~/intel, which
# LabelDesk blocks), fails the comparison at the end.
snapshot() {
    (cd "$HOME" && find . \( -path ./.cache -o -path ./.config -o -path ./.local/state \) -prune \
        -o -print | sort)
}
snapshot >"$tmp/before.txt"
# A copy of the installer runs (--from the checkout): editing install.sh during a run
# cannot change the run, and --from is tested too.
cp "$repo/installer/install.sh" "$tmp/install.sh"
install=("$tmp/install.sh" --from "$repo" --torch cpu)
index_args=()  # --torch-index default where the CPU index cannot be reached

# --- which PyTorch -----------------------------------------------------------------------------
# The installer's default here is the CPU build from download.pytorch.org. Where that index
# cannot be reached, a local CPU pair (torch and torchvision wheels in pip's find-links
# folders) is pinned if there is one; otherwise pip's default index gives the CUDA build,
# which works on a machine without a GPU too (larger). The checks below follow the choice.
expect_build="CPU build"
if [[ -z "${LABELDESK_TORCH_SPEC:-}" ]] &&
    ! python3 -c 'import urllib.request; urllib.request.urlopen("https://download.pytorch.org/whl/cpu/", timeout=15)' 2>/dev/null; then
    index_args=(--torch-index default)
    links="${PIP_FIND_LINKS:-$(python3 -m pip config get global.find-links 2>/dev/null || true)}"
    torch_wheel="" vision_wheel=""
    for dir in $links; do
        dir="${dir#file://}"
        torch_wheel="${torch_wheel:-$(find "$dir" -maxdepth 1 -name 'torch-*+cpu-*.whl' 2>/dev/null | sort -V | tail -1)}"
        vision_wheel="${vision_wheel:-$(find "$dir" -maxdepth 1 -name 'torchvision-*+cpu-*.whl' 2>/dev/null | sort -V | tail -1)}"
    done
    if [[ -n "$torch_wheel" && -n "$vision_wheel" ]]; then
        export LABELDESK_TORCH_SPEC="$torch_wheel $vision_wheel"
        echo "PyTorch CPU index unreachable here; using the local CPU wheels $LABELDESK_TORCH_SPEC"
    else
        expect_build="CUDA [0-9.]* build"
        echo "PyTorch CPU index unreachable here and no local CPU pair of torch and torchvision"
        echo "wheels (${torch_wheel:-no torch}, ${vision_wheel:-no torchvision}): the test installs"
        echo "the CUDA build from pip's default index, as the installer does in this case"
    fi
fi

# --- install -----------------------------------------------------------------------------------
step "install"
"${install[@]}" ${index_args[@]+"${index_args[@]}"} >"$tmp/install.log" 2>&1 || {
    tail -30 "$tmp/install.log"
    fail "install.sh exited non-zero"
}
cat "$tmp/install.log"
if ! grep -q "Start it:" "$tmp/install.log" || ! grep -q "Uninstall:" "$tmp/install.log"; then
    fail "the installer did not say how to start and uninstall"
fi
venv="$data/labeldesk/venv"
manifest="$data/labeldesk/install-manifest.txt"
launcher="$HOME/.local/bin/labeldesk"
desktop="$data/applications/org.labeldesk.LabelDesk.desktop"
[[ -f "$manifest" ]] || fail "no manifest"
[[ -L "$launcher" && "$(readlink "$launcher")" == "$venv/bin/labeldesk" ]] || fail "launcher link"
[[ -f "$desktop" ]] || fail "no desktop entry"
grep -q "^Exec=\"$venv/bin/labeldesk\" gui" "$desktop" || fail "desktop Exec: $(grep Exec "$desktop")"
for size in 16 24 32 48 64 128 256 512; do
    [[ -f "$data/icons/hicolor/${size}x$size/apps/labeldesk.png" ]] || fail "no $size px icon"
done
[[ -f "$data/icons/hicolor/scalable/apps/labeldesk.svg" ]] || fail "no scalable icon"
if command -v desktop-file-validate >/dev/null; then
    desktop-file-validate "$desktop" || fail "desktop-file-validate: the entry is not valid"
fi

step "installed launcher: --version"
"$launcher" --version | tee "$tmp/version.txt"
grep -q "^labeldesk " "$tmp/version.txt" || fail "no version line"
grep -q "^torch .*($expect_build)" "$tmp/version.txt" || fail "not the $expect_build of PyTorch"
# (the environment `venv` links to: venv-STAMP, which its scripts name)
grep -q "^python .*($venv-[0-9-]*/bin/python" "$tmp/version.txt" || fail "not the installed environment"

step "installed launcher: a project on sample_data/fashion, embedded"
"$launcher" new "$tmp/project" --images "$repo/sample_data/fashion" >/dev/null 2>"$tmp/new.err" ||
    fail "new: $(tail -5 "$tmp/new.err")"
"$launcher" embed "$tmp/project" --json >"$tmp/embed.json" 2>"$tmp/embed.err" ||
    fail "embed: $(tail -5 "$tmp/embed.err")"
"$venv/bin/python" - "$tmp/embed.json" <<'PY' || fail "embed output: $(cat "$tmp/embed.json")"
import json, sys
report = json.load(open(sys.argv[1]))
print("embed:", {k: v for k, v in report.items() if not isinstance(v, (list, dict))})
assert report["embedded"] == report["total"] > 0 and not report["failed"], "not all embedded"
PY

step "installed launcher: offscreen GUI start"
QT_QPA_PLATFORM=offscreen "$launcher" gui --smoke "$tmp/project" 2>"$tmp/gui.err" | tee "$tmp/gui.txt" ||
    fail "gui --smoke: $(tail -5 "$tmp/gui.err")"
grep -q "^gui ok: platform offscreen, window 'LabelDesk'.*visible True" "$tmp/gui.txt" ||
    fail "gui --smoke said: $(cat "$tmp/gui.txt")"

step "installed launcher: no display"
if env -u DISPLAY -u WAYLAND_DISPLAY -u QT_QPA_PLATFORM "$launcher" gui >"$tmp/nodisplay.txt" 2>&1; then
    fail "gui started without a display"
fi
grep -q "no display is set" "$tmp/nodisplay.txt" || fail "$(cat "$tmp/nodisplay.txt")"

step "the build recorded"
recorded="$(cat "$data/labeldesk/torch-build")"
case "$expect_build" in
    CPU*) [[ "$recorded" == cpu ]] || fail "torch-build says $recorded, not cpu" ;;
    *) [[ "$recorded" == cuda ]] || fail "torch-build says $recorded, not cuda" ;;
esac

# --- upgrade in place --------------------------------------------------------------------------
step "the menu entry, started as a menu starts it (gio launch): no terminal, a log file"
log="$HOME/.local/state/labeldesk/log/labeldesk.log"
if command -v gio >/dev/null; then
    QT_QPA_PLATFORM=offscreen gio launch "$desktop" </dev/null >"$tmp/menu.txt" 2>&1 ||
        fail "gio launch: $(cat "$tmp/menu.txt")"
    for _ in $(seq 1 60); do
        if grep -q " started: $venv/bin/labeldesk gui" "$log" 2>/dev/null; then break; fi
        sleep 1
    done
    grep -q " started: $venv/bin/labeldesk gui" "$log" 2>/dev/null || fail "no log at $log"
    menu_app="$(pgrep -f -- "$venv-[0-9-]*/bin/python $venv/bin/labeldesk gui" | head -1)"
    [[ -n "$menu_app" ]] || fail "the app the menu entry started is not running"
    sleep 3
    kill "$menu_app"
    for _ in $(seq 1 30); do  # (its children too: an upgrade waits for every one)
        if ! pgrep -f -- "$venv-" >/dev/null; then break; fi
        sleep 1
    done
else
    echo "(no gio here: the entry is not launched)"
fi

step "upgrade while LabelDesk runs: refused, nothing changed"
QT_QPA_PLATFORM=offscreen "$launcher" gui "$tmp/project" </dev/null >/dev/null 2>&1 &
app=$!
sleep 2
in_use="$(readlink "$venv")"
if "${install[@]}" ${index_args[@]+"${index_args[@]}"} </dev/null >"$tmp/running.log" 2>&1; then
    kill "$app" 2>/dev/null || true
    fail "install.sh upgraded under a running LabelDesk: $(cat "$tmp/running.log")"
fi
kill "$app" 2>/dev/null || true
wait "$app" || true
grep -q "^  PID $app: $venv-" "$tmp/running.log" || fail "did not name LabelDesk: $(cat "$tmp/running.log")"
[[ "$(readlink "$venv")" == "$in_use" ]] || fail "the refused upgrade changed $venv"

step "re-run (upgrade: a new environment, then the switch)"
settings="$HOME/.config/LabelDesk/LabelDesk.ini"
[[ -f "$settings" ]] || fail "the GUI wrote no settings at $settings"
cp "$settings" "$tmp/settings.before"
lines_before=$(wc -l <"$manifest")
# The upgrade comes from a copy of the checkout with one change, which must be installed,
mkdir "$tmp/src"
(cd "$repo" && git ls-files -z --cached --others --exclude-standard |
    while IFS= read -r -d '' f; do if [[ -f "$f" ]]; then printf '%s\0' "$f"; fi; done |
    xargs -0 cp --parents -t "$tmp/src")
echo "UPGRADE_MARK = 1  # test_install.sh" >>"$tmp/src/labeldesk/__init__.py"
# ... as a wheel of the same version: the installer's other source, and one that pip
# would skip as installed.
"$venv/bin/python" -m pip wheel --quiet --no-deps "$tmp/src" -w "$tmp/wheel" >/dev/null
wheel_file="$(find "$tmp/wheel" -name 'labeldesk-*.whl')"
"$tmp/install.sh" --from "$wheel_file" --torch cpu ${index_args[@]+"${index_args[@]}"} \
    >"$tmp/upgrade.log" 2>&1 || {
    tail -30 "$tmp/upgrade.log"
    fail "re-running install.sh failed"
}
"$venv/bin/python" -I -c 'import labeldesk; assert labeldesk.UPGRADE_MARK == 1' ||
    fail "the upgrade did not install the changed code"
cmp -s "$settings" "$tmp/settings.before" || fail "the upgrade changed the settings"
[[ "$(wc -l <"$manifest")" == "$lines_before" ]] || fail "the upgrade grew the manifest"
[[ "$(sort "$manifest" | uniq -d)" == "" ]] || fail "duplicate manifest lines"
"$launcher" --version >/dev/null || fail "--version after the upgrade"
envs=("$data"/labeldesk/venv-*)
[[ ${#envs[@]} == 1 && -L "$venv" ]] || fail "after the upgrade: ${envs[*]} (venv -> $(readlink "$venv"))"

# --- uninstall ---------------------------------------------------------------------------------
step "uninstall"
grep -q "^dir $data/labeldesk$" "$manifest" || fail "the data folder it made is not recorded"
# A file of the user's in a folder the installer made: the file and its folder stay.
echo "keep me" >"$data/labeldesk/mine.txt"
"$data/labeldesk/install.sh" --uninstall | tee "$tmp/uninstall.log"
if [[ -f "$log" ]]; then
    grep -q "^  log: *$HOME/.local/state/labeldesk$" "$tmp/uninstall.log" || fail "the log kept is not named"
fi
[[ "$(ls -A "$data/labeldesk")" == "mine.txt" ]] || fail "left in $data/labeldesk: $(ls -A "$data/labeldesk")"
rm "$data/labeldesk/mine.txt" && rmdir "$data/labeldesk"
snapshot >"$tmp/after.txt"
diff -u "$tmp/before.txt" "$tmp/after.txt" || fail "the uninstall left (+) or took (-) the above"
[[ "$(cat "$data/unrelated.txt")" == "someone else's file" ]] || fail "unrelated file changed"
[[ -f "$HOME/projects/mine/notes.txt" && -f "$HOME/.local/bin/other-tool" ]] || fail "lost files"
cmp -s "$settings" "$tmp/settings.before" || fail "the uninstall changed the settings"

echo "test_install.sh: all checks passed in $(($(date +%s) - started)) s"
