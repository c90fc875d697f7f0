// Listener.swift — the daemon's Unix socket: a checked private directory, a lock file that makes
// a second daemon on the same socket fail fast, stale-socket replacement, owner-only permissions.
import DiffProtocol
import DiffusionCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

public struct ListenerError: Error, CustomStringConvertible {
    public var description: String
}

final class Listener {
    let path: String
    let fd: Int32
    private let lockFD: Int32

    /// Bind and listen at `path`. `group`: when set, the socket is 0660 with that group, else 0600.
    init(path: String, group: gid_t?, log: Logger) throws {
        self.path = path
        guard var addr = unixAddress(path) else {
            throw ListenerError(description: "socket path is too long (\(path.utf8.count) bytes; at most 107): \(path)")
        }
        let dir = (path as NSString).deletingLastPathComponent
        try Listener.checkDirectory(dir.isEmpty ? "." : dir, group: group, log: log)

        // one daemon per socket: hold an exclusive lock on <socket>.lock for our lifetime
        let lockPath = path + ".lock"
        let lfd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard lfd >= 0 else { throw ListenerError(description: "cannot open lock file \(lockPath): \(String(cString: strerror(errno)))") }
        if flock(lfd, LOCK_EX | LOCK_NB) != 0 {
            let other = (try? String(contentsOfFile: lockPath, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "?"
            close(lfd)
            throw ListenerError(description: "another diffusiond (pid \(other)) is already serving \(path); stop it first or pick another --socket")
        }
        ftruncate(lfd, 0)
        let pidText = "\(getpid())\n"
        _ = pidText.withCString { Glibc.write(lfd, $0, strlen($0)) }
        lockFD = lfd

        // we hold the lock, so whatever sits at the path is a stale socket of a dead daemon
        var st = stat()
        if lstat(path, &st) == 0 {
            guard (st.st_mode & S_IFMT) == S_IFSOCK else {
                close(lfd)
                throw ListenerError(description: "\(path) exists and is not a socket; refusing to replace it")
            }
            unlink(path)
            log.info("replaced stale socket", ["socket": path])
        }

        let sfd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard sfd >= 0 else { close(lfd); throw ListenerError(description: "socket(): \(String(cString: strerror(errno)))") }
        let oldMask = umask(0o177)   // the socket file is born 0600: no window where others can connect
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(sfd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        let bindErr = errno
        umask(oldMask)
        guard rc == 0 else {
            close(sfd); close(lfd)
            throw ListenerError(description: "cannot bind \(path): \(String(cString: strerror(bindErr)))")
        }
        if let group {
            if chown(path, geteuid(), group) != 0 || chmod(path, 0o660) != 0 {
                let e = String(cString: strerror(errno))
                close(sfd); close(lfd); unlink(path)
                throw ListenerError(description: "cannot give \(path) to group \(group): \(e)")
            }
        } else {
            chmod(path, 0o600)
        }
        guard listen(sfd, 1024) == 0 else {
            let e = String(cString: strerror(errno))
            close(sfd); close(lfd); unlink(path)
            throw ListenerError(description: "listen on \(path): \(e)")
        }
        fd = sfd
    }

    /// The socket's directory must exist (created 0700 when missing; 0750 owned by `group` when
    /// one is configured, so its members can reach the socket), belong to us or root, and not be
    /// writable by group or others — otherwise someone else could put their socket in our place.
    static func checkDirectory(_ dir: String, group: gid_t? = nil, log: Logger? = nil) throws {
        var st = stat()
        if stat(dir, &st) != 0 {
            guard errno == ENOENT else {
                throw ListenerError(description: "socket directory \(dir): \(String(cString: strerror(errno)))")
            }
            var created: [String] = []   // the directories this call makes, innermost first
            var probe = dir
            var pst = stat()
            while !probe.isEmpty && probe != "/" && stat(probe, &pst) != 0 && errno == ENOENT {
                created.append(probe)
                probe = (probe as NSString).deletingLastPathComponent
            }
            do { try AtomicFile.makeDirectory(dir, mode: 0o700) } catch {
                throw ListenerError(description: "cannot create socket directory \(dir): \(error)")
            }
            if let group {
                // group members must be able to search their way to the socket (not to list or write)
                for d in created {
                    guard chown(d, geteuid(), group) == 0, chmod(d, 0o750) == 0 else {
                        throw ListenerError(description: "cannot give socket directory \(d) to group \(group): \(String(cString: strerror(errno)))")
                    }
                }
            }
            guard stat(dir, &st) == 0 else { throw ListenerError(description: "socket directory \(dir) vanished") }
        }
        guard (st.st_mode & S_IFMT) == S_IFDIR else {
            throw ListenerError(description: "socket directory \(dir) is not a directory")
        }
        guard st.st_uid == geteuid() || st.st_uid == 0 else {
            throw ListenerError(description: "socket directory \(dir) belongs to uid \(st.st_uid), not to this user (uid \(geteuid())); use a private directory such as $XDG_RUNTIME_DIR")
        }
        guard st.st_mode & 0o022 == 0 else {
            throw ListenerError(description: "socket directory \(dir) is writable by group or others (mode \(String(st.st_mode & 0o7777, radix: 8))); use a private directory such as $XDG_RUNTIME_DIR, or chmod go-w it")
        }
        if let group, !(st.st_mode & 0o001 != 0 || (st.st_gid == group && st.st_mode & 0o010 != 0)) {
            // not fatal (an ACL may grant access), but the usual reason group members cannot connect
            log?.warn("members of socket_group cannot reach the socket: its directory is not searchable by the group",
                      ["dir": dir, "mode": String(st.st_mode & 0o7777, radix: 8), "dir_group": st.st_gid, "socket_group": group,
                       "fix": "chgrp \(group) \(dir) && chmod 0750 \(dir)"])
        }
    }

    /// Remove the socket file and release the lock (on shutdown). The lock file stays: removing
    /// it could let two daemons lock two different files of the same name.
    func stop() {
        unlink(path)
        Glibc.close(fd)
        Glibc.close(lockFD)
    }
}
