import ParallelKitSystem
import Synchronization

/// One dedicated thread running one function: Python's `threading.Thread(target=…)` with
/// `start()` and `join()`, plus the function's result.
///
/// ```swift
/// let downloader = WorkerThread(name: "fetch") { try fetchAll(urls) }   // not started yet
/// downloader.start()
/// doOtherWork()
/// let pages = try downloader.join()                                      // blocks until done
/// ```
///
/// For many small jobs prefer a ``ThreadPool``; a `WorkerThread` is for one long-running job.
///
/// - Note: `start()` twice, or `join()` before `start()`, is a programmer error and stops the
///   program. A thread never joined is detached when its `WorkerThread` goes away.
public final class WorkerThread<Value: Sendable, Failure: Error>: @unchecked Sendable {
    // @unchecked: `thread` is written once in `start()` (guarded by the `started` exchange) and
    // read in `join()`/`deinit` after it; the outcome travels through `outcome` (a Mutex), and
    // `finished` orders the thread's last write before any reader. The running thread holds
    // `self`, so the object outlives its thread.
    private let name: String
    private let body: @Sendable () throws(Failure) -> Value
    private let started = Atomic<Bool>(false)
    private let joined = Atomic<Bool>(false)
    private let outcome = Mutex<Result<Value, Failure>?>(nil)
    private let finished = OneShotEvent()
    private var thread = pthread_t()

    /// A thread that will run `body` once started. `name` is shown by debuggers (15 bytes kept).
    public init(name: String = "pk-thread", _ body: @escaping @Sendable () throws(Failure) -> Value) {
        self.name = name
        self.body = body
    }

    deinit {
        if started.load(ordering: .relaxed) && !joined.load(ordering: .relaxed) { pthread_detach(thread) }
    }

    /// Starts the thread.
    ///
    /// - Precondition: not started before.
    @discardableResult
    public func start() -> Self {
        let (exchanged, _) = started.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing)
        precondition(exchanged, "WorkerThread.start(): a thread can be started only once")
        thread = OSThread.start(name: name, joinable: true) { [self] in
            let result: Result<Value, Failure>
            do throws(Failure) { result = .success(try body()) } catch { result = .failure(error) }
            outcome.withLock { $0 = result }
            finished.signal()
        }
        return self
    }

    /// Blocks until the thread has finished, then returns its value or rethrows its error.
    ///
    /// May be called again after the first join; it then returns the same outcome at once.
    /// - Precondition: ``start()`` was called.
    public func join() throws(Failure) -> Value {
        precondition(started.load(ordering: .acquiring), "WorkerThread.join() before start() would wait forever")
        _ = finished.wait(timeout: nil)
        if !joined.exchange(true, ordering: .acquiringAndReleasing) {
            pthread_join(thread, nil)
        }
        guard let result = outcome.withLock({ $0 }) else {
            preconditionFailure("WorkerThread.join(): the thread ended without a result")
        }
        return try result.get()
    }

    /// Whether the thread has finished (its result is ready; `join()` will not block).
    public var isFinished: Bool { outcome.withLock { $0 != nil } }
}
