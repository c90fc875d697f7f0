// MemoryFormat.swift — byte counts as people read them ("1.5 GiB"), for error messages about memory.
import Foundation

/// Human-readable byte counts for error messages.
public enum MemoryFormat {
    public static func bytes(_ b: Double) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var v = b, i = 0
        while v >= 1024 && i < units.count - 1 { v /= 1024; i += 1 }
        return i == 0 ? "\(Int(v)) B" : String(format: "%.1f", v) + " " + units[i]
    }
}
