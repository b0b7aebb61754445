#if MPI
@_spi(Backend) import ParallelKit
import ParallelKitSystem

/// How one batch sent to a worker rank ended.
enum MPIBatchOutcome: Sendable {
    /// The encoded outputs, and the rank that ran the batch.
    case finished([UInt8], rank: Int32)
    /// The batch failed on `rank` (the task threw, or its inputs or outputs did not cross).
    case failed(BatchFailure, rank: Int32)
    /// The job ended before the batch ran.
    case stopped
}

/// Rank 0's side of the job: batches waiting for a worker rank, batches out, and who holds what.
///
/// Dynamic load balancing: a batch goes to the rank with the fewest batches out, and a rank has
/// at most ``batchesPerRank`` out (one running, one waiting in its queue, so it never waits for
/// the next), so a rank gets more work exactly when it returns a result. A rank whose batches
/// take microseconds may hold more, up to ``mostBatchesPerRank`` and about
/// ``queuedNanoseconds`` of its work: each time rank 0 and the rank get a core (4 ranks share 2
/// cores here) more answers are served, and a rank still ends its share within that time of the others.
final class MPIDispatcher: @unchecked Sendable {
    // @unchecked: touched only on the MPI thread — its loop's `poll` and the commands
    // `MPIThread.perform` runs there; no other thread reads or writes any of it.
    //
    // @exclusivity(unchecked) on the state a poll touches: its accesses cannot overlap. One
    // thread, and nothing a poll calls comes back into the dispatcher: a completion or a call's
    // end resumes a continuation or completes a future, which only enqueues the waiting task,
    // and a command queued meanwhile runs after the poll returns. The runtime's checks of those
    // accesses were 15–20% of rank 0's time on unbatched tasks (two ranks, one core each).
    struct Batch {
        let task: String
        let type: String
        let payload: [UInt8]
        let completion: @Sendable (MPIBatchOutcome) -> Void
    }

    static let batchesPerRank = 2
    static let mostBatchesPerRank = 8
    static let queuedNanoseconds: UInt64 = 100_000

    @exclusivity(unchecked) private(set) var comm: MPIComm
    @exclusivity(unchecked) private var waiting: [Batch] = []
    @exclusivity(unchecked) private var waitingHead = 0
    /// Who waits for a batch out: its own completion, or the call it is part of.
    private enum Owner {
        case single(@Sendable (MPIBatchOutcome) -> Void)
        case call(any MPIDispatchedCall, number: Int, sentAt: UInt64)
    }

    /// Calls with batches still to send, oldest first.
    @exclusivity(unchecked) private var calls: [any MPIDispatchedCall] = []
    /// Each rank's batches out, oldest first from `outHead`: a rank runs its batches one at a
    /// time in the order sent (MPI keeps the order of one sender's messages), so its next answer
    /// is for its oldest batch out — no lookup by id.
    @exclusivity(unchecked) private var out: [[(id: UInt64, owner: Owner?)]]
    @exclusivity(unchecked) private var outHead: [Int]
    /// Each rank's batches out (`out[rank].count - outHead[rank]`), and all of them.
    @exclusivity(unchecked) private var load: [Int]
    @exclusivity(unchecked) private var outstanding = 0
    /// Each rank's batches out at most, from `serviceNanoseconds`.
    @exclusivity(unchecked) private var depth: [Int]
    /// Each rank's time per batch (a moving average of the gaps between its answers while it
    /// stayed busy), and when its last answer came.
    @exclusivity(unchecked) private var serviceNanoseconds: [UInt64]
    @exclusivity(unchecked) private var lastAnswer: [UInt64]
    @exclusivity(unchecked) private var nextID: UInt64 = 1
    /// Each worker rank's host and process ID, as its hello said.
    private(set) var workers: [Int32: (host: String, pid: Int32)] = [:]
    private var stopped = false

    init(comm: MPIComm) {
        self.comm = comm
        load = Array(repeating: 0, count: Int(comm.size))
        out = Array(repeating: [], count: Int(comm.size))
        outHead = Array(repeating: 0, count: Int(comm.size))
        depth = Array(repeating: Self.batchesPerRank, count: Int(comm.size))
        serviceNanoseconds = Array(repeating: 0, count: Int(comm.size))
        lastAnswer = Array(repeating: 0, count: Int(comm.size))
    }

    func enqueue(_ batch: Batch) {
        if stopped { return batch.completion(.stopped) }
        waiting.append(batch)
    }

    /// Draws batches from `call` after those of the calls added before it.
    func add(_ call: any MPIDispatchedCall) {
        if stopped { return call.stop() }
        calls.append(call)
    }

