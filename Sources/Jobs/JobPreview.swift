// JobPreview.swift — the text preview of a job the daemon sends to diffctl: a braille scatter
// of its samples (first two coordinates) and its loss curve, from the files in the job directory.
import DiffusionCore
import Foundation

enum JobPreview {
    static func render(jobDir: URL, width: Int, height: Int) -> String? {
        nil
    }
}
