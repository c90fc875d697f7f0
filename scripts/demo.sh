#!/usr/bin/env bash
# demo.sh — what `make demo` runs: a private daemon (its own socket and state directory under
# $DEMO_DIR), the default model trained on ring8 with a live progress bar, three samplers,
# a metrics table, a terminal preview, the plots, and the daemon stopped again.
set -euo pipefail
BIN="${BIN:?BIN must point at the release binaries}"
DEMO_DIR="${DEMO_DIR:-demo-out}"
STEPS="${DEMO_STEPS:-6000}"
mkdir -p "$DEMO_DIR"
DEMO_DIR="$(cd "$DEMO_DIR" && pwd)"
STATE="$DEMO_DIR/state"
SOCK="$DEMO_DIR/diffusiond.sock"
rm -rf "$STATE" "$SOCK"
diffctl() { "$BIN/diffctl" --socket "$SOCK" "$@"; }

echo "== starting a private diffusiond (state: $STATE, log: $DEMO_DIR/diffusiond.log)"
"$BIN/diffusiond" --socket "$SOCK" --state-dir "$STATE" --backend auto >"$DEMO_DIR/diffusiond.log" 2>&1 &
DAEMON=$!
stop_daemon() {
    if kill -0 "$DAEMON" 2>/dev/null; then kill -TERM "$DAEMON"; wait "$DAEMON" 2>/dev/null || true; fi
}
trap stop_daemon EXIT
for _ in $(seq 1 100); do [ -S "$SOCK" ] && break; sleep 0.1; done
[ -S "$SOCK" ] || { echo "diffusiond did not start:"; cat "$DEMO_DIR/diffusiond.log"; exit 1; }
diffctl info

echo
echo "== training the default model on ring8 (8 Gaussians on a circle), $STEPS steps"
diffctl train --dataset ring8 --steps "$STEPS" --name ring8-demo --seed 1 --follow

echo
echo "== sampling it with three samplers"
diffctl sample --model ring8-demo --sampler ddim --steps 50 -n 5000 --seed 2 --out "$DEMO_DIR/ddim50.csv" --follow
diffctl sample --model ring8-demo --sampler dpm++2m --steps 20 -n 5000 --seed 2 --out "$DEMO_DIR/dpmpp2m20.csv" --follow
diffctl sample --model ring8-demo --sampler ddpm --steps 1000 -n 5000 --seed 2 --out "$DEMO_DIR/ddpm1000.csv" --follow

echo
echo "== what the samplers made (every number computed from the samples above)"
diffctl jobs --metrics
echo
diffctl show j2
echo
diffctl get j2 "$DEMO_DIR/plots-ddim50" >/dev/null && echo "plots and samples copied to $DEMO_DIR/plots-ddim50"
echo "training plots: $STATE/jobs/j1/plots"
echo "samples:        $DEMO_DIR/ddim50.csv  $DEMO_DIR/dpmpp2m20.csv  $DEMO_DIR/ddpm1000.csv"
