#!/usr/bin/env bash
# Check a PyInstaller bundle of LabelDesk (installer/build.sh --check runs this) with no
# Python in sight: an empty environment whose PATH holds no interpreter. It prints the
# version report, creates a project on sample_data/fashion, embeds it (the bundled weights,
# ONNX export, OpenVINO; no OpenVINO telemetry state in HOME), finds near-duplicates
# (faiss), and starts the GUI offscreen.
#
#   installer/check_bundle.sh /tmp/labeldesk-build/dist/labeldesk
# EXPECT_TORCH_BUILD (default "CPU build") is the PyTorch build --version must report.
set -euo pipefail

bundle="$(cd "${1:?usage: check_bundle.sh BUNDLE_FOLDER}" && pwd)"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
exe="$bundle/labeldesk"
[[ -x "$exe" ]] || { echo "check_bundle.sh: no executable $exe" >&2; exit 1; }
tmp="$(mktemp -d /tmp/labeldesk-bundle-check.XXXXXX)"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/home" "$tmp/bin"
for tool in sh uname; do ln -s "$(command -v "$tool")" "$tmp/bin/$tool"; done
bare() { env -i HOME="$tmp/home" PATH="$tmp/bin" LANG=C.UTF-8 "$@"; }
failed=0
# A failed step is reported and the next one still runs; the exit status says if any failed.
fail() { echo "FAILED: $*"; failed=1; }
step() { printf '%-44s' "$1"; t0=$(date +%s); }
took() { echo "ok ($(($(date +%s) - t0)) s)${1:+: $1}"; }

if bare sh -c 'command -v python3 python' >/dev/null; then echo "a Python is on the check's PATH" >&2; exit 1; fi

step "--version"
if ! out="$(bare "$exe" --version 2>&1)"; then fail "--version: $out"
elif ! grep -q "^labeldesk " <<<"$out" || ! grep -q "^torch .*(${EXPECT_TORCH_BUILD:-CPU build})" <<<"$out"; then
    fail "$out"
else took "$(sed -n 3p <<<"$out")"; fi

step "new (sample_data/fashion)"
if bare "$exe" new "$tmp/project" --images "$repo/sample_data/fashion" >"$tmp/new.txt" 2>&1; then
    took
else fail "new: $(tail -5 "$tmp/new.txt")"; fi

step "embed (bundled EfficientNet-Lite0 weights)"
if ! bare "$exe" embed "$tmp/project" --json >"$tmp/embed.json" 2>"$tmp/embed.err"; then
    fail "embed: $(tail -3 "$tmp/embed.err")"
else
    summary="$(tr -d '\n ' <"$tmp/embed.json" | grep -oE '"(embedded|total|images_per_s|runtime|precision)":[^,}]*' | tr '\n' ' ')"
    # CPU embedding is OpenVINO's unless it failed (then PyTorch, with a log line): a
    # bundle without OpenVINO's plugins would still embed, so the engine is checked too.
    embedded="$(grep -oE '"embedded":[0-9]+' <<<"$summary" | cut -d: -f2)"
    if [[ -n "$embedded" && "$summary" == *"\"total\":$embedded "* && "$embedded" != 0 ]] &&
        grep -q '"runtime":"openvino"' <<<"$summary"; then took "$summary"
    else fail "embed: $summary $(tail -3 "$tmp/embed.err")"; fi
fi

step "embed wrote nothing of OpenVINO's in HOME"
if [[ -e "$tmp/home/intel" ]]; then fail "$(find "$tmp/home/intel" | head -5 | tr '\n' ' ')"
else took; fi

step "duplicates (faiss)"
if bare "$exe" duplicates "$tmp/project" --json >"$tmp/dup.json" 2>"$tmp/dup.err"; then
    took
else fail "duplicates: $(tail -3 "$tmp/dup.err")"; fi

step "gui --smoke (offscreen)"
if ! out="$(bare QT_QPA_PLATFORM=offscreen "$exe" gui --smoke "$tmp/project" 2>"$tmp/gui.err")"; then
    fail "gui: $out $(tail -3 "$tmp/gui.err")"
elif ! grep -q "^gui ok: .*visible True" <<<"$out"; then fail "gui: $out"
else took "$out"; fi

step "gui without a display says so"
if bare "$exe" gui >"$tmp/nodisplay.out" 2>&1; then fail "gui started without a display"
elif ! grep -q "no display is set" "$tmp/nodisplay.out"; then fail "$(cat "$tmp/nodisplay.out")"
else took; fi
if ((failed)); then echo "bundle checks: some FAILED"; exit 1; fi
echo "bundle checks passed"
