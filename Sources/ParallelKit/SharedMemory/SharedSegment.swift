import ParallelKitSystem

/// Why shared memory could not be created or attached.
///
/// `name` is the handle's path, `/proc/<creator pid>/fd/<descriptor>`.
public enum SharedMemoryError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A system call failed (`memfd_create`, `ftruncate`, `fstat`, `mmap`): which, and its `errno`.
    case system(SystemError)
    /// The segment exists but holds something else: another type, count or size.
    case mismatch(name: String, expected: String, found: String)
    /// The creator is alive but no longer holds the segment: it released its object.
    case notFound(name: String)
    /// The process that created the segment has exited (however it ended): the segment can no
    /// longer be attached; the kernel frees it once every process that mapped it lets go.
    case creatorExited(name: String, pid: Int32)
    /// The creator is alive but Linux does not let this process open its descriptors: it runs
    /// as another user, or is not dumpable (`prctl(PR_SET_DUMPABLE, 0)`, or it changed its user
    /// ID, as a server dropping privileges does).
    case accessDenied(name: String, pid: Int32)

    public var description: String {
        switch self {
        case .system(let error) where error.call == "memfd_create" && error.errno == EMFILE:
            return "\(error): every live shared object holds one descriptor in the process that created it; "
                + "raise the descriptor limit (RLIMIT_NOFILE) or use fewer, larger objects"
        case .system(let error): return "\(error)"
        case .mismatch(let name, let expected, let found): return "shared segment \(name) holds \(found), not \(expected)"
        case .notFound(let name): return "no shared segment at \(name): its creator has released it"
        case .creatorExited(let name, let pid):
            return "shared segment \(name) cannot be attached: its creator, process \(pid), has exited"
        case .accessDenied(let name, let pid):
            return "shared segment \(name) cannot be attached: process \(pid) does not let this process open its "
                + "descriptors (it runs as another user, or is not dumpable: prctl(PR_SET_DUMPABLE, 0), or it changed its user ID)"
        }
    }
}

/// Shared memory that exists only as descriptors and mappings (`memfd_create`), whose first
/// 64 bytes say what it holds.
///
/// The creator keeps the segment's descriptor (close-on-exec) until it is released; its handle
/// is that descriptor's path, `/proc/<creator pid>/fd/<n>`, which other processes — pool
/// workers and unrelated ones alike — open to map the same memory, and close once mapped. The
/// segment has no name in any file system: when every process holding it has exited or let go,
/// however it ended (a normal exit, a signal, `SIGKILL`), the kernel frees it. Nothing can be
/// left in `/dev/shm`.
///
/// Mode 0600; its size is sealed (no process can shrink it under another's mapping). On attach,
/// the descriptor must be a ParallelKit memfd, and the header's magic, kind (type), element
/// count, payload size and the segment's 64-bit random ID must all match, so a wrong or stale
/// handle is an error, never memory corruption.
final class SharedSegment: @unchecked Sendable {
    // @unchecked: the fields are immutable; the mapped memory is shared on purpose and every
    // type built on it synchronizes through atomics or the robust mutex.
    static let headerBytes = 64
    private static let magic: UInt64 = 0x5041_524B_5348_4D32  // "PARKSHM2"

    let handle: SharedHandle
    let kind: String
    var count: Int { handle.count }
    /// The handle's path, which error messages name.
    var name: String { handle.path }
    /// The whole mapping: the header, then the payload.
    private let mapping: UnsafeMutableRawBufferPointer
    /// The memfd, held by the creator until release; -1 in processes that attached.
    private let descriptor: Int32

    /// The bytes after the header.
    var payload: UnsafeMutableRawPointer { mapping.baseAddress! + Self.headerBytes }

    private init(handle: SharedHandle, kind: String, mapping: UnsafeMutableRawBufferPointer, descriptor: Int32) {
        self.handle = handle
        self.kind = kind
        self.mapping = mapping
        self.descriptor = descriptor
    }

    deinit {
        munmap(mapping.baseAddress, mapping.count)
        if descriptor >= 0 { close(descriptor) }
    }

    /// The memfd name of segment `id`, as `/proc/<pid>/fd` and `/proc/<pid>/maps` show it
    /// (`/memfd:parallelkit-<id> (deleted)`).
    static func memoryFileName(id: UInt64) -> String { "parallelkit-\(String(id, radix: 16))" }

    /// This process's start time (``MemoryFile/startTime(of:)``), which handles carry.
    private static let creatorStartTime = MemoryFile.startTime(of: getpid()) ?? 0

