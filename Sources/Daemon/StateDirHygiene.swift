// StateDirHygiene.swift — start-up housekeeping of the state directory, run once the daemon holds
// its lock (so no other daemon writes there):
//  - temp files of atomic writes interrupted by a kill or crash (".<name>.tmp-<pid>-<random>",
//    the naming of both AtomicFile implementations, Daemon's and DiffusionCore's) are removed —
//    except where a job still in Slurm may be writing on a node right now (its job directory,
//    and models/ while any such job exists): their temp files are not stale;
//  - the state directory, jobs/ and models/ get mode 0700 even when they already existed with a
//    looser mode. With socket_group set they get 0750 and that group instead, because diffctl get
//    copies outputs and models straight from these directories, so members need to read them;
//    nobody but the daemon's user can write there either way.
import DiffProtocol
import Foundation
#if canImport(Glibc)
import Glibc
#endif

enum StateDirHygiene {
    /// Whether `name` is the temp file of an atomic write: "." + target + ".tmp-" + pid + "-" + random.
    static func isAtomicTemp(_ name: String) -> Bool {
        guard name.hasPrefix("."), let r = name.range(of: ".tmp-", options: .backwards), r.lowerBound > name.index(after: name.startIndex) else { return false }
        let tail = name[r.upperBound...].split(separator: "-", omittingEmptySubsequences: false)
        return tail.count == 2 && tail.allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }
    }

    /// Jobs handed to Slurm (jobs/<id>/slurm.json) whose status is not final: a node may run them.
    static func liveSlurmJobDirs(_ root: String) -> Set<String> {
        let jobs = root + "/jobs"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: jobs)) ?? []
        return Set(names.map { jobs + "/" + $0 }.filter { dir in
            guard FileManager.default.fileExists(atPath: dir + "/slurm.json") else { return false }
            let info = FileManager.default.contents(atPath: dir + "/status.json").flatMap { try? JSONDecoder().decode(JobInfo.self, from: $0) }
            return !(info?.state.isTerminal ?? false)
        })
    }

    /// Remove stale temp files anywhere under `root` (symlinks are not followed), not under the
    /// directories of jobs that may still run in Slurm; returns how many files and bytes went.
    @discardableResult
    static func removeStaleTempFiles(under root: String) -> (files: Int, bytes: Int) {
        var files = 0, bytes = 0
        var skip = liveSlurmJobDirs(root)
        if !skip.isEmpty { skip.insert(root + "/models") }
        var pending = [root]
        while let dir = pending.popLast() {
            if skip.contains(dir) { continue }
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { continue }
            for name in names {
                let path = dir + "/" + name
                var st = stat()
                guard lstat(path, &st) == 0 else { continue }
                let type = st.st_mode & S_IFMT
                if type == S_IFDIR { pending.append(path); continue }
                if type == S_IFREG && isAtomicTemp(name) && unlink(path) == 0 {
                    files += 1; bytes += Int(st.st_size)
                }
            }
        }
        return (files, bytes)
    }

    /// Give `dirs` mode 0700, or 0750 and group `group` when one is set.
    static func tighten(_ dirs: [String], group: gid_t?) {
        for dir in dirs {
            if let group { _ = chown(dir, uid_t.max, group) }   // uid -1: keep the owner
            _ = chmod(dir, group == nil ? 0o700 : 0o750)
        }
    }
}
