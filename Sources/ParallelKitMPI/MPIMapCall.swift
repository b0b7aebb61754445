#if MPI
@_spi(Backend) import ParallelKit
import ParallelKitSystem

/// Work the dispatcher draws batches from as worker ranks have room, on the MPI thread.
protocol MPIDispatchedCall: AnyObject {
    /// The next batch to send, with a number the call knows it by, or `nil` when the call has
    /// nothing more to send.
    func nextBatch() -> (number: Int, task: String, type: String, payload: [UInt8])?
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
    typealias Outcome = Result<[[Task.Output]], BackendError>

    private let inputs: [Task.Input]
    private let name = Task.name
    private let type = _mangledTypeName(Task.self) ?? ""
    private var sizer: BatchSizer
    private let tally: ProgressTally?
    private var pieces: [[Task.Output]] = []
    private var ranges: [Range<Int>] = []
    private var next = 0
    private var batchesOut = 0
    private var inputsOut = 0
    private var firstError: BackendError?
    private var done: UnsafeContinuation<Outcome, Never>?

    init(inputs: [Task.Input], chunking: Chunking, workers: Int, tally: ProgressTally?) {
        self.inputs = inputs
        sizer = BatchSizer(chunking: chunking, workers: workers)
        self.tally = tally
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

    func nextBatch() -> (number: Int, task: String, type: String, payload: [UInt8])? {
        guard firstError == nil, next < inputs.count, done != nil else { return nil }
        let size = sizer.nextSize(remaining: inputs.count - next, inFlight: inputsOut)
        let range = next..<(next + size)
        tally?.started(size)
        let payload: [UInt8]
        do {
            payload = try WireCoder.encode(Array(inputs[range]))
        } catch {
            fail(.undecodable(tasks: range, detail: "\(error)"), batchStart: range.lowerBound)
            finishIfDone()
            return nil
        }
        next += size
        pieces.append([])
        ranges.append(range)
        batchesOut += 1
        inputsOut += size
        return (pieces.count - 1, name, type, payload)
    }

    func finished(_ number: Int, _ outcome: MPIBatchOutcome, seconds: Double) {
        guard batchesOut > 0 else { return }
        batchesOut -= 1
        let range = ranges[number]
        inputsOut -= range.count
        do throws(BackendError) {
            pieces[number] = try MPIBatchDone(range: range, outcome: .sent(outcome), seconds: seconds).outputs(Task.self)
            sizer.record(seconds: seconds, count: range.count)
            tally?.finished(range.count)
        } catch {
            fail(error, batchStart: range.lowerBound)
        }
        finishIfDone()
    }

    private func fail(_ error: BackendError, batchStart: Int) {
        tally?.batchFailed(error, batchStart: batchStart)
        if firstError == nil { firstError = error }
    }

    private func finishIfDone() {
        guard let caller = done, batchesOut == 0, firstError != nil || next == inputs.count else { return }
        done = nil
        let outcome: Outcome = firstError.map { .failure($0) } ?? .success(pieces)
        pieces = []
        caller.resume(returning: outcome)
    }
}
#endif
