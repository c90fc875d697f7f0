#!/usr/bin/env bash
# vk-validate.sh — the Vulkan test suite under the Khronos validation layer (Debian's
# vulkan-validationlayers) on whatever Vulkan device there is (lavapipe in CI):
#   1. a canary: one test with a planted copy-after-dispatch hazard (DIFFUSIOND_VK_PLANT_HAZARD=1)
#      must be reported — proves the layer and synchronization validation are active;
#   2. every Vulkan test with synchronization validation, the tiled matmul kernel forced
#      (DIFFUSIOND_MATMUL_KERNEL=tiled: the kernel a GPU picks; lavapipe would pick direct);
#   3. the op tests with GPU-assisted validation (out-of-bounds descriptor accesses).
# Fails on any validation error or sync hazard, or any failing test. Needs a built test bundle
# (swift build -c release --build-tests); SWIFT_TEST_ARGS passes e.g. --scratch-path.
set -uo pipefail
cd "$(dirname "$0")/.."
SWIFT="${SWIFT:-swift}"
layer_json=/usr/share/vulkan/explicit_layer.d/VkLayer_khronos_validation.json
[ -f "$layer_json" ] || { echo "vk-validate: $layer_json missing (apt-get install vulkan-validationlayers)"; exit 1; }
export CI=true VK_INSTANCE_LAYERS=VK_LAYER_KHRONOS_validation
run() {   # run LABEL ENABLES FILTER [extra env...]
    local label="$1" enables="$2" filter="$3"; shift 3
    local log; log="$(mktemp)"
    local start=$SECONDS
    env VK_LAYER_ENABLES="$enables" "$@" "$SWIFT" test -c release --skip-build ${SWIFT_TEST_ARGS:-} --filter "$filter" >"$log" 2>&1
    local rc=$?
    local errors; errors="$(grep -cE 'Validation Error|SYNC-HAZARD' "$log")"
    local tests; tests="$(grep -oE "Test run with [0-9]+ tests?" "$log" | tail -n 1)"
    echo "vk-validate: $label: ${tests:-no test summary}, rc=$rc, $errors validation messages, $((SECONDS - start)) s"
    grep -E 'Validation Error|SYNC-HAZARD' "$log" | sort | uniq -c | sort -rn | head -n 5
    LAST_RC=$rc LAST_ERRORS=$errors
    [ "$rc" = 0 ] || tail -n 40 "$log"
    rm -f "$log"
}
SYNC=VK_VALIDATION_FEATURE_ENABLE_SYNCHRONIZATION_VALIDATION_EXT
GPUAV=VK_VALIDATION_FEATURE_ENABLE_GPU_ASSISTED_EXT
status=0
run "canary (planted hazard)" "$SYNC" 'VulkanOpsTests.*timeEmbedding' DIFFUSIOND_VK_PLANT_HAZARD=1
if [ "$LAST_ERRORS" = 0 ]; then echo "vk-validate: the planted hazard was not reported: validation is not active"; status=1; fi
run "synchronization validation, tiled matmul" "$SYNC" 'VulkanBackendTests' DIFFUSIOND_MATMUL_KERNEL=tiled
[ "$LAST_RC" = 0 ] && [ "$LAST_ERRORS" = 0 ] || status=1
run "GPU-assisted validation, op tests" "$GPUAV" 'VulkanOpsTests' DIFFUSIOND_MATMUL_KERNEL=tiled
[ "$LAST_RC" = 0 ] && [ "$LAST_ERRORS" = 0 ] || status=1
[ "$status" = 0 ] && echo "vk-validate: 0 validation errors, 0 sync hazards" || echo "vk-validate: FAILED"
exit "$status"
