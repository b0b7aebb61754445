/// A batch whose inputs, outputs or both live in the shared segments of its map call
/// (``Sharing``), as a `run` payload: what crosses is the segments' handles and the batch's
/// index range, never the elements.
///
/// Layout: the byte ``tag`` (no ``WireCoder`` value starts with it, so a worker tells the two
/// payloads apart by their first byte), a little-endian `UInt32` header length, the
/// ``Header`` (``WireCoder``-encoded), then — when the inputs are not shared — the batch's
/// inputs, encoded as in a plain payload. A batch whose outputs are shared is answered with an
/// empty result: the outputs are in the segment.
enum SharedBatch {
    /// The first byte of a shared batch's payload: past the last ``WireTag``.
    static let tag: UInt8 = 0x53

    struct Header: Codable, Sendable, Equatable {
        /// The segment holding every input of the call (read-only), or nil: the inputs follow.
        var inputs: SharedHandle?
        /// The segment the call's outputs are written into, or nil: they are answered encoded.
        var outputs: SharedHandle?
        /// The batch's indices in the call's inputs (and outputs).
        var lowerBound: Int
        var upperBound: Int
    }

    static func isShared(_ payload: [UInt8]) -> Bool { payload.first == tag }

    /// The payload of a batch: `header`, then `encodedInputs` (empty when the inputs are shared).
    static func payload(_ header: Header, encodedInputs: [UInt8]) throws(EncodingError) -> [UInt8] {
        let encodedHeader = try WireCoder.encode(header)
        let buffer = WireBuffer()
        buffer.bytes.reserveCapacity(5 + encodedHeader.count + encodedInputs.count)
        buffer.append(tag)
        buffer.appendUInt32(UInt32(encodedHeader.count))
        buffer.bytes.append(contentsOf: encodedHeader)
        buffer.bytes.append(contentsOf: encodedInputs)
        return buffer.bytes
    }

    /// The segment kind of a call's inputs or outputs of type `Element`: checked on attach, so
    /// a worker whose `Element` has another layout refuses the segment.
    static func kind<Element>(_ role: String, of _: Element.Type) -> String {
        "ProcessPool.map \(role): \(PlainLayout.of(Element.self))"
    }

    /// Runs a shared batch of `Task` in a worker: reads the inputs from the input segment (or
    /// decodes them), writes the outputs into the output segment (or encodes them).
    static func run<Task: WorkerTask>(_: Task.Type, _ payload: consuming [UInt8]) async -> Result<[UInt8], BatchFailure> {
        var payload = payload
        func refused(_ error: any Error) -> Result<[UInt8], BatchFailure> {
            .failure(BatchFailure(index: 0, kind: .undecodable, error: RemoteTaskError(error)))
        }
        let header: Header
        let inputs: SharedSegment?
        let outputs: SharedSegment?
        do {
            header = try readHeader(&payload)
            inputs = try header.inputs?.attach(kind: kind("inputs", of: Task.Input.self), writable: false) {
                $0 * MemoryLayout<Task.Input>.stride
            }
            outputs = try header.outputs?.attach(kind: kind("outputs", of: Task.Output.self)) {
                $0 * MemoryLayout<Task.Output>.stride
            }
        } catch {
            return refused(error)
        }
        // The mappings must outlive every use of their pointers, across the awaits below.
        defer { withExtendedLifetime((inputs, outputs)) {} }
        let range = header.lowerBound..<header.upperBound
        guard range.lowerBound >= 0, inputs.map({ range.upperBound <= $0.count }) ?? true,
            outputs.map({ range.upperBound <= $0.count }) ?? true, inputs != nil || outputs != nil
        else {
            return refused(DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "shared batch \(range) out of its segments")))
        }
        let sharedInputs = inputs.map {
            UnsafeBufferPointer(start: $0.payload.assumingMemoryBound(to: Task.Input.self) + range.lowerBound, count: range.count)
        }
        let stride = MemoryLayout<Task.Output>.stride
        // One call faults in the batch's output pages, instead of one fault per page written.
        outputs?.populate(offset: range.lowerBound * stride, bytes: range.count * stride, writable: true)
        let target = outputs.map { $0.payload.bindMemory(to: Task.Output.self, capacity: $0.count) + range.lowerBound }
        if let sharedInputs, let target {
            // Both shared: the task reads from one mapping and writes into the other; no copy.
            do throws(WorkerBatchError) {
                try await Task._runBatch(sharedInputs, initializing: target)
            } catch {
                return .failure(BatchFailure(index: error.index, kind: .thrown, error: RemoteTaskError(error.error)))
            }
            return .success([])
        }
        let batch: [Task.Input]
        if let sharedInputs {
            batch = Array(sharedInputs)
        } else {
            do {
                batch = try WireCoder.decode([Task.Input].self, from: payload)
            } catch {
                return refused(error)
            }
        }
        let results: [Task.Output]
        do throws(WorkerBatchError) {
            results = try await Task._runBatch(batch)
        } catch {
            return .failure(BatchFailure(index: error.index, kind: .thrown, error: RemoteTaskError(error.error)))
        }
        guard let target else {
            do {
                return .success(try WireCoder.encode(results))
            } catch {
                return .failure(BatchFailure(index: 0, kind: .unencodable, error: RemoteTaskError(error)))
            }
        }
        guard results.count == range.count else {
            return .failure(BatchFailure(index: 0, kind: .unencodable, error: RemoteTaskError(
                DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "\(results.count) results for \(range.count) inputs")))))
        }
        results.withUnsafeBufferPointer { if let base = $0.baseAddress { target.initialize(from: base, count: $0.count) } }
        return .success([])
    }

    /// Reads the header and removes it (and the tag) from `payload`, leaving any encoded inputs.
    private static func readHeader(_ payload: inout [UInt8]) throws(DecodingError) -> Header {
        let (header, end) = try parseHeader(payload)
        payload.removeFirst(end)  // in place: the reader that shared the buffer is gone
        return header
    }

    /// The header and the offset of the bytes after it.
    private static func parseHeader(_ payload: [UInt8]) throws(DecodingError) -> (Header, Int) {
        let reader = WireReader(payload)
        guard try reader.byte() == tag else { throw reader.corrupt([], "not a shared batch") }
        let length = Int(try reader.uint32())
        guard length <= reader.remaining else { throw reader.corrupt([], "shared batch header longer than the payload") }
        let end = reader.offset + length
        return (try WireCoder.decode(Header.self, from: Array(payload[reader.offset..<end])), end)
    }
}
