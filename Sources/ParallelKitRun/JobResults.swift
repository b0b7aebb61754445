import ParallelKit
import Synchronization
import ParallelKitSystem

/// The results of one run, as jobs finish: in input order from ``CommandRunner/stream(arguments:maxBuffered:)``,
/// in completion order from ``CommandRunner/streamUnordered(arguments:maxBuffered:)``.
///
/// The run starts when iteration starts, on a thread of its own (a `poll` loop over every job's
/// pipes and pidfd), and a second iterator starts a second run. At most `maxBuffered` jobs
/// (by default twice the workers) are started and not yet read: while the reader is that far
/// behind, no further job starts (running ones go on, and their results wait), so a reader that
/// drops each result runs any number of jobs in bounded memory. A job that cannot be started (``RunError/Code/programNotFound``,
/// ``RunError/Code/notExecutable``) is thrown from `next()`; the run is then ended as a
/// cancelled one.
///
/// Cancelling the task that iterates, or dropping the iterator, ends every running job's process
/// group through the configuration's teardown sequence. After a cancellation `next()` returns
/// `nil` once every job's group has ended; a dropped iterator's jobs are ended in the background.
///
/// ```swift
/// let runner = CommandRunner(RunConfiguration(workers: .count(2)))
/// for try await result in runner.streamUnordered(arguments: [["sleep", "1"], ["true"]]) {
///     print(result.sequence, result.status)   // 2 first
/// }
/// ```
public struct JobResults: AsyncSequence, Sendable {
    public typealias Element = JobResult
    public typealias Failure = RunError

    let plan: RunPlan

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(plan: plan) }

    public struct AsyncIterator: AsyncIteratorProtocol {
        public typealias Element = JobResult
        public typealias Failure = RunError

        private let run: ActiveRun

        init(plan: RunPlan) { run = ActiveRun(plan) }

        /// The run's results on their way to this iterator (tests read its high-water mark).
        var channel: ResultChannel { run.channel }

        public mutating func next() async throws(RunError) -> JobResult? { try await run.next() }

        public mutating func next(isolation actor: isolated (any Actor)?) async throws(RunError) -> JobResult? {
            try await run.next()
        }
    }
}

/// One iterator's run: starts it on first use, hands out its results, and cancels it when the
/// consuming task is cancelled or the iterator is dropped.
final class ActiveRun: Sendable {
    private let plan: RunPlan
    let channel: ResultChannel
    private let control: Result<RunControl, RunError>
    private let state = Mutex((started: false, done: false))

    init(_ plan: RunPlan) {
        self.plan = plan
        let control = Result { () throws(RunError) in try RunControl() }
        self.control = control
        channel = ResultChannel(limit: plan.maxBuffered, wakeBatch: plan.readerWakeBatch) {
            if case .success(let control) = control { control.wake() }
        }
    }

    deinit {
        if case .success(let control) = control, state.withLock({ $0.started }), !channel.hasEnded { control.cancel() }
    }

    func next() async throws(RunError) -> JobResult? {
        let control: RunControl
        switch self.control {
        case .success(let value): control = value
        case .failure(let error):
            guard !state.withLock({ $0.done }) else { return nil }
            state.withLock { $0.done = true }
            throw error
        }
        if state.withLock({ $0.done }) { return nil }
        start(control)
        while true {
            if Task.isCancelled { return await stop(control) }
            switch channel.take() {
            case .event(.result(let result)):
                return result
            case .event(.failure(let error)):
                _ = await stop(control)
                throw error
            case .ended:
                state.withLock { $0.done = true }
                return nil
            case .empty:
                await withTaskCancellationHandler {
                    await channel.wait()
                } onCancel: {
                    control.cancel()
                }
            }
        }
    }

    /// Cancels the run and waits until every job's process group has ended.
    private func stop(_ control: RunControl) async -> JobResult? {
        control.cancel()
        await channel.waitForEnd()
        state.withLock { $0.done = true }
        return nil
    }

    private func start(_ control: RunControl) {
        let first = state.withLock { state in
            defer { state.started = true }
            return !state.started
        }
        guard first else { return }
        let (plan, channel) = (plan, channel)
        OSThread.start(name: "pk-run", joinable: false) {
            // This thread came from one that blocks every signal: with SIGCHLD blocked here, each
            // job's exit would wake another thread of the host instead of being dropped.
            ChildExitSignal.unblockOnThisThread()
            let host = plan.host(control: control, channel: channel)
            do throws(RunUsageError) {
                _ = try RunEngine.run(plan.options, host: host)
            } catch {
                channel.push(.failure(RunError(.invalidConfiguration, message: error.message)))
            }
            channel.end()
        }
    }
}
