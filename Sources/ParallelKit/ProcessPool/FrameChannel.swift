import ParallelKitSystem

/// Length-prefixed frames over one end of a Unix socket pair: `UInt32` little-endian length,
/// then that many bytes (one encoded ``WireMessage``).
///
/// Writing uses `MSG_NOSIGNAL`, so a dead peer is an error, not a `SIGPIPE`. Reading checks the
/// length against ``maximumFrameSize`` before allocating, and can give up after a timeout.
///
/// In the parent, the channel also watches the worker's pidfd: a worker that has exited is
/// ``Failure/closed`` at once, even when processes it started still hold its end of the socket
/// open (a task's `system("… &")`), so end-of-file never comes.
package final class FrameChannel {
    /// The largest frame either side accepts: 1 GiB.
    static let maximumFrameSize = 1 << 30

    let fd: Int32
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

    init(fd: Int32, peerPIDFD: Int32 = -1) {
        self.fd = fd
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
        /// The length prefix exceeds the maximum frame size.
        case oversized(UInt32)
        /// A system call failed.
        case system(SystemError)
        /// The bytes are not a valid message.
        case undecodable(String)
    }

    func send(_ message: WireMessage) throws(Failure) {
        let frame: [UInt8]
        do {
            frame = try message.framed()
        } catch {
            throw .undecodable("\(error)")
        }
        guard frame.count - 4 <= Self.maximumFrameSize else { throw .oversized(UInt32(truncatingIfNeeded: frame.count - 4)) }
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
        guard length <= Self.maximumFrameSize else { throw .oversized(UInt32(length)) }
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
            if let got = try receiveAvailable(flags: Int32(MSG_DONTWAIT)) {
                tail += got
                continue
            }
            if peerEnded { throw .closed }
            if let deadline, MonotonicClock.nanoseconds() >= deadline { throw .timedOut }
            try awaitReadable(until: deadline)
        }
    }

    /// Receives what fits after `tail`: the count (never 0), or `nil` when nothing is there yet.
    /// End of file or a reset is ``Failure/closed``.
    private func receiveAvailable(flags: Int32) throws(Failure) -> Int? {
        let got: Int?
        do {
            got = try systemCallUnlessWouldBlock("recv") { recv(fd, storage + tail, capacity - tail, flags) }
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
