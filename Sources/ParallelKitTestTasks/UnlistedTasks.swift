import ParallelKit

// Tasks the test worker's `serveIfWorker` does not list (they are not in `allTestTasks`): its
// workers find them by their type names (`WorkerTasks.discover(task:type:)`).

/// `x³`, found by the worker without a list.
public enum UnlistedCubeTask: WorkerTask {
    public static func run(_ input: Int) -> Int { input * input * input }
}

/// A task known by a name other than its type's.
public enum UnlistedRenamedTask: WorkerTask {
    public static var name: String { "renamed-negate" }
    public static func run(_ input: Int) -> Int { -input }
}

/// An initializer found without a list: it throws, so that a pool's creation shows it ran.
public enum UnlistedFailingInitializer: WorkerTask {
    public struct Refused: Error, CustomStringConvertible {
        public var description: String { "the unlisted initializer ran and refused" }
    }
    public static func run(_ input: Int) throws -> Int { throw Refused() }
}

/// A `fileprivate` task, which a worker cannot find by its type (its mangled name carries an
/// address of this process): the error a user meets who forgot to list one.
fileprivate enum HiddenSquareTask: WorkerTask {
    static func run(_ input: Int) -> Int { input * input }
}

/// Maps ``HiddenSquareTask`` over `inputs` in `pool`.
public func mapHiddenTask(_ inputs: [Int], in pool: ProcessPool) async throws(BackendError) -> [Int] {
    try await pool.map(HiddenSquareTask.self, inputs)
}

/// The name of ``HiddenSquareTask``, as an error names it.
public let hiddenTaskName = HiddenSquareTask.name
