import ParallelKitSystem

/// The shared-memory layout of a ``ProcessQueue``: a robust mutex, the ring's counters, two
/// futex words, the writer table, then the ring of length-prefixed messages.
///
/// Every field except the futex words is read and written only with the mutex held. A message
/// is copied in before the counters move, so a writer that dies mid-put leaves no half message.
struct QueueLayout: @unchecked Sendable {
    // @unchecked: a view of shared memory; all access goes through `locked`, except the futex
    // words, which the kernel compares atomically.
    static let writerSlots = 64
    private static let stateOffset = 64
    private static let signalsOffset = 96
    private static let writersOffset = 128
    static let headerBytes = writersOffset + writerSlots * 8

    struct State {
        /// Bytes ever taken and ever put (the ring positions are these modulo the capacity), and
        /// the messages in the ring.
        var head, tail, messages: UInt64
        /// Readers and writers sleeping (or about to) on the signals: a put or take makes the
        /// wake-up system call only when someone waits. A waiter that dies leaves its count
        /// behind, which costs spare wake-ups, never a missed one.
        var readersWaiting, writersWaiting: UInt32
    }

    let mutex: RobustMutex
    let state: UnsafeMutablePointer<State>
    /// Bumped after every put (readers wait on it) and every take (writers wait on it).
    let dataSignal: UnsafeMutablePointer<UInt32>
    let spaceSignal: UnsafeMutablePointer<UInt32>
    /// The process ID of each writing queue object, 0 for a free row.
    let writers: UnsafeMutablePointer<Int64>
    private let ring: UnsafeMutablePointer<UInt8>
    private let capacity: Int

    /// A view of a segment's payload; `initialize` sets up the mutex of a fresh, zero-filled
    /// segment.
    init(_ base: UnsafeMutableRawPointer, capacity: Int, initialize: Bool) {
        assert(MemoryLayout<State>.size <= Self.signalsOffset - Self.stateOffset)
        mutex = RobustMutex(at: base, initialize: initialize)
        state = (base + Self.stateOffset).assumingMemoryBound(to: State.self)
        dataSignal = (base + Self.signalsOffset).assumingMemoryBound(to: UInt32.self)
        spaceSignal = (base + Self.signalsOffset + 4).assumingMemoryBound(to: UInt32.self)
        writers = (base + Self.writersOffset).assumingMemoryBound(to: Int64.self)
        ring = (base + Self.headerBytes).assumingMemoryBound(to: UInt8.self)
        self.capacity = capacity
    }

    func locked<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        mutex.lock()
        defer { mutex.unlock() }
        return try body()
    }

    var freeBytes: Int { capacity - Int(state.pointee.tail - state.pointee.head) }

    /// Appends one message; the caller checked there is room for it and its 4-byte length.
    func append(_ bytes: [UInt8]) {
        var length = UInt32(bytes.count).littleEndian
        let tail = state.pointee.tail
        withUnsafeBytes(of: &length) { copyIn($0, at: tail) }
        bytes.withUnsafeBytes { copyIn($0, at: tail + 4) }
        state.pointee.tail = tail + 4 + UInt64(bytes.count)
        state.pointee.messages += 1
        dataSignal.pointee &+= 1
    }

    /// Removes and returns the first message, or nil when there is none.
    func takeFirst() -> [UInt8]? {
        guard state.pointee.messages > 0 else { return nil }
        let head = state.pointee.head
        var length: UInt32 = 0
        withUnsafeMutableBytes(of: &length) { copyOut($0, at: head) }
        let count = Int(UInt32(littleEndian: length))
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            copyOut(UnsafeMutableRawBufferPointer(buffer), at: head + 4)
            initialized = count
        }
        state.pointee.head = head + 4 + UInt64(count)
        state.pointee.messages -= 1
        spaceSignal.pointee &+= 1
        return bytes
    }

    /// Claims a free row of the writer table for this process; nil when all are taken by
    /// live writers.
    func claimWriterSlot() -> Int? {
        _ = pruneDeadWriters()
        guard let free = (0..<Self.writerSlots).first(where: { writers[$0] == 0 }) else { return nil }
        writers[free] = Int64(getpid())
        return free
    }

    /// Frees the rows of writers whose process has died; returns how many writers are left.
    func pruneDeadWriters() -> Int {
        var live = 0
        for slot in 0..<Self.writerSlots where writers[slot] != 0 {
            if Self.isAlive(pid_t(writers[slot])) {
                live += 1
            } else {
                writers[slot] = 0
            }
        }
        return live
    }

    /// Whether process `pid` exists (`kill` with signal 0; `EPERM` means it does, owned by
    /// another user).
    private static func isAlive(_ pid: pid_t) -> Bool {
        do {
            _ = try systemCall("kill") { systemKill(pid, 0) }
            return true
        } catch {
            return error.errno == EPERM
        }
    }

    private func copyIn(_ source: UnsafeRawBufferPointer, at position: UInt64) {
        guard source.count > 0 else { return }
        let start = Int(position % UInt64(capacity))
        let first = min(source.count, capacity - start)
        UnsafeMutableRawPointer(ring + start).copyMemory(from: source.baseAddress!, byteCount: first)
        if first < source.count {
            UnsafeMutableRawPointer(ring).copyMemory(from: source.baseAddress! + first, byteCount: source.count - first)
        }
    }

    private func copyOut(_ destination: UnsafeMutableRawBufferPointer, at position: UInt64) {
        let start = Int(position % UInt64(capacity))
        guard destination.count > 0 else { return }
        let first = min(destination.count, capacity - start)
        destination.baseAddress!.copyMemory(from: ring + start, byteCount: first)
        if first < destination.count {
            (destination.baseAddress! + first).copyMemory(from: ring, byteCount: destination.count - first)
        }
    }
}
