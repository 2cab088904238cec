#!/usr/bin/env bash
# Check a PyInstaller bundle of LabelDesk (installer/build.sh --check runs this) with no
# Python in sight: an empty environment whose PATH holds no interpreter. It prints the
# version report, creates a project on sample_data/fashion, embeds it (the bundled weights,
# ONNX export, OpenVINO), finds near-duplicates (faiss), and starts the GUI offscreen.
#
#   installer/check_bundle.sh /tmp/labeldesk-build/dist/labeldesk
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
fail() { echo "check_bundle.sh: FAILED: $*" >&2; exit 1; }
step() { printf '%-44s' "$1"; t0=$(date +%s); }
took() { echo "ok ($(($(date +%s) - t0)) s)${1:+: $1}"; }

bare sh -c 'command -v python3 python' >/dev/null && fail "a Python is on the check's PATH"

step "--version"
out="$(bare "$exe" --version)" || fail "--version: $out"
if ! grep -q "^labeldesk " <<<"$out" || ! grep -q "^torch .*(CPU build)" <<<"$out"; then
    fail "$out"
fi
took "$(sed -n 3p <<<"$out")"

step "new (sample_data/fashion)"
bare "$exe" new "$tmp/project" --images "$repo/sample_data/fashion" >"$tmp/new.txt" 2>&1 ||
    fail "new: $(cat "$tmp/new.txt")"
took

step "embed (bundled EfficientNet-Lite0 weights)"
bare "$exe" embed "$tmp/project" --json >"$tmp/embed.json" 2>"$tmp/embed.err" ||
    fail "embed: $(tail -5 "$tmp/embed.err")"
took "$(tr -d '\n ' <"$tmp/embed.json" | cut -c1-160)"

step "duplicates (faiss)"
bare "$exe" duplicates "$tmp/project" --json >"$tmp/dup.json" 2>"$tmp/dup.err" ||
    fail "duplicates: $(tail -5 "$tmp/dup.err")"
took

step "gui --smoke (offscreen)"
out="$(bare QT_QPA_PLATFORM=offscreen "$exe" gui --smoke "$tmp/project" 2>"$tmp/gui.err")" ||
    fail "gui: $out $(tail -5 "$tmp/gui.err")"
grep -q "^gui ok: .*visible True" <<<"$out" || fail "gui: $out"
took "$out"

step "gui without a display says so"
if bare "$exe" gui >"$tmp/nodisplay.out" 2>&1; then fail "gui started without a display"; fi
grep -q "no display is set" "$tmp/nodisplay.out" || fail "$(cat "$tmp/nodisplay.out")"
took
echo "bundle checks passed"