    /// Whether the process that created `handle`'s segment is still running: the same pid and
    /// start time (a pid reused by a later process is not the creator).
    private static func creatorIsRunning(_ handle: SharedHandle) -> Bool {
        guard let started = MemoryFile.startTime(of: handle.pid) else { return false }
        return handle.started == 0 || started == handle.started
    }

    /// Creates a zero-filled segment for `count` elements of `kind` taking `payloadBytes`.
    /// With `readOnlyLater`, ``makeReadOnly()`` or ``sealAgainstOtherWriters()`` will seal it against writes.
    static func create(
        kind: String, count: Int, payloadBytes: Int, readOnlyLater: Bool = false
    ) throws(SharedMemoryError) -> SharedSegment {
        var random = SystemRandomNumberGenerator()
        let id = random.next() as UInt64
        let mappedBytes = headerBytes + max(payloadBytes, 1)
        let fd: Int32
        do {
            fd = try MemoryFile.create(name: memoryFileName(id: id), bytes: mappedBytes, finalSize: !readOnlyLater)
        } catch {
            throw .system(error)
        }
        let mapping: UnsafeMutableRawBufferPointer
        do {
            mapping = try map(fd, bytes: mappedBytes, protection: PROT_READ | PROT_WRITE)
        } catch {
            close(fd)
            throw error
        }
        let header = mapping.baseAddress!.assumingMemoryBound(to: UInt64.self)
        header[1] = fingerprint(kind)
        header[2] = UInt64(count)
        header[3] = UInt64(payloadBytes)
        header[4] = id
        header[0] = magic
        let handle = SharedHandle(pid: getpid(), started: creatorStartTime, descriptor: fd, id: id, count: count)
        return SharedSegment(handle: handle, kind: kind, mapping: mapping, descriptor: fd)
    }

    /// Makes this process's mapping read-only (`mprotect`): a write through it is a crash
    /// (SIGSEGV), not a silent change. In the creator it also seals the segment against new
    /// writable mappings (`F_SEAL_FUTURE_WRITE`), so no process can map it writable later.
    func makeReadOnly() {
        do {
            _ = try systemCall("mprotect") { mprotect(mapping.baseAddress, mapping.count, PROT_READ) }
        } catch {
            preconditionFailure("SharedSegment: \(error)")
        }
        // Kernels before 5.1 lack the seal (EINVAL); attachers still open such a segment
        // read-only and map it PROT_READ.
        if descriptor >= 0 { try? MemoryFile.sealWrites(descriptor) }
    }

    /// Seals the segment against new writable mappings (`F_SEAL_FUTURE_WRITE`) and leaves this
    /// process's own mapping writable: the creator may still write into it, no other process can
    /// map it writable. Created with `readOnlyLater`, in the creator; a no-op on kernels before 5.1.
    func sealAgainstOtherWriters() {
        if descriptor >= 0 { try? MemoryFile.sealWrites(descriptor) }
    }

    /// Faults in the payload's pages from `offset` for `bytes` at once, writable or not
    /// (``populatePages(_:bytes:writable:)``): for a range about to be written or read whole.
    func populate(offset: Int, bytes: Int, writable: Bool) {
        populatePages(payload + offset, bytes: min(bytes, mapping.count - Self.headerBytes - offset), writable: writable)
    }

    /// Maps the segment `handle` names, checking that it holds `handle.count` elements of
    /// `kind` in `payloadBytes`. A `writable: false` mapping is opened `O_RDONLY` and mapped
    /// `PROT_READ`.
    static func attach(
        _ handle: SharedHandle, kind: String, payloadBytes: Int, writable: Bool = true
    ) throws(SharedMemoryError) -> SharedSegment {
        let name = handle.path
        guard handle.pid > 0, handle.descriptor >= 0, handle.count >= 0 else {
            throw .mismatch(name: name, expected: "a ParallelKit segment handle", found: "another handle")
        }
        let fd = try open(handle, writable: writable)
        defer { close(fd) }
        var status = stat()
        _ = try call("fstat") { fstat(fd, &status) }
        let mappedBytes = headerBytes + max(payloadBytes, 1)
        guard Int(status.st_size) == mappedBytes else {
            throw .mismatch(name: name, expected: "\(mappedBytes) bytes", found: "\(status.st_size) bytes")
        }
        let mapping = try map(fd, bytes: mappedBytes, protection: writable ? PROT_READ | PROT_WRITE : PROT_READ)
        let header = mapping.baseAddress!.assumingMemoryBound(to: UInt64.self)
        let expected = "\(kind) × \(handle.count)"
        guard header[0] == magic, header[1] == fingerprint(kind), header[2] == UInt64(handle.count),
            header[3] == UInt64(payloadBytes), header[4] == handle.id
        else {
            munmap(mapping.baseAddress, mapping.count)
            throw .mismatch(name: name, expected: expected, found: "another kind, count or segment")
        }
        return SharedSegment(handle: handle, kind: kind, mapping: mapping, descriptor: -1)
    }

