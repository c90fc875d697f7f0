// FDPassing.swift — sendmsg/recvmsg with SCM_RIGHTS: bytes on a Unix stream socket together
// with open file descriptors. The client passes descriptors (datasets, output files) with one
// request; the daemon's read path receives them (close-on-exec) with the bytes they came with.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

public enum FDPassing {
    /// at most this many descriptors travel with one sendmsg, or arrive with one recvmsg
    public static let maxFDs = 64

    private static let align = MemoryLayout<Int>.size
    private static let headerSize = (MemoryLayout<cmsghdr>.size + align - 1) & ~(align - 1)
    private static func space(_ n: Int) -> Int { headerSize + ((n + align - 1) & ~(align - 1)) }

    /// One sendmsg of `bytes` carrying `fds` (SCM_RIGHTS). Returns what sendmsg returns: the bytes
    /// sent (possibly fewer than asked; the descriptors went with the first of them) or -1 (errno).
    public static func send(socket: Int32, _ bytes: UnsafeRawBufferPointer, fds: [Int32], flags: Int32 = Int32(MSG_NOSIGNAL)) -> Int {
        precondition(fds.count <= maxFDs, "at most \(maxFDs) descriptors per message")
        var iov = iovec(iov_base: UnsafeMutableRawPointer(mutating: bytes.baseAddress), iov_len: bytes.count)
        let controlLength = fds.isEmpty ? 0 : space(fds.count * 4)
        let control = UnsafeMutableRawPointer.allocate(byteCount: max(controlLength, 1), alignment: align)
        defer { control.deallocate() }
        memset(control, 0, max(controlLength, 1))
        if !fds.isEmpty {
            let header = control.assumingMemoryBound(to: cmsghdr.self)
            header.pointee.cmsg_len = headerSize + fds.count * 4
            header.pointee.cmsg_level = SOL_SOCKET
            header.pointee.cmsg_type = Int32(SCM_RIGHTS)
            let data = (control + headerSize).assumingMemoryBound(to: Int32.self)
            for (i, fd) in fds.enumerated() { data[i] = fd }
        }
        return withUnsafeMutablePointer(to: &iov) { iovp in
            var msg = msghdr()
            msg.msg_iov = iovp
            msg.msg_iovlen = 1
            msg.msg_control = fds.isEmpty ? nil : control
            msg.msg_controllen = controlLength
            return sendmsg(socket, &msg, flags)
        }
    }

    public struct Received {
        /// bytes read, 0 at end of stream, -1 on error (see `errno`)
        public var count: Int
        /// descriptors that arrived with these bytes, already close-on-exec; the caller owns them
        public var fds: [Int32]
        /// the sender passed more descriptors than fit; the kernel discarded the rest
        public var truncated: Bool
    }

    /// One recvmsg into `buffer`, collecting any SCM_RIGHTS descriptors (with MSG_CMSG_CLOEXEC).
    public static func receive(socket: Int32, into buffer: UnsafeMutableRawBufferPointer, flags: Int32 = 0) -> Received {
        var iov = iovec(iov_base: buffer.baseAddress, iov_len: buffer.count)
        let controlLength = space(maxFDs * 4)
        let control = UnsafeMutableRawPointer.allocate(byteCount: controlLength, alignment: align)
        defer { control.deallocate() }
        memset(control, 0, controlLength)
        var msg = msghdr()
        let n = withUnsafeMutablePointer(to: &iov) { iovp -> Int in
            msg.msg_iov = iovp
            msg.msg_iovlen = 1
            msg.msg_control = control
            msg.msg_controllen = controlLength
            return recvmsg(socket, &msg, flags | Int32(MSG_CMSG_CLOEXEC))
        }
        guard n >= 0 else { return Received(count: n, fds: [], truncated: false) }
        var fds: [Int32] = []
        var offset = 0
        let total = min(Int(msg.msg_controllen), controlLength)
        while offset + headerSize <= total {
            let header = (control + offset).assumingMemoryBound(to: cmsghdr.self).pointee
            let length = Int(header.cmsg_len)
            guard length >= headerSize, offset + length <= total else { break }
            if header.cmsg_level == SOL_SOCKET && header.cmsg_type == Int32(SCM_RIGHTS) {
                let count = (length - headerSize) / 4
                let data = (control + offset + headerSize).assumingMemoryBound(to: Int32.self)
                for i in 0..<count { fds.append(data[i]) }
            }
            offset += (length + align - 1) & ~(align - 1)
        }
        return Received(count: n, fds: fds, truncated: msg.msg_flags & Int32(MSG_CTRUNC) != 0)
    }
}
