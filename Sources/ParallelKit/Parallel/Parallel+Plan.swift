extension Parallel {
    /// Where a ``Parallel`` call runs: joblib's `backend=`.
    ///
    /// ```swift
    /// Parallel(jobs: 4, backend: .threads)                      // the collection engine
    /// Parallel(jobs: 16, backend: .threadPool)                  // a pool of threads for blocking work
    /// Parallel(jobs: .all, backend: .processes)                 // worker processes of this program
    /// Parallel(backend: .processes(worker: .product("Work")))   // … of another executable (tests)
    /// Parallel(backend: .processes(pool))                       // a ProcessPool you keep
    /// Parallel(backend: .named("mpi"))                          // one another module registered
    /// ```
    ///
    /// The backends named without an instance are made for each call, with `jobs` workers, and
    /// shut down when it ends; an instance you pass keeps its own worker count.
    public struct Backend: Sendable, CustomStringConvertible {
        enum Kind: Sendable {
            case serial
            case threads
            case threadPool(ThreadPool?)
            case processes(WorkerExecutable?)
            case pool(ProcessPool)
            case named(String)
        }

        let kind: Kind

        /// Every item in turn, in the calling task.
        public static let serial = Backend(kind: .serial)
        /// This process's threads: closures on the collection engine, tasks as child tasks.
        public static let threads = Backend(kind: .threads)
        /// A ``ThreadPool`` of `jobs` threads for the call, for work that blocks.
        public static let threadPool = Backend(kind: .threadPool(nil))
        /// Worker processes of this executable, `jobs` of them for the call; its `main` must call
        /// ``WorkerTasks/serveIfWorker(_:)-(WorkerTask....)`` first.
        public static let processes = Backend(kind: .processes(nil))

        /// `pool`'s threads.
        public static func threadPool(_ pool: ThreadPool) -> Backend { Backend(kind: .threadPool(pool)) }
        /// Worker processes of another executable, `jobs` of them for the call.
        public static func processes(worker: WorkerExecutable) -> Backend { Backend(kind: .processes(worker)) }
        /// `pool`'s worker processes.
        public static func processes(_ pool: ProcessPool) -> Backend { Backend(kind: .pool(pool)) }
        /// The backend registered as `name` (``BackendRegistry``).
        public static func named(_ name: String) -> Backend { Backend(kind: .named(name)) }

        /// How the backend is written in code: `.threads`, `.processes(pool)`, `.named("mpi")`.
        public var description: String {
            switch kind {
            case .serial: return ".serial"
            case .threads: return ".threads"
            case .threadPool(let pool): return pool == nil ? ".threadPool" : ".threadPool(pool)"
            case .processes(let worker): return worker.map { ".processes(worker: \($0))" } ?? ".processes"
            case .pool: return ".processes(pool)"
            case .named(let name): return ".named(\"\(name)\")"
            }
        }
    }

    /// What one call runs on, once the options are checked.
    enum Plan {
        /// A plain loop in the caller.
        case serial
        case threads(Workers)
        /// A thread pool: the caller's, or one of `Workers` made for the call.
        case threadPool(ThreadPool?, Workers)
        /// Worker processes made for the call.
        case processes(WorkerExecutable?, Workers, timeout: Duration?)
        case pool(ProcessPool)
        case named(BackendRegistry.Entry, Workers)
    }

    /// The capabilities of the in-process backends.
    static let inProcess: BackendCapabilities = [.runsClosures, .sharesMemory, .supportsCancellation]
    static let inProcesses: BackendCapabilities = [
        .isolatesCrashes, .supportsTimeouts, .supportsCancellation, .supportsRetries,
    ]

    /// Checks the options against each other and against the backend, before anything runs;
    /// `closure` says whether the call runs a closure (which only in-process backends can).
    func plan(closure: Bool = false) throws(BackendError) -> Plan {
        if backend == nil, require == .sharedMemory, prefer == .processes {
            throw .conflictingOptions(
                "prefer: .processes and require: .sharedMemory",
                "worker processes do not share this process's memory; drop one of them")
        }
        let chosen = backend ?? (require == nil && prefer == .processes ? .processes : .threads)
        let capabilities: BackendCapabilities
        var entry: BackendRegistry.Entry?
        switch chosen.kind {
        case .serial, .threads, .threadPool: capabilities = Self.inProcess
        case .processes, .pool: capabilities = Self.inProcesses
        case .named(let name):
            let found = try BackendRegistry.entry(name)
            (entry, capabilities) = (found, found.capabilities)
            if timeout != nil {
                throw .unsupported(
                    "timeout: with backend \(chosen)",
                    instead: "a registered backend gets only jobs from Parallel: give the limit to the backend "
                        + "its maker returns")
            }
        }
        if closure, !capabilities.contains(.runsClosures) {
            throw Self.closureRejected(on: chosen)
        }
        if require == .sharedMemory, !capabilities.contains(.sharesMemory) {
            throw .conflictingOptions(
                "backend: \(chosen) and require: .sharedMemory",
                "its workers do not share this process's memory; use .threads or .threadPool, or drop require:")
        }
        if timeout != nil, !capabilities.contains(.supportsTimeouts) {
            throw .unsupported(
                "timeout: on backend \(chosen)",
                instead: "a running closure cannot be stopped, and nothing may run after the call returns; use "
                    + "backend: .processes, whose worker is killed at the timeout, or check the time inside the work")
        }
        let serialLoop = jobs.count == 1 && timeout == nil
        switch chosen.kind {
        case .serial: return .serial
        case .threads: return serialLoop ? .serial : .threads(jobs)
        case .threadPool(let pool): return pool.map { .threadPool($0, jobs) } ?? (serialLoop ? .serial : .threadPool(nil, jobs))
        case .processes(let worker): return serialLoop ? .serial : .processes(worker, jobs, timeout: timeout)
        case .pool(let pool):
            if timeout != nil {
                throw .unsupported(
                    "timeout: with backend .processes(pool)",
                    instead: "a pool you started keeps its own limit: start it with ProcessPool(taskTimeout:), "
                        + "or use backend: .processes")
            }
            return .pool(pool)
        case .named(let name):
            if let entry { return .named(entry, jobs) }
            return .named(try BackendRegistry.entry(name), jobs)
        }
    }

    /// Why a closure cannot run on `backend`, and what to pass instead.
    static func closureRejected(on backend: Backend) -> BackendError {
        if case .named = backend.kind {
            return .unsupported(
                "a closure on backend \(backend)",
                instead: "this backend runs only WorkerTask types: pass one, or a @WorkerFunction's $handle")
        }
        return .unsupported(
            "a closure on worker processes",
            instead: "a closure cannot cross a process boundary: mark a global or static function @WorkerFunction "
                + "(import ParallelKitMacros) and pass its $handle, as Parallel(backend: .processes).map($square, numbers), "
                + "or pass a WorkerTask type; for work in this process, use backend: .threads")
    }
}
