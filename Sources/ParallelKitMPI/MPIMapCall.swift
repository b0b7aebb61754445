#if MPI
@_spi(Backend) import ParallelKit
import ParallelKitSystem

/// Work the dispatcher draws batches from as worker ranks have room, on the MPI thread.
protocol MPIDispatchedCall: AnyObject {
    /// The next batch to send, as a whole `run` message with batch id `id` in a buffer the
    /// send takes over, with a number the call knows it by; `nil` when the call has nothing
    /// more to send.
    func nextBatch(id: UInt64) -> (number: Int, message: UnsafeMutableRawBufferPointer)?
    /// How batch `number` ended, `seconds` after it was sent.
    func finished(_ number: Int, _ outcome: MPIBatchOutcome, seconds: Double)
    /// The job ended: the call ends at once, its batches out abandoned.
    func stop()
}

/// One eager ``MPIPool/map(_:_:chunking:progress:)``, driven whole on rank 0's MPI thread: it cuts
/// and encodes the next batch when a rank has room, decodes each result as it arrives, and
/// resumes its caller once, at the end. The loop in the caller's task it replaces went to the
/// cooperative pool and back for every batch, which was most of what an unbatched task cost.
final class MPIMapCall<Task: WorkerTask>: MPIDispatchedCall, @unchecked Sendable {
    // @unchecked: `init` runs on the caller; from then on every property is read and written
    // only on the MPI thread — in the dispatcher's poll and in the commands `MPIThread.perform`
    // runs there (`start`, `cancel`) — and `done` resumes the caller with values it no longer holds.
    // @exclusivity(unchecked), as the dispatcher's state: one thread, and `done.resume` only
    // enqueues the caller, so no access overlaps another.
    typealias Outcome = Result<[[Task.Output]], BackendError>

    private let inputs: [Task.Input]
    private let trailer = MPIMessage.RunTrailer(task: Task.name, type: _mangledTypeName(Task.self) ?? "")
    /// Plain-number inputs and outputs cross as raw bytes, copied from the inputs and into
    /// place (`nil`: encoded and decoded with `WireCoder`).
    private let packedInputs = PackedElements(Task.Input.self)
    private let packedOutputs = PackedElements(Task.Output.self)
    /// With packed outputs: every output, its bytes copied into place as its batch returns (the
    /// array the caller gets, made once: no copy at the end).
    @exclusivity(unchecked) private var packedResult: [Task.Output]?
    @exclusivity(unchecked) private var sizer: BatchSizer
    private let tally: ProgressTally?
    /// Without packed outputs: each batch's outputs, by batch number.
    @exclusivity(unchecked) private var pieces: [[Task.Output]] = []
    @exclusivity(unchecked) private var ranges: [Range<Int>] = []
    @exclusivity(unchecked) private var next = 0
    @exclusivity(unchecked) private var batchesOut = 0
    @exclusivity(unchecked) private var inputsOut = 0
    @exclusivity(unchecked) private var firstError: BackendError?
    @exclusivity(unchecked) private var done: UnsafeContinuation<Outcome, Never>?

    init(inputs: [Task.Input], chunking: Chunking, workers: Int, tally: ProgressTally?) {
        self.inputs = inputs
        sizer = BatchSizer(chunking: chunking, workers: workers)
        self.tally = tally
    }

