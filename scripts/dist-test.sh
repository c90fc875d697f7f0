#!/usr/bin/env bash
# dist-test.sh — the `make dist` bundle in a clean room: unpack into an empty directory and, with
# an empty environment (PATH=/usr/bin:/bin, a fresh HOME, no glslang allowed), check that
#   - the binaries carry no Swift libraries (ldd), and `diffusiond --version` answers;
#   - a daemon started from the bundle trains a short job to success, and sampling works;
#   - when a Vulkan device is present (lavapipe in CI: required with CI=true), a short training
#     job runs on it from the precompiled SPIR-V alone (DIFFUSIOND_GLSLANG=none);
#   - scripts/gpu-check.sh from the bundle passes (every op matches the CPU reference).
# Usage: scripts/dist-test.sh dist/diffusiond-<version>-linux-<arch>.tar.gz
set -euo pipefail
tarball="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
room="$(mktemp -d /tmp/diffusiond-dist-test.XXXXXX)"
daemon=""
cleanup() { [ -n "$daemon" ] && kill "$daemon" 2>/dev/null; wait 2>/dev/null; rm -rf "$room"; }
trap cleanup EXIT
fail() { echo "dist-test: FAIL: $*" >&2; [ -f "$room/daemon.log" ] && tail -20 "$room/daemon.log" >&2; exit 1; }
mkdir -p "$room/home"
tar -C "$room" -xzf "$tarball"
bundle="$(echo "$room"/diffusiond-*)"
clean() { env -i PATH=/usr/bin:/bin HOME="$room/home" DIFFUSIOND_GLSLANG=none "$@"; }

for exe in diffusiond diffctl diffbench; do
  ldd "$bundle/bin/$exe" | grep -i swift && fail "$exe links a Swift library"
done
version="$(clean "$bundle/bin/diffusiond" --version)" || fail "diffusiond --version"
echo "dist-test: $version; no Swift libraries linked"
spv="$(ls "$bundle/share/diffusiond/shaders/spirv"/*.spv | wc -l)"
[ "$spv" -gt 0 ] || fail "no precompiled SPIR-V in the bundle"

vulkan=cpu
if clean "$bundle/bin/diffbench" --backend vulkan --only ops >/dev/null 2>&1; then vulkan=vulkan
elif [ "${CI:-}" = true ]; then fail "CI=true but the bundle's Vulkan backend is not usable (no device, or precompiled SPIR-V missing)"; fi

sock="$room/sock"
# env execs the daemon, so $! is the daemon itself (a backgrounded `clean` would be a subshell whose
# kill left the daemon running)
env -i PATH=/usr/bin:/bin HOME="$room/home" DIFFUSIOND_GLSLANG=none \
    "$bundle/bin/diffusiond" --state-dir "$room/state" --socket "$sock" --backend "$vulkan" > "$room/daemon.log" 2>&1 &
daemon=$!
for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.1; done
[ -S "$sock" ] || fail "the daemon did not open its socket"
ctl() { clean "$bundle/bin/diffctl" --socket "$sock" "$@"; }
ctl info > "$room/info.txt" || fail "diffctl info"
grep -q "$vulkan" "$room/info.txt" || fail "info does not show the $vulkan backend: $(cat "$room/info.txt")"
if [ "$vulkan" = vulkan ]; then
  grep -q "precompiled" "$room/info.txt" || fail "the Vulkan backend did not run on precompiled SPIR-V: $(cat "$room/info.txt")"
fi
ctl train --dataset ring8 --steps 300 --name distcheck --follow > "$room/train.txt" 2>&1 || fail "training job: $(tail -5 "$room/train.txt")"
ctl sample --model distcheck -n 200 --steps 20 --out "$room/samples.csv" --follow > "$room/sample.txt" 2>&1 \
  || fail "sampling job: $(tail -5 "$room/sample.txt")"
[ "$(wc -l < "$room/samples.csv")" -ge 200 ] || fail "samples.csv has fewer than 200 rows"
echo "dist-test: trained and sampled on the $vulkan backend from the bundle"
if [ "$vulkan" = vulkan ]; then
  clean "$bundle/scripts/gpu-check.sh" --quick --out "$room/gpu-check" > "$room/gpu-check.txt" 2>&1 \
    || fail "gpu-check.sh: $(tail -5 "$room/gpu-check.txt")"
  grep -q '"ops"' "$room/gpu-check/report.json" || fail "gpu-check wrote no report"
  echo "dist-test: $(grep -E '^ops:' "$room/gpu-check.txt" | tail -1) (gpu-check.sh from the bundle)"
fi
echo "dist-test: passed"
