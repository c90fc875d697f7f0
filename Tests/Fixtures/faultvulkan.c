/* faultvulkan.c — a fault-injecting Vulkan loader for the tests (DeviceLostTests, the daemon's
 * DeviceLostJobTests): forwards everything to the real libvulkan.so.1 but makes vkQueueSubmit,
 * vkWaitForFences or vkMapMemory fail with VK_ERROR_DEVICE_LOST (or the wait VK_TIMEOUT) after
 * FAIL_AFTER successful calls. Build with -DFAIL_SUBMIT, -DFAIL_WAIT, -DTIMEOUT_WAIT or -DFAIL_MAP. */
#include <dlfcn.h>
#include <string.h>
typedef int VkResult;
typedef void (*PFN)(void);
typedef PFN (*GetProc)(void *, const char *);
static void *real;
static GetProc realInstanceProc, realDeviceProc;
static VkResult (*realSubmit)(void *, unsigned, const void *, void *);
static VkResult (*realWait)(void *, unsigned, const void *, unsigned, unsigned long long);
static VkResult (*realMap)(void *, void *, unsigned long long, unsigned long long, unsigned, void **);
static int calls;
static VkResult submit(void *q, unsigned n, const void *s, void *f) {
#ifdef FAIL_SUBMIT
    if (calls++ >= FAIL_AFTER) return -4;
#endif
    return realSubmit(q, n, s, f);
}
static VkResult waitFences(void *d, unsigned n, const void *f, unsigned all, unsigned long long t) {
    VkResult r = realWait(d, n, f, all, t);
#ifdef FAIL_WAIT
    if (calls++ >= FAIL_AFTER) return -4;
#endif
#ifdef TIMEOUT_WAIT
    if (calls++ >= FAIL_AFTER) return 2; /* VK_TIMEOUT: a hang without a driver reset */
#endif
    return r;
}
static VkResult mapMemory(void *d, void *m, unsigned long long o, unsigned long long s, unsigned fl, void **p) {
#ifdef FAIL_MAP
    if (calls++ >= FAIL_AFTER) return -4;
#endif
    return realMap(d, m, o, s, fl, p);
}
static PFN deviceProc(void *device, const char *name) {
    PFN f = realDeviceProc(device, name);
    if (!strcmp(name, "vkQueueSubmit")) { realSubmit = (void *)f; return (PFN)submit; }
    if (!strcmp(name, "vkWaitForFences")) { realWait = (void *)f; return (PFN)waitFences; }
    if (!strcmp(name, "vkMapMemory")) { realMap = (void *)f; return (PFN)mapMemory; }
    return f;
}
PFN vkGetInstanceProcAddr(void *instance, const char *name) {
    if (!real) {
        real = dlopen("libvulkan.so.1", RTLD_NOW | RTLD_LOCAL);
        if (!real) return 0;
        realInstanceProc = (GetProc)dlsym(real, "vkGetInstanceProcAddr");
    }
    if (!strcmp(name, "vkGetDeviceProcAddr")) {
        realDeviceProc = (GetProc)realInstanceProc(instance, name);
        return (PFN)deviceProc;
    }
    return realInstanceProc(instance, name);
}
