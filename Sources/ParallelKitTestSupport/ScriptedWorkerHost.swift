import ParallelKit
import Synchronization

/// A fake source of pool workers: hands out ``ScriptedWorker``s (or start failures) as scripted,
/// reports a ``ManualClock``'s time, and records what the pool's driver asked of it.
///
/// ```swift
/// let host = ScriptedWorkerHost()
/// host.script(.worker(ScriptedWorker(pid: 101)), .fail(.initializerFailed(error)))
/// let driver = WorkerPoolDriver(host: host, configuration: .init(workers: 1, …))
/// ```
package final class ScriptedWorkerHost: WorkerHost {
    /// The outcome of one start (a start with nothing scripted gets a fresh worker).
    package enum Start: Sendable {
        case worker(ScriptedWorker)
        /// Runs `meanwhile` (say, terminating the pool), then returns the worker.
        case workerAfter(ScriptedWorker, meanwhile: @Sendable () -> Void)
        case fail(BackendError)
    }

    private struct State {
        var script: [Start] = []
        var started: [ScriptedWorker] = []
        var failures = 0
        var shutDown = false
        var nextPID: Int32 = 1001
    }

    package let clock: ManualClock
    private let state = Mutex(State())

    package init(clock: ManualClock = ManualClock()) {
        self.clock = clock
    }

    /// Adds outcomes for the next starts, in order.
    package func script(_ starts: Start...) {
        state.withLock { $0.script.append(contentsOf: starts) }
    }

    /// The workers handed out, in order.
    package var startedWorkers: [ScriptedWorker] { state.withLock { $0.started } }
    /// Starts that failed as scripted.
    package var failedStarts: Int { state.withLock { $0.failures } }
    /// Whether the driver said the pool has ended.
    package var isShutDown: Bool { state.withLock { $0.shutDown } }

    package func startWorker() throws(BackendError) -> ScriptedWorker {
        let start = state.withLock { state -> Start in
            if !state.script.isEmpty { return state.script.removeFirst() }
            defer { state.nextPID += 1 }
            return .worker(ScriptedWorker(pid: state.nextPID, clock: clock))
        }
        let worker: ScriptedWorker
        switch start {
        case .worker(let scripted):
            worker = scripted
        case .workerAfter(let scripted, let meanwhile):
            meanwhile()
            worker = scripted
        case .fail(let error):
            state.withLock { $0.failures += 1 }
            throw error
        }
        state.withLock { $0.started.append(worker) }
        return worker
    }

    package func nanoseconds() -> UInt64 { clock.nanoseconds }

    package func shutDown() {
        state.withLock { $0.shutDown = true }
    }
}
