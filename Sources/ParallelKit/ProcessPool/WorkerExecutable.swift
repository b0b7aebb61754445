import ParallelKitSystem

/// A worker executable other than this program: its path, and which builds of it to accept.
/// How a test starts worker processes, and how a program runs a separate worker tool.
///
/// Inside `swift test` the running program is the test bundle, which cannot serve as a worker:
/// no `main` of yours calls ``WorkerTasks/serveIfWorker(_:)-(WorkerTask....)`` there. A small executable target
/// that does, declared in `Package.swift` and listed in the test target's dependencies, is built
/// beside the bundle; ``product(_:)`` finds it there, and the tests can `@testable import` it to
/// name its `internal` task types:
///
/// ```swift
/// @testable import SquareWorker              // its main: WorkerTasks.serveIfWorker()
///
/// @Test func squares() async throws {
///     let squares = try await withProcessPool(workers: 2, worker: .product("SquareWorker")) { pool in
///         try await pool.map(Square.self, [1, 2, 3])
///     }
///     #expect(squares == [1, 4, 9])
/// }
/// ```
///
/// The same value goes to `ProcessPool(workers:worker:…)` and
/// ``WorkerProcess/init(_:_:worker:maxMessageBytes:)``.
///
/// A worker is accepted at the handshake only as the build named here (``accepting``): by
/// default the build its file is when the value is made (its GNU build-id). A worker
/// executable rebuilt since is refused, naming both builds; make the value again.
public struct WorkerExecutable: Sendable, Hashable, CustomStringConvertible {
    /// The executable's path.
    public var path: String
    /// Which builds of it a pool or process accepts at the handshake.
    public var accepting: AcceptedBuild

    /// The executable at `path`, accepted as `accepting` says.
    public init(path: String, accepting: AcceptedBuild) {
        self.path = path
        self.accepting = accepting
    }

    /// The executable at `path`, accepted as the build it is now: its GNU build-id, read from
    /// the file (``WorkerTasks/buildID(ofExecutable:)``).
    ///
    /// ```swift
    /// let resizer = try WorkerExecutable(path: "/usr/local/libexec/resize-worker")
    /// let pool = try await ProcessPool(workers: 4, worker: resizer)
    /// ```
    ///
    /// - Throws: ``BackendError/Code/buildIDUnreadable`` when the file cannot be read, is not an
    ///   ELF executable, or has no build-id.
    public init(path: String) throws(BackendError) {
        self.init(path: path, accepting: .build(try WorkerTasks.buildID(ofExecutable: path)))
    }

    /// The executable product `name` built beside the running program — in `swift test`, beside
    /// the test bundle (`.build/<triple>/debug/<Package>PackageTests.xctest`), where SwiftPM builds
    /// every executable target the test target depends on — accepted as the build it is now.
    ///
    /// ```swift
    /// let worker = try WorkerExecutable.product("SquareWorker")
    /// let process = WorkerProcess(Square.self, 12, worker: worker)
    /// ```
    ///
    /// - Parameter name: the product's name; an `.executableTarget`'s product is named after it.
    /// - Throws: ``BackendError/Code/executableNotFound`` when there is no such executable file
    ///   there, ``BackendError/detail`` saying what to add to `Package.swift`;
    ///   ``BackendError/Code/buildIDUnreadable`` when its build-id cannot be read.
    /// - Precondition: `name` is a name, not a path (for a path, use ``init(path:)``).
    public static func product(_ name: String) throws(BackendError) -> WorkerExecutable {
        precondition(
            !name.isEmpty && !name.contains("/"),
            "WorkerExecutable.product(\"\(name)\"): a product name, not a path (for a path: WorkerExecutable(path:))")
        guard let running = try? ExecutableFile.runningPath(), let slash = running.lastIndex(of: "/") else {
            throw .executableNotFound(product: name, beside: "/proc/self/exe")
        }
        let path = String(running[...slash]) + name
        guard ExecutableFile.isRunnable(path) else { throw .executableNotFound(product: name, beside: running) }
        return try WorkerExecutable(path: path)
    }

    public var description: String { "\(path) (accepting \(accepting))" }
}
