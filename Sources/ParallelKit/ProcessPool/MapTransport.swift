import Synchronization

/// How the batches of one ``ProcessPool/map(_:_:chunking:sharing:progress:)`` call travel:
/// encoded through the workers' sockets, or through the call's shared segments (``Sharing``).
///
/// A shared input segment holds every input, written once here and mapped read-only by the
/// workers; a shared output segment takes every output, written by the workers at their indices
/// and copied out once at the end. A call that succeeded gives them to its pool's
/// ``KeptSegments`` with ``finish(keepingIn:)``; one that failed lets go of them with
/// ``release()`` (a dispatcher thread may hold a copy of this value a moment longer), and the
/// kernel frees them once the workers still running a batch of the call have unmapped them too.
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

    /// Shares `values` and the outputs as `sharing` says, in the segments `kept` holds when they
    /// fit (``KeptSegments``); a segment that cannot be created leaves that side copied.
    init(_ values: [Task.Input], sharing: Sharing, kept: KeptSegments? = nil) {
        let count = values.count
        var inputs: SharedSegment?
        if sharing.shares(Task.Input.self, count: count) {
            let kind = SharedBatch.kind("inputs", of: Task.Input.self)
            inputs = kept?.take(.inputs, kind: kind, count: count) ?? Self.create(.inputs, kind, count: count, of: Task.Input.self)
        }
        if let segment = inputs {
            segment.populate(offset: 0, bytes: count * MemoryLayout<Task.Input>.stride, writable: true)
            let target = segment.payload.assumingMemoryBound(to: Task.Input.self)
            // Plain data: writing over a kept segment's old elements needs no deinitialization.
            values.withUnsafeBufferPointer { target.initialize(from: $0.baseAddress!, count: count) }
        }
        var outputs: SharedSegment?
        // Under `.automatic` outputs are shared only with their inputs: alone, 1.6 MB of Int
        // results through a segment measured 11–21% slower than through the sockets
        // (count-in-range, map-array, starmap-struct, 7 rounds at load 2–3).
        if sharing.shares(Task.Output.self, count: count), inputs != nil || sharing != .automatic {
            let kind = SharedBatch.kind("outputs", of: Task.Output.self)
            outputs = kept?.take(.outputs, kind: kind, count: count) ?? Self.create(.outputs, kind, count: count, of: Task.Output.self)
        }
        self.init(inputs: inputs, outputs: outputs)
    }

    /// A new segment for `count` elements of `Element`, or nil when it cannot be created. An
    /// input segment is sealed at once against writable mappings by other processes: the
    /// workers map it read-only, this process writes every call's inputs into it.
    private static func create<Element>(
        _ role: KeptSegments.Role, _ kind: String, count: Int, of _: Element.Type
    ) -> SharedSegment? {
        let isInputs = role == .inputs
        guard
            let segment = try? SharedSegment.create(
                kind: kind, count: count, payloadBytes: count * MemoryLayout<Element>.stride, readOnlyLater: isInputs)
        else { return nil }
        if isInputs { segment.sealAgainstOtherWriters() }
        _ = segment.payload.bindMemory(to: Element.self, capacity: count)
        return segment
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

    /// Unmaps and closes the segments here, at once: the end of a call that failed or was
    /// cancelled (a batch may still be running).
    func release() { segments?.release(keepingIn: nil) }

    /// Gives the segments to `kept` for the pool's next call: the end of a call that succeeded,
    /// every batch answered.
    func finish(keepingIn kept: KeptSegments) { segments?.release(keepingIn: kept) }

    /// The segments, held until released.
    private final class Segments: Sendable {
        private let held: Mutex<(inputs: SharedSegment?, outputs: SharedSegment?)>

        init(inputs: SharedSegment?, outputs: SharedSegment?) { held = Mutex((inputs, outputs)) }

        /// The output segment, until released.
        var outputs: SharedSegment? { held.withLock { $0.outputs } }

        func release(keepingIn kept: KeptSegments?) {
            // Taken out under the lock; kept, or unmapped and closed when they go, after it.
            let segments = held.withLock { held in
                defer { held = (nil, nil) }
                return held
            }
            guard let kept else { return withExtendedLifetime(segments) {} }
            if let inputs = segments.inputs { kept.keep(inputs, as: .inputs) }
            if let outputs = segments.outputs { kept.keep(outputs, as: .outputs) }
        }
    }
}
