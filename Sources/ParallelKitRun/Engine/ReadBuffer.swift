import CParallelKit
import ParallelKitSystem

/// A growable byte buffer that descriptors are read into directly and records are cut from the
/// front of, with `memcpy`/`memmove` only: input of any size moves through it at memory speed,
/// also in debug builds, where element-wise `Array` operations cost nanoseconds per byte.
final class ReadBuffer {
    private var storage: UnsafeMutableRawPointer
    private var capacity: Int
    private var start = 0
    private var end = 0
    /// Whether a read returned end of file (or an error), or was interrupted.
    private(set) var atEnd = false
    /// Whether a read was interrupted by a signal that stops the runner (SIGINT, SIGTERM,
    /// SIGHUP): the input then ends here, and what is held is not a complete record.
    private(set) var interrupted = false

    init(capacity: Int = 64 * 1024) {
        self.capacity = max(capacity, 4096)
        storage = .allocate(byteCount: self.capacity, alignment: 16)
    }

    deinit { storage.deallocate() }

    /// Bytes held.
    var count: Int { end - start }

    /// The bytes held, valid until the next mutation.
    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: storage + start, count: end - start) }

    /// Reads from `fd` until at least `wanted` bytes are held or the input ends.
    func fill(from fd: Int32, toAtLeast wanted: Int) {
        while !atEnd, count < wanted { readOnce(from: fd, chunk: max(wanted - count, 64 * 1024)) }
    }

    /// Reads once from `fd` when that does not wait (at most `chunk` bytes); false when nothing
    /// was waiting to be read.
    func readIfReady(from fd: Int32, chunk: Int = 64 * 1024) -> Bool {
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard let ready = try? systemCall("poll", { poll(&poller, 1, 0) }), ready > 0 else { return false }
        readOnce(from: fd, chunk: chunk)
        return true
    }

    /// Reads once from `fd` (at most `chunk` bytes); false at end of input. The runner's one read
    /// of its input: an error ends the input as its end does, and so does a read interrupted by
    /// a signal that stops the runner (SIGINT, SIGTERM, SIGHUP), which leaves ``interrupted`` set.
    @discardableResult
    func readOnce(from fd: Int32, chunk: Int = 64 * 1024) -> Bool {
        guard !atEnd else { return false }
        reserve(chunk)
        var calls = 0
        var stopped = false
        let got = (try? systemCall("read") { () -> Int in
            calls += 1
            // Called again: the read before was interrupted (EINTR). By a stopping signal, the
            // input ends here; by any other, it is read again.
            if calls > 1, pk_signal_was_received() != 0 {
                stopped = true
                return 0
            }
            return read(fd, storage + end, capacity - end)
        }) ?? 0
        if stopped { interrupted = true }
        guard got > 0 else {
            atEnd = true
            return false
        }
        end += got
        return true
    }

    /// Copies out the first `length` bytes (after `prefix`) and drops them from the buffer.
    func take(_ length: Int, prefix: Bytes = []) -> Bytes {
        let taken = Bytes(unsafeUninitializedCapacity: prefix.count + length) { buffer, initialized in
            let base = UnsafeMutableRawPointer(buffer.baseAddress!)
            prefix.withUnsafeBytes { if let source = $0.baseAddress { base.copyMemory(from: source, byteCount: $0.count) } }
            (base + prefix.count).copyMemory(from: storage + start, byteCount: length)
            initialized = prefix.count + length
        }
        drop(length)
        return taken
    }

    /// Drops the first `length` bytes.
    func drop(_ length: Int) {
        start += length
        if start == end {
            start = 0
            end = 0
        }
    }

    /// Makes room for `more` bytes after the end, moving the contents to the front or growing.
    private func reserve(_ more: Int) {
        if capacity - end >= more { return }
        if start > 0 {
            (storage).copyMemory(from: storage + start, byteCount: end - start)
            end -= start
            start = 0
            if capacity - end >= more { return }
        }
        var grown = capacity
        while grown - end < more { grown *= 2 }
        let bigger = UnsafeMutableRawPointer.allocate(byteCount: grown, alignment: 16)
        bigger.copyMemory(from: storage, byteCount: end)
        storage.deallocate()
        storage = bigger
        capacity = grown
    }
}
