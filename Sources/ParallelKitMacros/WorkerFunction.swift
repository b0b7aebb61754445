// One import for tasks declared as functions: the macro, and ParallelKit itself.
@_exported import ParallelKit

/// Makes a process-pool task of a function: Swift's counterpart of Ray's `@ray.remote`.
///
/// Attach it to a global function or a static member function whose parameters and result are
/// `Codable` and `Sendable`. It adds, beside the function, a `WorkerTask` type that calls it
/// and a handle named `$` + the function's name, which every `ProcessPool` operation takes
/// where it takes a task type:
///
/// ```swift
/// import ParallelKitMacros
///
/// @WorkerFunction
/// func square(_ n: Int) -> Int { n * n }
///
/// @WorkerFunction
/// func howManyWithinRange(row: [Int], minimum: Int, maximum: Int) -> Int {
///     row.count { (minimum...maximum).contains($0) }
/// }
///
/// @main struct Tool {
///     static func main() async throws {
///         WorkerTasks.serveIfWorker()   // workers stop here, and find the tasks by their names
///         try await withProcessPool { pool in
///             let squares = try await pool.map($square, Array(0..<1_000))
///             let count = try await pool.apply($howManyWithinRange, .init(row: [1, 5, 9], minimum: 4, maximum: 8))
///             let counts = try await pool.map($howManyWithinRange, rows.map { .init($0, 4, 8) })   // starmap
///         }
///     }
/// }
/// ```
///
/// What the task takes and returns follows the function:
///
/// | the function | the task's `Input` | the task's `Output` |
/// |---|---|---|
/// | `f(_ n: Int) -> Int` (one parameter) | that parameter's type, `Int`: a map sends the values as they are | `Int` |
/// | `f(row: [Int], minimum: Int) -> Int` | a struct of the parameters, with `.init(row:minimum:)` (default values kept) and `.init(_:_:)` | `Int` |
/// | `f() -> Int` | an empty struct: `.init()` | `Int` |
/// | `f(_ path: String)` or `-> Void` | `String` | `NoOutput` |
///
/// `throws`, `throws(E)` and `async` carry over: the task's `run` calls the function with `try`
/// and `await` as it needs. An error the function throws in a worker arrives as a
/// `BackendError` with code `.taskFailed`, whose `RemoteTaskError` names the error's type
/// and description.
///
/// The task is named after the function (`"square"`; `"Stats.mean"` for `static func mean` in
/// `enum Stats`), its type `square_WorkerTask` (`Stats.mean_WorkerTask`, handle `Stats.$mean`),
/// with the function's access level. A worker finds an internal or public task by its type's
/// name; a `private` or `fileprivate` function gets `fileprivate` types, which a worker cannot
/// find that way: list their handles, `WorkerTasks.serveIfWorker($square)`. Two functions of
/// the same name in one scope cannot both be tasks (their generated types would clash).
///
/// The compiler reports what cannot cross a process boundary: a closure, a generic function,
/// an instance method (make it `static`), a local function, `inout`, variadic and function-typed
/// parameters, and, naming the type, a parameter or result that is not `Codable` or `Sendable`.
///
/// - Note: the function runs in a worker process: it sees that process's globals, not the
///   parent's, and must not be isolated to the main actor.
@attached(peer, names: prefixed(`$`), suffixed(_WorkerTask))
public macro WorkerFunction() = #externalMacro(module: "ParallelKitMacrosPlugin", type: "WorkerFunctionMacro")

/// A compile-time check that `@WorkerFunction` writes for each parameter and result: a type
/// that is not `Codable` and `Sendable` fails it with an error naming the type. Not for use.
public enum CodableAndSendable<Value: Codable & Sendable> {}
