/// One front door to every backend: say how many jobs and where they run, then `map` or
/// `stream` — joblib's `Parallel(n_jobs=…, backend=…)`.
///
/// ```swift
/// let squares = try await Parallel(jobs: 4).map(0..<10) { $0 * $0 }           // threads
/// let pages = try await Parallel(jobs: 16, backend: .threadPool).map(urls, download)
/// let counts = try await Parallel(jobs: .all, backend: .processes).map($countInRange, rows)
/// for try await (index, size) in Parallel(progress: .bar).streamUnordered(paths, fileSize) {
///     print(index, size)
/// }
/// ```
///
/// The same call shapes work on every backend: a closure over inputs on the backends that run
/// in this process (serial, threads, a thread pool), and a ``WorkerTask`` (or a
/// `@WorkerFunction`'s `$handle`) on all of them, processes included. Results come as an array
/// in input order (``map(_:_:)->[Output]``), a stream in input order (``stream(_:maxBuffered:_:)``) or a
/// stream in completion order (``streamUnordered(_:maxBuffered:_:)``): joblib's `return_as`.
///
/// Every backend means the same: the first failure ends the call as a ``BackendError``
/// (a closure's error arrives as ``BackendError/Code/taskFailed`` with its index), items not
/// started are skipped, and nothing runs after a `map` returns. What a backend cannot do is an
/// error before anything runs, with a message that says what to do: a closure on processes, a
/// `timeout` where a running closure cannot be stopped, `require: .sharedMemory` on processes.
///
/// `jobs: 1` runs a plain loop in the caller — on any backend this value makes, unless a
/// `timeout` needs a worker process to stop — and still reports progress.
public struct Parallel: Sendable {
    /// How many items run at once: `.all` (joblib's `n_jobs=-1`), `.allBut(n)` (`-1 - n`), a count.
    public var jobs: Workers
    /// Where they run; `nil` lets the hints choose (threads unless `prefer: .processes`).
    public var backend: Backend?
    /// A soft hint, used only when no backend is named.
    public var prefer: Preference?
    /// A hard requirement: a backend that cannot meet it is an error.
    public var require: Requirement?
    /// The longest one item may run; past it the item fails with ``BackendError/Code/timedOut``.
    /// Only on backends that can stop a running task (processes).
    public var timeout: Duration?
    /// How items are cut into batches: `.adaptive` (joblib's `batch_size='auto'`: chunks on
    /// threads, batches sized towards 50 ms on processes) or `.fixed(n)`.
    public var chunking: Chunking
    /// Where progress goes: nowhere, a terminal bar, or a sink of yours.
    public var progress: ProgressReporting?
    /// Whether large plain-data inputs and outputs cross to worker processes through shared
    /// memory (``Sharing``; joblib's automatic memory-mapping, `max_nbytes`): `.automatic`, above
    /// 1 MiB, or `.never`. Only processes copy at all.
    public var sharing: Sharing

    /// A front door over `backend` with at most `jobs` items at once.
    ///
    /// - Precondition: `jobs` is at least 1 (``Workers`` stops the program with a message
    ///   naming the value otherwise).
    public init(
        jobs: Workers = .all, backend: Backend? = nil, prefer: Preference? = nil, require: Requirement? = nil,
        timeout: Duration? = nil, chunking: Chunking = .adaptive, sharing: Sharing = .automatic,
        progress: ProgressReporting? = nil
    ) {
        self.jobs = jobs
        self.backend = backend
        self.prefer = prefer
        self.require = require
        self.timeout = timeout
        self.chunking = chunking
        self.sharing = sharing
        self.progress = progress
    }

    /// joblib's `prefer=`: which kind of backend to choose when none is named.
    public enum Preference: Sendable, Hashable {
        /// This process's threads (the default).
        case threads
        /// Worker processes of this executable.
        case processes
    }

    /// joblib's `require=`.
    public enum Requirement: Sendable, Hashable {
        /// Items must see this process's memory: threads (joblib's `require='sharedmem'`).
        case sharedMemory
    }

    /// Where progress goes.
    public enum ProgressReporting: Sendable {
        /// A ``ProgressBar`` on standard error, made for the call and finished when it ends.
        case bar
        /// Your own sink: a ``ProgressCounter``, a ``ProgressBar``, a logger.
        case sink(any ProgressSink)
    }
}
