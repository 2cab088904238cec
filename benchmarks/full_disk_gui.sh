#!/bin/bash
# The app on a disk that fills up, under Xvfb (needs root, xvfb-run, xdotool, ImageMagick):
#   xvfb-run -a -s "-screen 0 1600x1000x24" benchmarks/full_disk_gui.sh TEMPLATE KEYS FREE TAG
# TEMPLATE: a project of benchmarks/full_disk_tour.py's work folder (run it first), e.g.
# "embedded" (then KEYS "2": a label key on the second tile) or "new" (KEYS "ctrl+e":
# Compute embeddings). The project is copied onto a 20 MB tmpfs, the app opens it, the disk
# is filled to FREE bytes, KEYS are pressed; then the ballast goes and AFTER (env: keys,
# "click" clicks the second tile again) is pressed. Screenshots: $SHOTS/TAG_{0,1,2}.png,
# the app's log $SHOTS/TAG.log (its "error shown to user" lines: the notices), and the
# project's history at the end (a label saved once space was freed: the app kept working).
set -u
REPO=$(cd "$(dirname "$0")/.." && pwd)
WORK=${WORK:-/tmp/labeldesk-full-disk-tour}
SHOTS=${SHOTS:-$WORK/shots}
M=$WORK/gui-mnt
mkdir -p "$M" "$SHOTS"
mount -t tmpfs -o size=20m tmpfs "$M" || exit 1
APP=
trap '[ -n "$APP" ] && kill $APP 2>/dev/null; sleep 1; umount "$M" || umount -l "$M"' EXIT
cp -a "$WORK/templates/$1" "$M/proj"
export HOME=$WORK/gui-home XDG_CONFIG_HOME=$WORK/gui-home/.config
export LABELDESK_RUNTIME_CACHE=$WORK/runtime_cache
mkdir -p "$HOME"
cd "$REPO"
.venv/bin/labeldesk gui "$M/proj" > "$SHOTS/$4.log" 2>&1 &
APP=$!
sleep 25  # opened, its first jobs under way
import -window root "$SHOTS/$4_0.png"
.venv/bin/python -c "import sys; sys.path.insert(0, 'benchmarks')
from pathlib import Path; from full_disk_tour import fill; fill(Path('$M'), $3)"
xdotool mousemove 526 132 click 1; sleep 1  # the second tile
for k in $2; do xdotool key "$k"; sleep 2; done
for _ in $(seq 1 ${WAIT:-300}); do grep -q "error shown" "$SHOTS/$4.log" && break; sleep 1; done
sleep ${SETTLE:-15}  # the jobs that follow meet the full disk too
import -window root "$SHOTS/$4_1.png"
rm -f "$M/ballast.bin"
sleep ${FREED_WAIT:-30}
for k in ${AFTER:-}; do
    if [ "$k" = click ]; then xdotool mousemove 526 132 click 1; else xdotool key "$k"; fi
    sleep 2
done
sleep 5
import -window root "$SHOTS/$4_2.png"
kill $APP; wait $APP; APP=
grep "error shown" "$SHOTS/$4.log"
.venv/bin/labeldesk history "$M/proj" | head -3
