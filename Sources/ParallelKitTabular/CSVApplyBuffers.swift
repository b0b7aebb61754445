import Synchronization

/// The buffers of a CSV apply, kept from one window to the next: each chunk's field index
/// (``CSVFields``) and output bytes, and the input bytes the reader fills.
///
/// Without it every chunk of a megabyte allocated its arrays afresh — an input buffer, an output
/// buffer, and field arrays grown by doubling — and glibc serves allocations that large with
/// `mmap` and returns them with `munmap`, so every chunk page-faulted its buffers in again and
/// every `munmap` stopped the other workers' threads for a TLB shootdown: the workers of a
/// parallel apply waited on the kernel's memory map, while a serial one had nobody to stop.
///
/// A worker takes a buffer when its chunk starts and gives it back when it is done with it; the
/// caller gives an output back once it is written, and an input once its window is mapped.
/// Holding at most a window's worth of each, as the apply did before, memory stays bounded.
final class CSVApplyBuffers: Sendable {
    /// What a byte buffer holds: kept apart, as their sizes differ.
    enum Use {
        case input, output
    }

    private struct Spare {
        var fields: [CSVFields] = []
        var inputs: [[UInt8]] = []
        var outputs: [[UInt8]] = []

        subscript(use: Use) -> [[UInt8]] {
            get { use == .input ? inputs : outputs }
            set {
                if use == .input { inputs = newValue } else { outputs = newValue }
            }
        }
    }

    private let spare = Mutex(Spare())
    /// How many of each kind are kept; more given back are freed.
    private let limit: Int

    init(limit: Int) { self.limit = max(limit, 1) }

    /// An empty field index, with the capacity of one used before when there is one.
    func takeFields() -> CSVFields {
        var fields = spare.withLock { $0.fields.popLast() } ?? CSVFields()
        fields.removeAll()
        return fields
    }

    func giveBack(_ fields: consuming CSVFields) {
        let fields = fields
        spare.withLock { if $0.fields.count < limit { $0.fields.append(fields) } }
    }

    /// An empty byte buffer of at least `capacity` bytes, reused when one is spare.
    func takeBytes(_ use: Use, capacity: Int) -> [UInt8] {
        var bytes = spare.withLock { $0[use].popLast() } ?? []
        bytes.removeAll(keepingCapacity: true)
        bytes.reserveCapacity(capacity)
        return bytes
    }

    func giveBack(_ bytes: consuming [UInt8], as use: Use) {
        let bytes = bytes
        guard bytes.capacity > 0 else { return }
        spare.withLock { if $0[use].count < limit { $0[use].append(bytes) } }
    }
}