    /// One round of the loop: sends what the ranks have room for, takes in what arrived.
    func poll() -> MPIThread.Poll {
        // Results first, so that the ranks they free get their next batch in this round.
        // One clock reading a round, when something comes in or goes out: the answers of one
        // round share it (a reading each was 4% of rank 0's time on unbatched tasks).
        var now: UInt64?
        var received = 0
        while received < 64, let message = comm.receive() {
            let at = now ?? MonotonicClock.nanoseconds()
            now = at
            handle(message, at: at)
            received += 1
        }
        var busy = false
        while waitingHead < waiting.count || !calls.isEmpty, let rank = leastLoadedRank() {
            let id = nextID
            let owner: Owner
            if waitingHead < waiting.count {
                let batch = waiting[waitingHead]
                waiting[waitingHead] = Batch(task: "", type: "", payload: [], completion: { _ in })
                waitingHead += 1
                comm.send(MPIMessage.run(id: id, task: batch.task, type: batch.type, payload: batch.payload), to: rank, tag: .run)
                owner = .single(batch.completion)
            } else if let batch = calls[0].nextBatch(id: id) {
                comm.send(owned: batch.message, to: rank, tag: .run)
                let sentAt = now ?? MonotonicClock.nanoseconds()
                now = sentAt
                owner = .call(calls[0], number: batch.number, sentAt: sentAt)
            } else {
                calls.removeFirst()
                continue
            }
            out[Int(rank)].append((id, owner))
            nextID += 1
            load[Int(rank)] += 1
            outstanding += 1
            busy = true
        }
        if waitingHead == waiting.count, waitingHead > 0 {
            waiting.removeAll(keepingCapacity: true)
            waitingHead = 0
        }
        if comm.sending && comm.progressSends() { busy = true }
        if busy || received > 0 { return .busy }
        return outstanding == 0 && !comm.sending ? .waitForCommand : .idle
    }

    private func leastLoadedRank() -> Int32? {
        var best: Int32?
        var bestLoad = Int.max
        for rank in 1..<Int(comm.size) where load[rank] < depth[rank] && load[rank] < bestLoad {
            best = Int32(rank)
            bestLoad = load[rank]
            if bestLoad == 0 { break }
        }
        return best
    }

    /// Learns `rank`'s time per batch from an answer; `busy`: it had another batch out, so the
    /// gap since its last answer was all work.
    private func answered(by rank: Int, busy: Bool, at now: UInt64) {
        if busy, lastAnswer[rank] > 0 {
            let gap = now - lastAnswer[rank]
            serviceNanoseconds[rank] = serviceNanoseconds[rank] == 0 ? gap : (3 * serviceNanoseconds[rank] + gap) / 4
            let fit = Self.queuedNanoseconds / max(serviceNanoseconds[rank], 1)
            depth[rank] = Int(min(max(fit, UInt64(Self.batchesPerRank)), UInt64(Self.mostBatchesPerRank)))
        }
        lastAnswer[rank] = now
    }

    private func handle(_ message: (source: Int32, tag: Int32, bytes: [UInt8]), at now: UInt64) {
        switch MPIMessage.Tag(rawValue: message.tag) {
        case .result, .failure:
            let rank = Int(message.source)
            guard let (id, payload) = MPIMessage.parseAnswer(message.bytes), rank < out.count, outHead[rank] < out[rank].count,
                out[rank][outHead[rank]].id == id, let owner = out[rank][outHead[rank]].owner
            else { comm.fail("matching an answer from rank \(rank) with the batches sent to it") }
            out[rank][outHead[rank]].owner = nil
            outHead[rank] += 1
            if outHead[rank] == out[rank].count {
                out[rank].removeAll(keepingCapacity: true)
                outHead[rank] = 0
            }
            answered(by: rank, busy: load[rank] > 1, at: now)
            load[rank] -= 1
            outstanding -= 1
            let outcome: MPIBatchOutcome
            if message.tag == MPIMessage.Tag.result.rawValue {
                outcome = .finished(payload, rank: Int32(rank))
            } else if let failure = try? WireCoder.decode(BatchFailure.self, from: payload) {
                outcome = .failed(failure, rank: Int32(rank))
            } else {
                comm.fail("decoding a failure from rank \(rank)")
            }
            switch owner {
            case .single(let completion): completion(outcome)
            case .call(let call, let number, let sentAt):
                call.finished(number, outcome, seconds: Double(now - sentAt) / 1e9)
            }
        case .hello:
            if let hello = MPIMessage.parseHello(message.bytes) { workers[message.source] = hello }
        case .run, .stop, .job, .jobDone, .signal, .groupEnded, .ready, nil:
            comm.fail("rank 0 received a message with tag \(message.tag) from rank \(message.source)")
        }
    }

    /// Ends the job: every worker rank is told to stop, the batches not run end as `.stopped`,
    /// and MPI is finalized.
    func stop() {
        guard !stopped else { return }
        stopped = true
        for batch in waiting[waitingHead...] { batch.completion(.stopped) }
        waiting.removeAll()
        waitingHead = 0
        for call in calls { call.stop() }
        calls.removeAll()
        for (rank, batches) in out.enumerated() {
            for entry in batches[outHead[rank]...] {
                switch entry.owner {
                case .single(let completion): completion(.stopped)
                case .call(let call, _, _): call.stop()
                case nil: break
                }
            }
        }
        out = []
        outstanding = 0
        // Blocking sends: a stop is small, so it goes out at once (eagerly), in order after the
        // batches sent to the same rank. Batches still being sent are abandoned with the job.
        for rank in 1..<comm.size { comm.sendNow([], to: rank, tag: .stop) }
        comm.finalize()
    }
}
#endif
