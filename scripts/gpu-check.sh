#!/usr/bin/env bash
# gpu-check.sh — one command for "does diffusiond work, and how fast, on this machine's GPU":
#   1. every Backend op on the Vulkan device against the CPU reference (diffbench --only ops;
#      tolerance abs + rel·|ref| per op) — any mismatch makes the exit status 1;
#   2. diffbench on the device: matmul (256 to 4096 on a GPU), the reference training workload
#      with submissions / dispatches / bytes per step, DDIM-50 and DDPM-1000 sampling;
#   3. if python3 with torch is present, the same workloads in PyTorch (bench/torch_peer.py) on
#      CUDA when torch sees a GPU, side by side in the summary.
# Writes $OUT/report.json (ops, bench, torch) and $OUT/summary.txt (OUT defaults to ./gpu-check).
# Runs from the repository (builds if needed) or from an unpacked `make dist` bundle.
# Usage: scripts/gpu-check.sh [--out DIR] [--quick]
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
OUT="./gpu-check"; QUICK=""
while [ $# -gt 0 ]; do
  case "$1" in
    --out) OUT="$2"; shift 2 ;;
    --quick) QUICK="--quick"; shift ;;
    -h|--help) sed -n 2,12p "$0"; exit 0 ;;
    *) echo "gpu-check: unknown argument $1" >&2; exit 2 ;;
  esac
done
if [ -x "$here/../bin/diffbench" ]; then
  BIN="$here/../bin"; PEER="$here/../bench/torch_peer.py"
else
  cd "$here/.." && swift build -c release --product diffbench >/dev/null || exit 1
  BIN="$(swift build -c release --show-bin-path)"; PEER="$here/../bench/torch_peer.py"
fi
mkdir -p "$OUT"
summary="$OUT/summary.txt"
: > "$summary"
say() { echo "$*" | tee -a "$summary"; }
say "gpu-check $(date -u +%FT%TZ) on $(hostname)"
"$BIN/diffbench" --backend vulkan --only ops --json > "$OUT/ops.json" 2> >(tee -a "$summary" >&2)
ops_status=$?
if ! grep -q '"ops"' "$OUT/ops.json"; then
  say "gpu-check: no usable Vulkan device (see above)"; exit 1
fi
"$BIN/diffbench" --backend vulkan --only matmul,train,sample $QUICK --json > "$OUT/bench.json" 2> >(tee -a "$summary" >&2)
bench_status=$?
torch_json="null"
if command -v python3 >/dev/null && python3 -c "import torch" 2>/dev/null && [ -f "$PEER" ]; then
  if python3 "$PEER" $QUICK > "$OUT/torch.json" 2>> "$summary"; then
    torch_json="$(cat "$OUT/torch.json")"
    say "PyTorch peer: $(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["device_name"], "train %.1f steps/s," % r["train_steps_per_s"], "DDIM-50 10k %.3f s," % r["ddim50_10k_s"], "matmul", {k: round(v) for k, v in r["matmul_gflops"].items()}, "GFLOP/s")' "$OUT/torch.json")"
  else
    say "PyTorch peer failed (see above)"
  fi
else
  say "PyTorch peer: skipped (no python3 with torch)"
fi
printf '{"ops": %s,\n "bench": %s,\n "torch": %s}\n' "$(cat "$OUT/ops.json")" "$(cat "$OUT/bench.json" 2>/dev/null || echo null)" "$torch_json" > "$OUT/report.json"
say "report: $OUT/report.json, $OUT/summary.txt"
if [ "$ops_status" -ne 0 ]; then say "gpu-check: FAILED — op mismatches (see summary)"; exit 1; fi
if [ "$bench_status" -ne 0 ]; then say "gpu-check: FAILED — a benchmark failed"; exit 1; fi
say "gpu-check: passed"
