import ParallelKitSystem

/// Length-prefixed frames over one end of a Unix socket pair: `UInt32` little-endian length,
/// then that many bytes (one encoded ``WireMessage``).
///
/// Writing uses `MSG_NOSIGNAL`, so a dead peer is an error, not a `SIGPIPE`. Reading checks the
/// length against ``maxMessageBytes`` before allocating, and can give up after a timeout. A
/// large frame is received straight into the array its message hands out (see
/// ``directPayloadBytes``), so the parent holds a large result once, not three times.
///
/// In the parent, the channel also watches the worker's pidfd: a worker that has exited is
/// ``Failure/closed`` at once, even when processes it started still hold its end of the socket
/// open (a task's `system("… &")`), so end-of-file never comes.
package final class FrameChannel {
    let fd: Int32
    /// The largest frame body either side sends or accepts (``WireLimits``).
    let maxMessageBytes: Int
    /// The pidfd of the process at the other end, or -1 (the worker's side watches nothing: it
    /// dies with its parent). Owned by the caller.
    let peerPIDFD: Int32
    /// Set once the peer process is seen to have ended: what is still buffered in the socket
    /// is read, then receiving is ``Failure/closed``.
    private var peerEnded = false
    /// Received bytes not yet consumed live in `storage[head..<tail]`.
    private var storage: UnsafeMutableRawPointer
    private var capacity = 64 * 1024
    private var head = 0
    private var tail = 0

    init(fd: Int32, maxMessageBytes: Int = WireLimits.defaultMaxMessageBytes, peerPIDFD: Int32 = -1) {
        self.fd = fd
        self.maxMessageBytes = maxMessageBytes
        self.peerPIDFD = peerPIDFD
        storage = .allocate(byteCount: capacity, alignment: 16)
    }

    deinit { storage.deallocate() }

    /// Why a frame could not be read or written.
    package enum Failure: Error, Sendable, Equatable {
        /// The peer closed its end (it exited or crashed).
        case closed
        /// Sending failed because the peer is gone: the message was not delivered.
        case notDelivered
        /// No complete frame arrived in time.
        case timedOut
        /// A frame of `bytes` exceeds the limit of `limit` bytes: refused before sending it, or
        /// (its length prefix) before reading it.
        case oversized(bytes: Int, limit: Int)
        /// A system call failed.
        case system(SystemError)
        /// The bytes are not a valid message.
        case undecodable(String)
    }

    func send(_ message: WireMessage) throws(Failure) {
        if let bytes = message.payloadBodyBytes, bytes > maxMessageBytes {
            throw .oversized(bytes: bytes, limit: maxMessageBytes)
        }
        let frame: [UInt8]
        do {
            frame = try message.framed()
        } catch {
            throw .undecodable("\(error)")
        }
        guard frame.count - 4 <= maxMessageBytes else { throw .oversized(bytes: frame.count - 4, limit: maxMessageBytes) }
        var written = 0
        let sent = frame.withUnsafeBytes { bytes in
            Result { () throws(SystemError) in try writeAll(fd, bytes, sendFlags: Int32(MSG_NOSIGNAL), written: &written, peerPIDFD: peerPIDFD) }
        }
        do {
            try sent.get()
        } catch where error.errno == EPIPE || error.errno == ECONNRESET {
            throw written == 0 ? .notDelivered : .closed
        } catch {
            throw .system(error)
        }
    }

    /// How long a receive polls without blocking before it sleeps in the kernel: waking a
    /// sleeping process costs ~20–50 µs on the machines measured, a message round trip ~5 µs.
    static let spinMicroseconds = 50.0

    /// The next message; waits at most `timeout` (forever when `nil`).
    func receive(timeout: Duration? = nil) throws(Failure) -> WireMessage {
        let deadline = timeout.map { MonotonicClock.deadline(after: $0) }
        // Yielding: on 2 cores, processes polling without yielding starved each other
        // (measured: a 97 µs apply round trip against 20 µs).
        if let message = try receiveIfReady(spinningMicroseconds: Self.spinMicroseconds, yielding: true) {
            return message
        }
        try fill(4, deadline: deadline)
        let length = try bufferedFrameLength()!
        if length >= Self.directPayloadBytes, let message = try receiveDirect(length: length, deadline: deadline) {
            return message
        }
        try fill(4 + length, deadline: deadline)
        return try takeFrame(length: length)
    }

    /// The next message if a whole one arrives within `spinningMicroseconds` of polling without
    /// blocking, `yielding` the CPU between polls or keeping it; `nil` if not, with whatever
    /// part arrived kept for the next receive.
    func receiveIfReady(spinningMicroseconds: Double, yielding: Bool = false) throws(Failure) -> WireMessage? {
        let end = Ticks.now() &+ Ticks.fromMicroseconds(spinningMicroseconds)
        while true {
            let length = try bufferedFrameLength()
            if let length, tail - head >= 4 + length { return try takeFrame(length: length) }
            // A large frame is left to `receive`, which reads it straight into its payload.
            if let length, length >= Self.directPayloadBytes { return nil }
            makeRoom(for: 4 + (length ?? 0))
            if let got = try receiveAvailable(flags: Int32(MSG_DONTWAIT)) {
                tail += got
                continue
            }
            if Ticks.now() >= end { return nil }
            if yielding { sched_yield() }
        }
    }

    /// The length of the buffered frame, once its 4-byte prefix is buffered.
    private func bufferedFrameLength() throws(Failure) -> Int? {
        guard tail - head >= 4 else { return nil }
        let length = Int(UInt32(littleEndian: storage.loadUnaligned(fromByteOffset: head, as: UInt32.self)))
        guard length <= maxMessageBytes else { throw .oversized(bytes: length, limit: maxMessageBytes) }
        return length
    }

    /// Decodes and consumes the buffered frame of `length` bytes.
    private func takeFrame(length: Int) throws(Failure) -> WireMessage {
        let payload = [UInt8](UnsafeRawBufferPointer(start: storage + head + 4, count: length))
        head += 4 + length
        if head == tail {
            head = 0
            tail = 0
        }
        do {
            return try WireMessage(frame: payload)
        } catch {
            throw .undecodable("\(error)")
        }
    }

    /// Frames at least this large (1 MiB) are received by ``receiveDirect(length:deadline:)``.
    static let directPayloadBytes = 1 << 20

    /// Receives a large `run`, `initialize` or `result` frame of `length` bytes whose prefix is
    /// buffered: its header through the buffer, its payload straight into the array the message
    /// holds, so the payload is never copied and the buffer does not grow to the frame's size.
    /// `nil` (nothing consumed) for other kinds, which are small. A timeout in the middle of the
    /// payload loses the frame; callers end the worker on a timeout.
    private func receiveDirect(length: Int, deadline: UInt64?) throws(Failure) -> WireMessage? {
        try fill(4 + 1, deadline: deadline)
        let kind = storage.load(fromByteOffset: head + 4, as: UInt8.self)
        // The fixed fields: kind, then the id (run, result) and the task name's length (run, initialize).
        var header: Int
        switch kind {
        case 2: header = 1 + 4
        case 4: header = 1 + 8 + 4
        case 5: header = 1 + 8
        default: return nil
        }
        try fill(4 + header, deadline: deadline)
        if kind != 5 {
            let nameLength = Int(UInt32(littleEndian: storage.loadUnaligned(fromByteOffset: head + header, as: UInt32.self)))
            guard nameLength <= length - header else { return nil }  // malformed: reported as usual
            header += nameLength
            try fill(4 + header, deadline: deadline)
        }
        let fields = WireReader([UInt8](UnsafeRawBufferPointer(start: storage + head + 4, count: header)))
        let count = length - header
        let buffered = min(tail - head - 4 - header, count)
        var failure: Failure?
        let payload = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            let base = UnsafeMutableRawPointer(buffer.baseAddress!)
            base.copyMemory(from: storage + head + 4 + header, byteCount: buffered)
            initialized = buffered
            do throws(Failure) {
                while initialized < count {
                    initialized += try receiveWaiting(into: base + initialized, count: count - initialized, deadline: deadline)
                }
            } catch {
                failure = error
            }
        }
        head += 4 + header + buffered
        if head == tail {
            head = 0
            tail = 0
        }
        if let failure { throw failure }
        do {
            _ = try fields.byte()
            switch kind {
            case 2: return .initialize(task: try fields.string(), payload: payload)
            case 4:
                let id = try fields.uint64()
                return .run(id: id, task: try fields.string(), payload: payload)
            default: return .result(id: try fields.uint64(), payload: payload)
            }
        } catch {
            throw .undecodable("\(error)")
        }
    }

    /// Makes room for `count` unconsumed bytes from `head`: moves what is left to the front,
    /// growing the buffer if a frame needs it.
    private func makeRoom(for count: Int) {
        guard count > capacity - head || tail == capacity else { return }
        let needed = max(count, capacity)
        let grown = UnsafeMutableRawPointer.allocate(byteCount: needed, alignment: 16)
        grown.copyMemory(from: storage + head, byteCount: tail - head)
        storage.deallocate()
        storage = grown
        capacity = needed
        tail -= head
        head = 0
    }

    /// Reads until at least `count` unconsumed bytes are buffered; ``Failure/closed`` once the
    /// peer process has ended and nothing more is buffered.
    private func fill(_ count: Int, deadline: UInt64?) throws(Failure) {
        while tail - head < count {
            makeRoom(for: count)
            tail += try receiveWaiting(into: storage + tail, count: capacity - tail, deadline: deadline)
        }
    }

    /// Receives at least one and at most `count` bytes into `destination`, waiting on the socket
    /// and the peer's pidfd until `deadline` (never when `nil`): ``Failure/timedOut`` then, and
    /// ``Failure/closed`` once the peer process has ended and nothing more is buffered.
    private func receiveWaiting(into destination: UnsafeMutableRawPointer, count: Int, deadline: UInt64?) throws(Failure) -> Int {
        while true {
            if let got = try receiveAvailable(into: destination, count: count, flags: Int32(MSG_DONTWAIT)) { return got }
            if peerEnded { throw .closed }
            if let deadline, MonotonicClock.nanoseconds() >= deadline { throw .timedOut }
            try awaitReadable(until: deadline)
        }
    }

    /// Receives what fits after `tail`: the count (never 0), or `nil` when nothing is there yet.
    /// End of file or a reset is ``Failure/closed``.
    private func receiveAvailable(flags: Int32) throws(Failure) -> Int? {
        try receiveAvailable(into: storage + tail, count: capacity - tail, flags: flags)
    }

    /// Receives at most `count` bytes into `destination`, as ``receiveAvailable(flags:)``.
    func receiveAvailable(into destination: UnsafeMutableRawPointer, count: Int, flags: Int32) throws(Failure) -> Int? {
        let got: Int?
        do {
            got = try systemCallUnlessWouldBlock("recv") { recv(fd, destination, count, flags) }
        } catch where error.errno == ECONNRESET {
            throw .closed
        } catch {
            throw .system(error)
        }
        if got == 0 { throw .closed }
        return got
    }

    /// Waits until there is something to read, the peer process has ended (``peerEnded``), or
    /// `deadline` (``MonotonicClock`` nanoseconds; never when `nil`) has passed.
    private func awaitReadable(until deadline: UInt64?) throws(Failure) {
        var pollers = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0), pollfd(fd: peerPIDFD, events: Int16(POLLIN), revents: 0)]
        let count: nfds_t = peerPIDFD >= 0 ? 2 : 1
        do {
            // Retried after a signal with the time then left.
            _ = try systemCall("poll") { () -> Int32 in
                guard let deadline else { return poll(&pollers, count, -1) }
                let now = MonotonicClock.nanoseconds()
                let milliseconds = now >= deadline ? 0 : Int32(min(UInt64(Int32.max), (deadline - now + 999_999) / 1_000_000))
                return poll(&pollers, count, milliseconds)
            }
        } catch {
            throw .system(error)
        }
        // The peer wrote everything it sent before it exited: one more look at the socket
        // (``fill``) reads what is left, then the channel is closed.
        if count == 2 && pollers[1].revents != 0 { peerEnded = true }
    }
}

/// The calling process's ID.
func currentProcessID() -> Int32 { getpid() }
