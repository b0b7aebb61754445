@_spi(Backend) import ParallelKit
import ParallelKitSystem
import Synchronization

/// A fake pool worker: no process, no socket. It answers each batch as its script says and
/// keeps a journal of what the pool's driver asked of it, so that tests assert exact actions.
///
/// ```swift
/// let worker = ScriptedWorker(pid: 101)
/// worker.script(.outputs([1, 2]), .crash(.signaled(SIGKILL)))
/// … run two batches through a `WorkerPoolDriver` …
/// #expect(worker.journal == [.checked(running: true), .sent(task: "t", id: 1), .answered(id: 1, timeout: nil), …])
/// ```
package final class ScriptedWorker: PooledWorker {
    /// How the worker meets one batch (a batch with no reply scripted gets `.outputs(payload)`).
    package enum Reply: Sendable, Equatable {
        /// Answers at once with these outputs.
        case outputs([UInt8])
        /// Answers with these outputs only to a blocking wait (a caller's poll sees nothing);
        /// sending it moves `clock` on by `taking`, the time the caller polls in vain.
        case slow([UInt8], taking: Duration)
        /// Answers with these outputs only to a blocking wait, once `gate` is opened (or fails
        /// as `.hang` does if the worker is killed first).
        case held([UInt8], Gate)
        /// The task throws (or its inputs cannot be decoded) in the worker.
        case batchFailure(BatchFailure)
        /// The worker dies running the batch, and ends so.
        case crash(TerminationStatus)
        /// The worker died before the batch reached it: sending fails.
        case notDelivered
        /// No answer within the timeout.
        case timeout
        /// An answer that cannot be decoded.
        case garbage(String)
        /// An answer whose length prefix claims `bytes`, over the channel's `limit`.
        case oversized(bytes: Int, limit: Int)
        /// No answer until the worker is killed (``sendKill()``), which it then dies of.
        case hang
    }

    /// What the driver did with the worker.
    package enum Event: Sendable, Equatable {
        /// `isRunning()` answered `running`.
        case checked(running: Bool)
        case sent(task: String, id: UInt64)
        /// A send that failed: the worker had died (``die(_:)`` or a `.notDelivered` reply).
        case notDelivered(task: String)
        /// A blocking wait for the answer, with the timeout it was given.
        case answered(id: UInt64, timeout: Duration?)
        /// A caller's poll that found the answer (polls that find nothing are not recorded).
        case polled(id: UInt64)
        case stopped(grace: Duration)
        case killedNow
        case killSent
        case reaped
    }

    private struct State {
        var script: [Reply] = []
        var pending: [UInt64: Reply] = [:]
        var journal: [Event] = []
        var ended: TerminationStatus?
        var killed = false
        var nextID: UInt64 = 1
    }

    package let pid: Int32
    /// Tasks it does not register (it serves every other).
    package let refusing: Set<String>
    /// The clock `.slow` replies move on.
    package let clock: ManualClock?
    private let state = Mutex(State())

    package init(pid: Int32, refusing: Set<String> = [], clock: ManualClock? = nil, replies: [Reply] = []) {
        self.pid = pid
        self.refusing = refusing
        self.clock = clock
        state.withLock { $0.script = replies }
    }

    /// Adds replies for the next batches, in order.
    package func script(_ replies: Reply...) {
        state.withLock { $0.script.append(contentsOf: replies) }
    }

    /// The worker dies while idle (killed from outside, OOM): it ends with `status`.
    package func die(_ status: TerminationStatus) {
        state.withLock { $0.ended = $0.ended ?? status }
    }

    /// Everything the driver did with it, in order.
    package var journal: [Event] { state.withLock { $0.journal } }

    /// How it ended, once it has.
    package var exitStatus: TerminationStatus? { state.withLock { $0.ended } }

    /// Replies scripted and not yet used.
    package var unusedReplies: [Reply] { state.withLock { $0.script } }

    // MARK: PooledWorker

    package func serves(_ job: BatchJob) throws(BatchRunFailure) -> Bool { !refusing.contains(job.task) }

    package func signature(of name: String) -> String? { refusing.contains(name) ? nil : "\(name)(scripted)" }

    package func send(task: String, payload: [UInt8]) throws(BatchRunFailure) -> UInt64 {
        let id = state.withLock { state -> UInt64? in
            let reply = state.script.isEmpty ? Reply.outputs(payload) : state.script.removeFirst()
            guard state.ended == nil, reply != .notDelivered else {
                if state.ended == nil { state.ended = .signaled(SIGKILL) }
                state.journal.append(.notDelivered(task: task))
                return nil
            }
            let id = state.nextID
            state.nextID += 1
            state.pending[id] = reply
            if case .slow(_, let taking) = reply { clock?.advance(by: taking) }
            state.journal.append(.sent(task: task, id: id))
            return id
        }
        guard let id else { throw .worker(.notDelivered) }
        return id
    }

    package func answer(to id: UInt64, timeout: Duration?) throws(BatchRunFailure) -> [UInt8] {
        let reply = state.withLock { state -> Reply in
            state.journal.append(.answered(id: id, timeout: timeout))
            return state.pending.removeValue(forKey: id) ?? .garbage("no request \(id)")
        }
        switch reply {
        case .held(let outputs, let gate):
            while !gate.isOpen && !state.withLock({ $0.killed }) { usleep(1000) }
            if gate.isOpen { return outputs }
            state.withLock { $0.ended = $0.ended ?? .signaled(SIGKILL) }
            throw .worker(.closed)
        case .hang:
            while !state.withLock({ $0.killed }) { usleep(1000) }
            state.withLock { $0.ended = $0.ended ?? .signaled(SIGKILL) }
            throw .worker(.closed)
        default:
            return try outcome(of: reply)
        }
    }

    package func answerIfReady(to id: UInt64, spinningMicroseconds: Double) throws(BatchRunFailure) -> [UInt8]? {
        let reply = state.withLock { state -> Reply? in
            guard let pending = state.pending[id] else { return .garbage("no request \(id)") }
            switch pending {
            case .slow, .held, .hang, .timeout:
                return nil
            default:
                state.pending[id] = nil
                state.journal.append(.polled(id: id))
                return pending
            }
        }
        return try reply.map { (reply) throws(BatchRunFailure) in try outcome(of: reply) }
    }

    /// The answer a reply that is ready gives.
    private func outcome(of reply: Reply) throws(BatchRunFailure) -> [UInt8] {
        switch reply {
        case .outputs(let outputs), .slow(let outputs, _), .held(let outputs, _):
            return outputs
        case .batchFailure(let failure):
            throw .batch(failure)
        case .crash(let status):
            state.withLock { $0.ended = $0.ended ?? status }
            throw .worker(.closed)
        case .notDelivered:
            throw .worker(.notDelivered)
        case .timeout:
            throw .worker(.timedOut)
        case .garbage(let detail):
            throw .worker(.undecodable(detail))
        case .oversized(let bytes, let limit):
            throw .worker(.oversized(bytes: bytes, limit: limit))
        case .hang:
            throw .worker(.closed)
        }
    }

    package func isRunning() -> Bool {
        state.withLock { state in
            if state.killed && state.ended == nil { state.ended = .signaled(SIGKILL) }
            let running = state.ended == nil
            state.journal.append(.checked(running: running))
            return running
        }
    }

    @discardableResult
    package func stop(grace: Duration) -> TerminationStatus {
        state.withLock { state in
            state.journal.append(.stopped(grace: grace))
            if state.ended == nil { state.ended = state.killed ? .signaled(SIGKILL) : .exited(0) }
            return state.ended!
        }
    }

    @discardableResult
    package func killNow() -> TerminationStatus {
        state.withLock { state in
            state.journal.append(.killedNow)
            state.killed = true
            if state.ended == nil { state.ended = .signaled(SIGKILL) }
            return state.ended!
        }
    }

    package func sendKill() {
        state.withLock { state in
            state.journal.append(.killSent)
            state.killed = true
        }
    }

    @discardableResult
    package func reap() -> TerminationStatus {
        state.withLock { state in
            state.journal.append(.reaped)
            if state.ended == nil { state.ended = state.killed ? .signaled(SIGKILL) : .exited(0) }
            return state.ended!
        }
    }
}

/// A flag a test opens to let a `.held` reply answer.
package final class Gate: Sendable, Equatable {
    private let opened = Mutex(false)

    package init() {}

    package var isOpen: Bool { opened.withLock { $0 } }

    package func open() { opened.withLock { $0 = true } }

    package static func == (left: Gate, right: Gate) -> Bool { left === right }
}
