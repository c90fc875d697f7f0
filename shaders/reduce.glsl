// reduce.glsl — deterministic workgroup sum in shared memory (fixed tree order).
// Requires a power-of-two workgroup size (the host guarantees it).
#ifndef REDUCE_GLSL
#define REDUCE_GLSL
shared float reduceScratch[gl_WorkGroupSize.x];

// Sum of `v` over the workgroup; the result is valid in invocation 0.
float workgroupSum(float v) {
    uint t = gl_LocalInvocationID.x;
    reduceScratch[t] = v;
    barrier();
    for (uint s = gl_WorkGroupSize.x / 2; s > 0; s >>= 1) {
        if (t < s) reduceScratch[t] += reduceScratch[t + s];
        barrier();
    }
    return reduceScratch[0];
}
#endif
