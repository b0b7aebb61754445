import Synchronization

/// The buffers of a CSV apply, kept from one window to the next: each chunk's field index
/// (``CSVFields``) and output bytes, and the input bytes the reader fills.
///
/// Without it every chunk of a megabyte allocated its arrays afresh — an input buffer, an output
/// buffer, and field arrays grown by doubling — and faulted their pages in again: in a `perf`
/// profile of `csv-rows`, 1.7% in the doubling's `memmove` and 7.7% in the kernel, against 4.8%
/// in the kernel with the buffers kept.
///
/// A worker takes a buffer when its chunk starts and gives it back when it is done with it; the
/// caller gives an output back once it is written, and an input once its window is mapped.
/// It keeps at most `limit` spares of each kind (the apply passes three windows' worth, what it
/// has in flight at once: one window mapped, one read, one written), so memory stays bounded.
final class CSVApplyBuffers: Sendable {
    /// What a byte buffer holds: kept apart, as their sizes differ.
    enum Use {
        case input, output
    }

    private struct Spare {
        var fields: [CSVFields] = []
        var inputs: [[UInt8]] = []
        var outputs: [[UInt8]] = []

        mutating func pop(_ use: Use) -> [UInt8]? { use == .input ? inputs.popLast() : outputs.popLast() }

        /// Keeps `bytes` unless `limit` are kept already.
        mutating func push(_ bytes: [UInt8], _ use: Use, limit: Int) {
            switch use {
            case .input: if inputs.count < limit { inputs.append(bytes) }
            case .output: if outputs.count < limit { outputs.append(bytes) }
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
        var bytes = spare.withLock { $0.pop(use) } ?? []
        bytes.removeAll(keepingCapacity: true)
        bytes.reserveCapacity(capacity)
        return bytes
    }

    func giveBack(_ bytes: consuming [UInt8], as use: Use) {
        let bytes = bytes
        guard bytes.capacity > 0 else { return }
        spare.withLock { $0.push(bytes, use, limit: limit) }
    }
}
