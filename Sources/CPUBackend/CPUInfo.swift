// CPUInfo.swift — the CPU model name (from /proc/cpuinfo) for BackendInfo.
import Foundation

enum CPUInfo {
    /// "model name" of the first processor, or a generic name when /proc/cpuinfo is unreadable.
    static let modelName: String = {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return "unknown CPU" }
        for line in text.split(separator: "\n") where line.hasPrefix("model name") {
            if let colon = line.firstIndex(of: ":") {
                let name = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                if !name.isEmpty { return name }
            }
        }
        return "unknown CPU"
    }()
}
