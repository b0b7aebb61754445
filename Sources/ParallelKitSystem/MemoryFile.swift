import CParallelKit

/// Shared memory that exists only as descriptors and mappings (`memfd_create(2)`): it has no
/// name in any file system, so nothing is left behind when its processes die, however they die —
/// the kernel frees it when the last descriptor is closed and the last mapping unmapped.
///
/// Another process reaches it through the creator's descriptor, `/proc/<pid>/fd/<n>`: opening
/// that path opens the same memory anew (a new open file description), which Linux allows to
/// processes that may read the creator's state (same user and the creator dumpable, or
/// `CAP_SYS_PTRACE`).
///
/// ```swift
/// let fd = try MemoryFile.create(name: "parallelkit-1f2e", bytes: 4096)
/// let other = try MemoryFile.reopen(MemoryFile.path(pid: getpid(), descriptor: fd), writable: true)
/// ```
package enum MemoryFile {
    /// A new memory file of `bytes` zero bytes, mode 0600, close-on-exec, whose size is sealed
    /// (`F_SEAL_SHRINK | F_SEAL_GROW`, so no process can shrink it under another's mapping);
    /// with `finalSize`, no other seal can be added.
    ///
    /// `name` shows in `/proc/<pid>/fd` and `/proc/<pid>/maps` as `/memfd:<name> (deleted)`.
    ///
    /// - Throws: ``SystemError`` from `memfd_create`, `fchmod`, `ftruncate` or `fcntl`.
    package static func create(name: String, bytes: Int, finalSize: Bool) throws(SystemError) -> Int32 {
        let fd = try systemCall("memfd_create") { name.withCString { pk_memfd_create($0) } }
        do {
            _ = try systemCall("fchmod") { fchmod(fd, 0o600) }
            _ = try systemCall("ftruncate") { ftruncate(fd, off_t(bytes)) }
            _ = try systemCall("fcntl(F_ADD_SEALS)") {
                pk_memfd_seal(fd, finalSize ? pk_memfd_seal_size_final : pk_memfd_seal_size)
            }
        } catch {
            close(fd)
            throw error
        }
        return fd
    }

    /// Seals the memory file against new writable mappings and `write` (`F_SEAL_FUTURE_WRITE`,
    /// Linux 5.1+) and against further seals; mappings made before keep their access.
    ///
    /// - Throws: ``SystemError`` from `fcntl` (`EINVAL` on kernels without the seal).
    package static func sealWrites(_ fd: Int32) throws(SystemError) {
        _ = try systemCall("fcntl(F_ADD_SEALS)") { pk_memfd_seal(fd, pk_memfd_seal_writes_final) }
    }

    /// The path through which other processes open descriptor `descriptor` of process `pid`.
    package static func path(pid: Int32, descriptor: Int32) -> String { "/proc/\(pid)/fd/\(descriptor)" }

    /// Opens the memory behind another process's descriptor at `path` (``path(pid:descriptor:)``),
    /// close-on-exec, read-write or read-only.
    ///
    /// - Throws: ``SystemError`` from `open`: `ENOENT` when the process or the descriptor is
    ///   gone, `EACCES` when this process may not read the other's descriptors.
    package static func reopen(_ path: String, writable: Bool) throws(SystemError) -> Int32 {
        try systemCall("open") { path.withCString { open($0, (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC) } }
    }

    /// What the descriptor link at `path` points to (`readlink`): for a memory file,
    /// `/memfd:<name> (deleted)`.
    ///
    /// - Throws: ``SystemError`` from `readlink`, as ``reopen(_:writable:)``.
    package static func target(of path: String) throws(SystemError) -> String {
        var buffer = [UInt8](repeating: 0, count: 512)
        let length = try systemCall("readlink") {
            buffer.withUnsafeMutableBufferPointer { bytes in
                path.withCString { readlink($0, bytes.baseAddress!, bytes.count) }
            }
        }
        return String(decoding: buffer[0..<length], as: UTF8.self)
    }

    /// When process `pid` started, in clock ticks since boot (`/proc/<pid>/stat`, field 22), or
    /// nil when it is gone or has exited (a zombie: its descriptors are closed). With the pid it
    /// names one process for good: a pid reused by a later process has another start time.
    package static func startTime(of pid: Int32) -> UInt64? {
        guard let line = SmallFile.text("/proc/\(pid)/stat"), let end = line.lastIndex(of: ")") else { return nil }
        // After the command's closing parenthesis: field 3 (the state) onwards.
        let fields = line[line.index(after: end)...].split(separator: " ")
        guard fields.count > 19, fields[0] != "Z", fields[0] != "X" else { return nil }
        return UInt64(fields[19])
    }
}
