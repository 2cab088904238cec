#!/usr/bin/env bash
# Install LabelDesk for the current user on Linux: a private virtual environment, a
# `labeldesk` command in ~/.local/bin and a menu entry with the LabelDesk icon.
#
#   installer/install-linux.sh            install or upgrade from this checkout
#   installer/install-linux.sh --remove   remove it again (projects and images are kept)
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
data="${XDG_DATA_HOME:-$HOME/.local/share}"
prefix="$data/labeldesk"
bin="$HOME/.local/bin"
desktop="$data/applications/labeldesk.desktop"
icon="$data/icons/hicolor/scalable/apps/labeldesk.svg"
python="${PYTHON:-python3}"

if [[ "${1:-}" == "--remove" ]]; then
    rm -rf "$prefix" "$bin/labeldesk" "$desktop" "$icon"
    echo "LabelDesk removed (your projects and image folders are untouched)."
    exit 0
fi

"$python" -c 'import sys; sys.exit(sys.version_info < (3, 10))' || {
    echo "LabelDesk needs Python 3.10 or newer (found: $("$python" --version 2>&1))." >&2
    exit 1
}
echo "Installing LabelDesk into $prefix (PyTorch included: a few GB, a few minutes)…"
"$python" -m venv "$prefix/venv"
"$prefix/venv/bin/python" -m pip install --quiet --upgrade pip
"$prefix/venv/bin/python" -m pip install --quiet "$here"

mkdir -p "$bin" "$(dirname "$desktop")" "$(dirname "$icon")"
ln -sf "$prefix/venv/bin/labeldesk" "$bin/labeldesk"
cp "$here/resources/labeldesk.svg" "$icon"
sed "s|@LABELDESK@|$prefix/venv/bin/labeldesk|" "$here/installer/labeldesk.desktop" > "$desktop"
command -v update-desktop-database >/dev/null && update-desktop-database "$(dirname "$desktop")" || true

echo "Done. Start it from your applications menu, or run: labeldesk gui"
case ":$PATH:" in *":$bin:"*) ;; *) echo "(add $bin to your PATH to use the labeldesk command)";; esac
