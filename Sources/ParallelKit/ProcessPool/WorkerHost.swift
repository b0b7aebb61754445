import ParallelKitSystem

/// One batch on its way to a worker.
package struct BatchJob: Sendable {
    package let task: String
    package let signature: String
    package let payload: [UInt8]
    /// The indices of the batch's tasks in the caller's input.
    package let range: Range<Int>
    /// The task's type, by which a worker that does not list the task finds it.
    package let taskType: (any WorkerTask.Type)?

    package init(
        task: String, signature: String, payload: [UInt8], range: Range<Int>, taskType: (any WorkerTask.Type)? = nil
    ) {
        self.task = task
        self.signature = signature
        self.payload = payload
        self.range = range
        self.taskType = taskType
    }

    package init<Task: WorkerTask>(_ task: Task.Type, payload: [UInt8], range: Range<Int>) {
        self.init(task: Task.name, signature: Task.signature, payload: payload, range: range, taskType: task)
    }
}

/// Why a batch sent to a worker did not come back with outputs.
package enum BatchRunFailure: Error, Sendable, Equatable {
    /// The worker is fine; the batch failed (thrown or undecodable in the worker).
    case batch(BatchFailure)
    /// The worker died, hung up, timed out or spoke nonsense: it must be replaced.
    case worker(FrameChannel.Failure)
}

/// One worker as ``WorkerPoolDriver`` drives it: a process (``WorkerConnection``) or, in tests,
/// a scripted fake (`ParallelKitTestSupport`). Used by one thread at a time: the driver lends
/// it out under its lock.
package protocol PooledWorker: AnyObject, Hashable, Sendable {
    var pid: Int32 { get }
    /// Whether it serves `job`'s task with the same input and output types: registered, or
    /// found by its type when first asked. Throws when the worker fails while asked.
    func serves(_ job: BatchJob) throws(BatchRunFailure) -> Bool
    /// The signature under which it registered task `name`, or `nil` when it does not.
    func signature(of name: String) -> String?
    /// Sends one batch; returns the request's ID for ``answer(to:timeout:)``.
    func send(task: String, payload: [UInt8]) throws(BatchRunFailure) -> UInt64
    /// Waits for the answer to request `id`, at most `timeout` (forever when `nil`).
    func answer(to id: UInt64, timeout: Duration?) throws(BatchRunFailure) -> [UInt8]
    /// The answer to request `id` if it arrives within `spinningMicroseconds`, else `nil`.
    func answerIfReady(to id: UInt64, spinningMicroseconds: Double) throws(BatchRunFailure) -> [UInt8]?
    /// Whether it still runs; one found ended is reaped.
    func isRunning() -> Bool
    /// Ends it politely: hang up, allow `grace`, then `SIGKILL`; reaps it. Returns how it ended.
    @discardableResult func stop(grace: Duration) -> TerminationStatus
    /// `SIGKILL` now, then reaps it. Returns how it ended.
    @discardableResult func killNow() -> TerminationStatus
    /// `SIGKILL`, without waiting: whoever holds it sees it die.
    func sendKill()
    /// Waits until it has ended and reaps it.
    @discardableResult func reap() -> TerminationStatus
}

extension PooledWorker {
    // Identity: two handles are the same worker only if they are the same object.
    package static func == (left: Self, right: Self) -> Bool { left === right }
    package func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }
}

/// What the pool's driver acts on besides its workers: where workers come from, and the time.
package protocol WorkerHost: Sendable {
    associatedtype Worker: PooledWorker
    /// Starts a worker and takes it through its handshake and initializer.
    func startWorker() throws(BackendError) -> Worker
    /// Monotonic nanoseconds (``MonotonicClock``; a manual clock in tests).
    func nanoseconds() -> UInt64
    /// The pool has ended: nothing more is started (ends the thread that starts workers).
    func shutDown()
}
