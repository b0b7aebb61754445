/// The output of a task that returns nothing: Swift's `Void`, as a value that can cross a process
/// boundary.
///
/// ``WorkerTask/Output`` must be `Codable`, and `Void` is not, so a task with nothing to return
/// returns `NoOutput()`. `@WorkerFunction` (module `ParallelKitMacros`) uses it for a function
/// declared `-> Void` or with no result:
///
/// ```swift
/// struct Touch: WorkerTask {
///     static func run(_ path: String) throws -> NoOutput {
///         try touch(path)
///         return NoOutput()
///     }
/// }
///
/// _ = try await pool.map(Touch.self, paths)   // [NoOutput], one per path, once every call ended
/// ```
///
/// It encodes as an empty keyed container: a few bytes per call.
public struct NoOutput: Codable, Sendable, Hashable, CustomStringConvertible {
    @inlinable public init() {}

    public var description: String { "NoOutput()" }
}
