import Synchronization

/// How the batches of one ``ProcessPool/map(_:_:chunking:sharing:progress:)`` call travel:
/// encoded through the workers' sockets, or through the call's shared segments (``Sharing``).
///
/// A shared input segment holds every input, written once here and mapped read-only by the
/// workers; a shared output segment takes every output, written by the workers at their indices
/// and copied out once at the end. The call lets go of them with ``release()`` when it ends (a
/// dispatcher thread may hold a copy of this value a moment longer); the kernel frees them once
/// the workers still running a batch of the call have unmapped them too.
struct MapTransport<Task: WorkerTask>: Sendable {
    /// The input segment's handle, when the inputs are shared.
    let inputs: SharedHandle?
    /// The output segment's handle, when the outputs are shared.
    let outputs: SharedHandle?
    private let segments: Segments?

    /// Every batch encoded, both ways: what `submit`, `submitMap` and the streams use.
    static var copying: MapTransport { MapTransport(inputs: nil, outputs: nil) }

    private init(inputs: SharedSegment?, outputs: SharedSegment?) {
        self.inputs = inputs?.handle
        self.outputs = outputs?.handle
        segments = inputs != nil || outputs != nil ? Segments(inputs: inputs, outputs: outputs) : nil
    }

    /// Shares `values` and the outputs as `sharing` says; a segment that cannot be created
    /// leaves that side copied.
    init(_ values: [Task.Input], sharing: Sharing) {
        let count = values.count
        var inputs: SharedSegment?
        if sharing.shares(Task.Input.self, count: count),
            let segment = try? SharedSegment.create(
                kind: SharedBatch.kind("inputs", of: Task.Input.self), count: count,
                payloadBytes: count * MemoryLayout<Task.Input>.stride, readOnlyLater: true)
        {
            segment.populate(offset: 0, bytes: count * MemoryLayout<Task.Input>.stride, writable: true)
            let target = segment.payload.bindMemory(to: Task.Input.self, capacity: count)
            values.withUnsafeBufferPointer { target.initialize(from: $0.baseAddress!, count: count) }
            segment.makeReadOnly()
            inputs = segment
        }
        var outputs: SharedSegment?
        // Under `.automatic` outputs are shared only with their inputs: alone, 1.6 MB of Int
        // results through a segment measured 11–21% slower than through the sockets
        // (count-in-range, map-array, starmap-struct, 7 rounds at load 2–3).
        if sharing.shares(Task.Output.self, count: count), inputs != nil || sharing != .automatic,
            let segment = try? SharedSegment.create(
                kind: SharedBatch.kind("outputs", of: Task.Output.self), count: count,
                payloadBytes: count * MemoryLayout<Task.Output>.stride)
        {
            _ = segment.payload.bindMemory(to: Task.Output.self, capacity: count)
            outputs = segment
        }
        self.init(inputs: inputs, outputs: outputs)
    }

    /// Whether the workers write the outputs into the segment (batches answer with nothing).
    var sharesOutputs: Bool { outputs != nil }

    /// The job for `batch`, the inputs at `range` of the call: their handle and range, or the
    /// elements encoded.
    func job(_ batch: ArraySlice<Task.Input>, range: Range<Int>) throws(EncodingError) -> BatchJob {
        guard inputs != nil || outputs != nil else {
            return BatchJob(Task.self, payload: try WireCoder.encode(Array(batch)), range: range)
        }
        let header = SharedBatch.Header(
            inputs: inputs, outputs: outputs, lowerBound: range.lowerBound, upperBound: range.upperBound)
        let encoded = inputs == nil ? try WireCoder.encode(Array(batch)) : []
        return BatchJob(Task.self, payload: try SharedBatch.payload(header, encodedInputs: encoded), range: range)
    }

    /// The outputs of the batch at `range` from its worker's answer: decoded, or none when the
    /// worker wrote them into the segment (its answer is then empty).
    func outputs(from answer: consuming [UInt8], range: Range<Int>) throws(BackendError) -> [Task.Output] {
        guard sharesOutputs else { return try ProcessPool.decode(consume answer, of: Task.self, range: range) }
        guard answer.isEmpty else {
            throw .undecodable(tasks: range, detail: "\(answer.count) bytes for results written to shared memory")
        }
        return []
    }

    /// The `count` outputs the workers wrote into the segment, copied into an array at once.
    func sharedOutputs(count: Int) -> [Task.Output] {
        guard count > 0, let segment = segments?.outputs else { return [] }
        segment.populate(offset: 0, bytes: count * MemoryLayout<Task.Output>.stride, writable: false)
        let source = segment.payload.assumingMemoryBound(to: Task.Output.self)
        return withExtendedLifetime(segment) {
            [Task.Output](unsafeUninitializedCapacity: count) { buffer, initialized in
                LargeBuffer.adviseHugePages(buffer.baseAddress!, count: count)
                buffer.baseAddress!.initialize(from: source, count: count)
                initialized = count
            }
        }
    }

    /// Unmaps and closes the segments here, at once: the end of the call.
    func release() { segments?.release() }

    /// The segments, held until released.
    private final class Segments: Sendable {
        private let held: Mutex<(inputs: SharedSegment?, outputs: SharedSegment?)>

        init(inputs: SharedSegment?, outputs: SharedSegment?) { held = Mutex((inputs, outputs)) }

        /// The output segment, until released.
        var outputs: SharedSegment? { held.withLock { $0.outputs } }

        func release() {
            // Taken out under the lock, unmapped and closed when they go, after it.
            let segments = held.withLock { held in
                defer { held = (nil, nil) }
                return held
            }
            withExtendedLifetime(segments) {}
        }
    }
}
