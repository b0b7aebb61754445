import ParallelKitSystem
import Synchronization

/// Why shared memory could not be created or attached.
public enum SharedMemoryError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A system call failed (`shm_open`, `ftruncate`, `fstat`, `mmap`): which, and its `errno`.
    case system(SystemError)
    /// The segment exists but holds something else: another type, count or size.
    case mismatch(name: String, expected: String, found: String)
    /// No segment has this name (its creator is gone, or the name was mistyped).
    case notFound(name: String)

    public var description: String {
        switch self {
        case .system(let error): return "\(error)"
        case .mismatch(let name, let expected, let found): return "shared segment \(name) holds \(found), not \(expected)"
        case .notFound(let name): return "no shared segment named \(name) (its creator may have released it)"
        }
    }
}

/// A named POSIX shared-memory segment whose first 64 bytes say what it holds.
///
/// Names are unpredictable (`/parallelkit-<pid>-<64 random bits>`) and created exclusively
/// (`O_EXCL`) with mode 0600. The creator unlinks the name when it is released; processes that
/// attached keep their mapping. On attach, the header's magic, kind (type), element count and
/// payload size must all match, so a wrong handle is an error, never memory corruption.
final class SharedSegment: @unchecked Sendable {
    // @unchecked: the fields are immutable; the mapped memory is shared on purpose and every
    // type built on it synchronizes through atomics or the robust mutex.
    static let namePrefix = "/parallelkit-"
    static let headerBytes = 64
    private static let magic: UInt64 = 0x5041_524B_5348_4D31  // "PARKSHM1"

    let name: String
    let kind: String
    let count: Int
    /// The whole mapping: the header, then the payload.
    private let mapping: UnsafeMutableRawBufferPointer
    private let isCreator: Bool

    /// The bytes after the header.
    var payload: UnsafeMutableRawPointer { mapping.baseAddress! + Self.headerBytes }

    private init(name: String, kind: String, count: Int, mapping: UnsafeMutableRawBufferPointer, isCreator: Bool) {
        self.name = name
        self.kind = kind
        self.count = count
        self.mapping = mapping
        self.isCreator = isCreator
    }

    deinit {
        munmap(mapping.baseAddress, mapping.count)
        if isCreator {
            shm_unlink(name)
            Self.created.withLock { _ = $0.remove(name) }
        }
    }

    /// Names this process created and has not unlinked yet: unlinked at exit, for objects still
    /// alive when the program calls `exit` (deinitializers do not run then). A process killed by
    /// a signal cannot clean up; its segments stay until removed.
    private static let created: Mutex<Set<String>> = {
        atexit {
            for name in SharedSegment.created.withLock({ $0 }) { shm_unlink(name) }
        }
        return Mutex([])
    }()

    /// Creates a zero-filled segment for `count` elements of `kind` taking `payloadBytes`.
    static func create(kind: String, count: Int, payloadBytes: Int) throws(SharedMemoryError) -> SharedSegment {
        var random = SystemRandomNumberGenerator()
        let name = "\(namePrefix)\(getpid())-\(String(random.next() as UInt64, radix: 16))"
        let fd = try call("shm_open") { shm_open(name, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0o600) }
        defer { close(fd) }
        let mappedBytes = headerBytes + max(payloadBytes, 1)
        let mapping: UnsafeMutableRawBufferPointer
        do {
            _ = try call("ftruncate") { ftruncate(fd, off_t(mappedBytes)) }
            mapping = try map(fd, bytes: mappedBytes, protection: PROT_READ | PROT_WRITE)
        } catch {
            shm_unlink(name)
            throw error
        }
        let header = mapping.baseAddress!.assumingMemoryBound(to: UInt64.self)
        header[1] = fingerprint(kind)
        header[2] = UInt64(count)
        header[3] = UInt64(payloadBytes)
        header[0] = magic
        created.withLock { _ = $0.insert(name) }
        return SharedSegment(name: name, kind: kind, count: count, mapping: mapping, isCreator: true)
    }

    /// Makes this process's mapping read-only (`mprotect`): a write through it is a crash
    /// (SIGSEGV), not a silent change.
    func makeReadOnly() {
        do {
            _ = try systemCall("mprotect") { mprotect(mapping.baseAddress, mapping.count, PROT_READ) }
        } catch {
            preconditionFailure("SharedSegment: \(error)")
        }
    }

    /// Maps an existing segment, checking that it holds `count` elements of `kind`. A
    /// `writable: false` mapping is opened `O_RDONLY` and mapped `PROT_READ`.
    static func attach(
        name: String, kind: String, count: Int, payloadBytes: Int, writable: Bool = true
    ) throws(SharedMemoryError) -> SharedSegment {
        guard name.hasPrefix(namePrefix), !name.dropFirst().contains("/") else {
            throw .mismatch(name: name, expected: "a ParallelKit segment name", found: "another name")
        }
        let fd: Int32
        do {
            fd = try systemCall("shm_open") { shm_open(name, (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC, 0) }
        } catch {
            throw error.errno == ENOENT ? .notFound(name: name) : .system(error)
        }
        defer { close(fd) }
        var status = stat()
        _ = try call("fstat") { fstat(fd, &status) }
        let mappedBytes = headerBytes + max(payloadBytes, 1)
        guard Int(status.st_size) == mappedBytes else {
            throw .mismatch(name: name, expected: "\(mappedBytes) bytes", found: "\(status.st_size) bytes")
        }
        let mapping = try map(fd, bytes: mappedBytes, protection: writable ? PROT_READ | PROT_WRITE : PROT_READ)
        let header = mapping.baseAddress!.assumingMemoryBound(to: UInt64.self)
        let expected = "\(kind) × \(count)"
        guard header[0] == magic, header[1] == fingerprint(kind), header[2] == UInt64(count), header[3] == UInt64(payloadBytes) else {
            munmap(mapping.baseAddress, mapping.count)
            throw .mismatch(name: name, expected: expected, found: "another kind or count")
        }
        return SharedSegment(name: name, kind: kind, count: count, mapping: mapping, isCreator: false)
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

/// What travels when a shared object is sent to another process: its segment's name and element
/// count. Decoding attaches to the same memory. Every shared type is sent through it.
struct SharedHandle: Codable, Sendable {
    var name: String
    var count: Int

    init(name: String, count: Int) {
        self.name = name
        self.count = count
    }

    /// The handle of `segment`.
    init(_ segment: SharedSegment) {
        self.init(name: segment.name, count: segment.count)
    }

    /// Attaches to the segment this handle names, which must hold `kind`; `payloadBytes` gives
    /// the payload's size for the handle's element count.
    func attach(kind: String, writable: Bool = true, payloadBytes: (Int) -> Int) throws(SharedMemoryError) -> SharedSegment {
        try SharedSegment.attach(name: name, kind: kind, count: count, payloadBytes: payloadBytes(count), writable: writable)
    }
}

extension SharedSegment {
    /// Encodes this segment's ``SharedHandle``: the `encode(to:)` of every shared type.
    func encodeHandle(to encoder: any Encoder) throws {
        try SharedHandle(self).encode(to: encoder)
    }

    /// Decodes a ``SharedHandle`` and attaches to its segment, as
    /// ``SharedHandle/attach(kind:writable:payloadBytes:)``: the `init(from:)` of every shared type.
    static func attach(
        from decoder: any Decoder, kind: String, writable: Bool = true, payloadBytes: (Int) -> Int
    ) throws -> SharedSegment {
        try SharedHandle(from: decoder).attach(kind: kind, writable: writable, payloadBytes: payloadBytes)
    }
}