    /// Opens the creator's memfd anew through `/proc`, after checking that the descriptor is
    /// the segment's memfd (never another file the creator has open).
    private static func open(_ handle: SharedHandle, writable: Bool) throws(SharedMemoryError) -> Int32 {
        let name = handle.path
        func failure(_ error: SystemError) -> SharedMemoryError {
            switch error.errno {
            case ENOENT, ESRCH:
                return creatorIsRunning(handle) ? .notFound(name: name) : .creatorExited(name: name, pid: handle.pid)
            case EACCES, EPERM: return .accessDenied(name: name, pid: handle.pid)
            default: return .system(error)
            }
        }
        let target: String
        do {
            target = try MemoryFile.target(of: name)
        } catch {
            throw failure(error)
        }
        guard target == "/memfd:\(memoryFileName(id: handle.id)) (deleted)" else {
            // The creator released the segment and reused the descriptor number for another
            // file, or the pid now belongs to another process.
            throw creatorIsRunning(handle) ? .notFound(name: name) : .creatorExited(name: name, pid: handle.pid)
        }
        do {
            return try MemoryFile.reopen(name, writable: writable)
        } catch {
            throw failure(error)
        }
    }

    /// `mmap` of `bytes` of `fd`, shared.
    private static func map(_ fd: Int32, bytes: Int, protection: Int32) throws(SharedMemoryError) -> UnsafeMutableRawBufferPointer {
        var base: UnsafeMutableRawPointer?
        _ = try call("mmap") { () -> Int32 in
            guard let mapped = mmap(nil, bytes, protection, MAP_SHARED, fd, 0), mapped != MAP_FAILED else { return -1 }
            base = mapped
            return 0
        }
        return UnsafeMutableRawBufferPointer(start: base, count: bytes)
    }

    /// ``systemCall(_:_:)``, its error as a ``SharedMemoryError``.
    private static func call<Result: BinaryInteger>(
        _ name: StaticString, _ body: () -> Result
    ) throws(SharedMemoryError) -> Result {
        do {
            return try systemCall(name, body)
        } catch {
            throw .system(error)
        }
    }

    /// FNV-1a of a kind's name: a compact type check in the header.
    private static func fingerprint(_ kind: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in kind.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return hash
    }
}

/// What travels when a shared object is sent to another process: the creator's pid, start time
/// and memfd descriptor (the path `/proc/<pid>/fd/<descriptor>`), the segment's random ID and
/// its element count. Decoding attaches to the same memory. Every shared type is sent through it:
/// this is the one place the handle is encoded.
struct SharedHandle: Codable, Sendable, Equatable {
    var pid: Int32
    /// The creator's start time (``MemoryFile/startTime(of:)``): tells a reused pid apart.
    var started: UInt64
    var descriptor: Int32
    var id: UInt64
    var count: Int

    /// The path through which other processes open the segment while its creator holds it.
    var path: String { MemoryFile.path(pid: pid, descriptor: descriptor) }

    /// Attaches to the segment this handle names, which must hold `kind`; `payloadBytes` gives
    /// the payload's size for the handle's element count.
    func attach(kind: String, writable: Bool = true, payloadBytes: (Int) -> Int) throws(SharedMemoryError) -> SharedSegment {
        try SharedSegment.attach(self, kind: kind, payloadBytes: payloadBytes(count), writable: writable)
    }
}

extension SharedSegment {
    /// Encodes this segment's ``SharedHandle``: the `encode(to:)` of every shared type.
    func encodeHandle(to encoder: any Encoder) throws {
        try handle.encode(to: encoder)
    }

    /// Decodes a ``SharedHandle`` and attaches to its segment, as
    /// ``SharedHandle/attach(kind:writable:payloadBytes:)``: the `init(from:)` of every shared type.
    static func attach(
        from decoder: any Decoder, kind: String, writable: Bool = true, payloadBytes: (Int) -> Int
    ) throws -> SharedSegment {
        try SharedHandle(from: decoder).attach(kind: kind, writable: writable, payloadBytes: payloadBytes)
    }
}
