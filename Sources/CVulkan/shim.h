// CVulkan: the system's Vulkan headers with no prototypes. Nothing links libvulkan;
// VulkanBackend dlopens libvulkan.so.1 and resolves every function through vkGetInstanceProcAddr.
#define VK_NO_PROTOTYPES 1
#include <vulkan/vulkan.h>
