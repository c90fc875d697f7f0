// VulkanBackend — placeholder until the Vulkan backend lands.
import DiffusionCore
