// SIMDBackend.swift — the fast CPU backend (placeholder: delegates to the reference kernels).
import DiffusionCore
