#!/usr/bin/env bash
# Build the one-folder PyInstaller bundle of LabelDesk (installer/labeldesk.spec) in a
# throwaway virtual environment outside the checkout, with the CPU build of PyTorch.
#
#   installer/build.sh            build into $LABELDESK_BUILD_DIR (default /tmp/labeldesk-build)
#   installer/build.sh --check    also run the bundle's checks (version, sample project, GUI)
#
# Environment: LABELDESK_BUILD_DIR, PYTHON (3.10+), LABELDESK_TORCH_INDEX (the index of the
# CPU build, default https://download.pytorch.org/whl/cpu; "default" for pip's own) and
# LABELDESK_TORCH_SPEC (requirements resolved with LabelDesk, e.g. a pinned local
# "torch==2.13.0+cpu torchvision==0.28.0"). Re-running reuses the environment. A CUDA build
# of PyTorch is refused unless LABELDESK_ALLOW_CUDA=1 (the bundle then holds its libraries).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${LABELDESK_BUILD_DIR:-/tmp/labeldesk-build}"
mkdir -p "$build"
build="$(cd "$build" && pwd)"
case "$build/" in "$repo"/*) echo "build.sh: build outside the checkout, not in $build" >&2; exit 1 ;; esac
python="${PYTHON:-python3}"
venv="$build/venv"
index="${LABELDESK_TORCH_INDEX:-https://download.pytorch.org/whl/cpu}"
start=$(date +%s)

if [[ ! -x "$venv/bin/python" ]]; then
    "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --upgrade pip
fi
pip_args=(install --quiet --upgrade --upgrade-strategy only-if-needed)
if [[ "$index" != default ]]; then
    if "$venv/bin/python" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=15)' "$index/" 2>/dev/null; then
        pip_args+=(--extra-index-url "$index")
    else
        echo "build.sh: $index cannot be reached; PyTorch comes from pip's default index" >&2
    fi
fi
# shellcheck disable=SC2086  # LABELDESK_TORCH_SPEC is a list of requirements
"$venv/bin/python" -m pip "${pip_args[@]}" "$repo" pyinstaller ${LABELDESK_TORCH_SPEC:-}
"$venv/bin/python" -m pip install --quiet --force-reinstall --no-deps "$repo"  # this tree's code
if [[ "${LABELDESK_ALLOW_CUDA:-0}" != 1 ]]; then
    "$venv/bin/python" -c 'import torch; assert torch.version.cuda is None, f"torch {torch.__version__} is a CUDA build: set LABELDESK_TORCH_INDEX or LABELDESK_TORCH_SPEC (or LABELDESK_ALLOW_CUDA=1)"'
fi
installed=$(date +%s)

"$venv/bin/pyinstaller" --noconfirm --log-level WARN --distpath "$build/dist" \
    --workpath "$build/work" "$repo/installer/labeldesk.spec"
done_at=$(date +%s)
bundle="$build/dist/labeldesk"
echo "bundle: $bundle ($(du -sh "$bundle" | cut -f1), $(find "$bundle" -type f | wc -l) files)"
echo "time: environment $((installed - start)) s, PyInstaller $((done_at - installed)) s"

if [[ "${1:-}" == --check ]]; then
    "$repo/installer/check_bundle.sh" "$bundle"
fi