    /// An array of `count` plain numbers to write the outputs into: any bytes are a valid value,
    /// and every element is written before the array is handed out (a call that fails drops it).
    private static func uninitializedResult(count: Int) -> [Task.Output] {
        [Task.Output](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
    }

    /// Hands the call its caller, on the MPI thread, before the dispatcher draws from it.
    func start(_ caller: UnsafeContinuation<Outcome, Never>) {
        done = caller
        finishIfDone()
    }

    /// The caller was cancelled: nothing more is sent, and the call ends once the batches out
    /// are back, with ``BackendError/cancelled``.
    func cancel() {
        if firstError == nil { firstError = .cancelled }
        finishIfDone()
    }

    /// The job ended (rank 0 is exiting): the call ends at once with ``BackendError/closed``.
    func stop() {
        if firstError == nil { firstError = .closed }
        batchesOut = 0
        finishIfDone()
    }

    func nextBatch(id: UInt64) -> (number: Int, message: UnsafeMutableRawBufferPointer)? {
        guard firstError == nil, next < inputs.count, done != nil else { return nil }
        let size = sizer.nextSize(remaining: inputs.count - next, inFlight: inputsOut)
        let range = next..<(next + size)
        tally?.started(size)
        let message: UnsafeMutableRawBufferPointer
        if let packed = packedInputs {
            message = MPIMessage.run(id: id, trailer: trailer, payloadBytes: packed.byteCount(size)) { target in
                packed.writeHeader(count: size, to: target)
                inputs.withUnsafeBytes { source in
                    (target + PackedElements.headerSize).copyMemory(
                        from: source.baseAddress! + range.lowerBound * packed.stride, byteCount: size * packed.stride)
                }
            }
        } else {
            let payload: [UInt8]
            do {
                payload = try WireCoder.encode(Array(inputs[range]))
            } catch {
                fail(.undecodable(tasks: range, detail: "\(error)"), batchStart: range.lowerBound)
                finishIfDone()
                return nil
            }
            message = MPIMessage.run(id: id, trailer: trailer, payloadBytes: payload.count) { target in
                payload.withUnsafeBytes { target.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            }
        }
        next += size
        if packedOutputs == nil { pieces.append([]) }
        ranges.append(range)
        batchesOut += 1
        inputsOut += size
        return (ranges.count - 1, message)
    }

    func finished(_ number: Int, _ outcome: MPIBatchOutcome, seconds: Double) {
        guard batchesOut > 0 else { return }
        batchesOut -= 1
        let range = ranges[number]
        inputsOut -= range.count
        do throws(BackendError) {
            if let packed = packedOutputs, case .finished(let bytes, _) = outcome, place(bytes, packed, at: range) {
                // In place already.
            } else {
                let outputs = try MPIBatchDone(range: range, outcome: .sent(outcome), seconds: seconds).outputs(Task.self)
                guard outputs.count == range.count else {
                    throw .undecodable(tasks: range, detail: "a worker rank returned \(outputs.count) outputs for \(range.count) inputs")
                }
                if let packed = packedOutputs {
                    outputs.withUnsafeBytes { place(elements: $0, packed, at: range) }
                } else {
                    pieces[number] = outputs
                }
            }
            sizer.record(seconds: seconds, count: range.count)
            tally?.finished(range.count)
        } catch {
            fail(error, batchStart: range.lowerBound)
        }
        finishIfDone()
    }

    /// Copies a batch's packed outputs into place; `false` when `bytes` is not one packed block
    /// of `range.count` elements (it is then decoded as usual, which says what is wrong).
    private func place(_ bytes: [UInt8], _ packed: PackedElements, at range: Range<Int>) -> Bool {
        bytes.withUnsafeBytes { raw in
            guard packed.count(in: raw) == range.count else { return false }
            place(elements: UnsafeRawBufferPointer(rebasing: raw[PackedElements.headerSize...]), packed, at: range)
            return true
        }
    }

    /// Copies the elements' bytes of `range` into place.
    private func place(elements: UnsafeRawBufferPointer, _ packed: PackedElements, at range: Range<Int>) {
        var result = packedResult.take() ?? Self.uninitializedResult(count: inputs.count)
        if elements.count > 0 {
            result.withUnsafeMutableBytes { storage in
                (storage.baseAddress! + range.lowerBound * packed.stride).copyMemory(from: elements.baseAddress!, byteCount: elements.count)
            }
        }
        packedResult = result
    }

    private func fail(_ error: BackendError, batchStart: Int) {
        tally?.batchFailed(error, batchStart: batchStart)
        if firstError == nil { firstError = error }
    }

    private func finishIfDone() {
        guard let caller = done, batchesOut == 0, firstError != nil || next == inputs.count else { return }
        done = nil
        let outcome: Outcome
        if let error = firstError {
            outcome = .failure(error)
        } else if let result = packedResult.take() {
            // Every batch returned, so every output's bytes are in place.
            outcome = .success([result])
        } else {
            outcome = .success(pieces)
        }
        pieces = []
        packedResult = nil
        caller.resume(returning: outcome)
    }
}
#endif
