#!/usr/bin/env bash
# make-dist.sh — builds the self-contained bundle dist/diffusiond-<version>-linux-<arch>.tar.gz:
# release binaries with the Swift runtime linked statically (they need only glibc, libstdc++ and,
# for the GPU, a Vulkan driver), the shaders with their SPIR-V precompiled (used when the box has
# no glslang), daemon.conf, the systemd units, scripts/gpu-check.sh and an INSTALL.
# Usage: scripts/make-dist.sh  (env SWIFT, DIST_BUILD_DIR=.build-dist, DIST_DIR=dist)
set -euo pipefail
cd "$(dirname "$0")/.."
SWIFT="${SWIFT:-swift}"
BUILD="${DIST_BUILD_DIR:-.build-dist}"
OUT="${DIST_DIR:-dist}"
"$SWIFT" build -c release --static-swift-stdlib --scratch-path "$BUILD"
BIN="$("$SWIFT" build -c release --static-swift-stdlib --scratch-path "$BUILD" --show-bin-path)"
version="$("$BIN/diffusiond" --version | awk '{print $2}')"
arch="$(uname -m)"
name="diffusiond-$version-linux-$arch"
stage="$OUT/$name"
rm -rf "$stage" "$OUT/$name.tar.gz"
mkdir -p "$stage/bin" "$stage/share/diffusiond/shaders" "$stage/etc" "$stage/systemd" "$stage/scripts"
for exe in diffusiond diffctl diffbench; do install -m755 "$BIN/$exe" "$stage/bin/$exe"; done
cp shaders/*.comp shaders/*.glsl "$stage/share/diffusiond/shaders/"
"$BIN/diffusiond" compile-shaders --shader-dir "$stage/share/diffusiond/shaders"
install -m644 daemon.conf "$stage/etc/daemon.conf"
install -m644 contrib/diffusiond.service contrib/diffusiond-system.service "$stage/systemd/"
install -m755 scripts/gpu-check.sh "$stage/scripts/gpu-check.sh"
mkdir -p "$stage/bench" && install -m644 bench/torch_peer.py "$stage/bench/torch_peer.py"
install -m644 contrib/dist/INSTALL "$stage/INSTALL"
tar -C "$OUT" -czf "$OUT/$name.tar.gz" "$name"
echo "wrote $OUT/$name.tar.gz ($(du -h "$OUT/$name.tar.gz" | cut -f1))"
