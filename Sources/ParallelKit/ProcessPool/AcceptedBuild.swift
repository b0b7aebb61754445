/// Which builds of a worker executable a pool or process accepts at the handshake.
///
/// Every worker says which build it is — its executable's GNU build-id, a hash the linker
/// writes into the file — before it runs anything. A worker of a build the caller did not name
/// is refused, naming both builds: another build may register a task of the same name and types
/// that computes something else.
///
/// ```swift
/// // This program's own workers: the default.
/// let pool = try await ProcessPool(workers: 4)
///
/// // Another executable, accepted by the build it is now.
/// let tool = "/usr/local/libexec/resize-worker"
/// let other = try await ProcessPool(
///     workers: 4, executable: tool, accepting: .build(try WorkerTasks.buildID(ofExecutable: tool)))
/// ```
///
/// Whatever is accepted, a worker that registers a task under a name this program also uses,
/// with other input or output types, is refused as well (see ``WorkerTasks/buildID(ofExecutable:)``).
public enum AcceptedBuild: Sendable, Hashable, CustomStringConvertible {
    /// Only this executable's own build (``WorkerTasks/buildID(ofExecutable:)`` of
    /// `/proc/self/exe`): right for workers that run this program, which is the default.
    case sameBuild
    /// Only the build with this GNU build-id (hex, as ``WorkerTasks/buildID(ofExecutable:)``
    /// returns it).
    case build(String)
    /// Any build: the explicit opt-out, for workers rebuilt independently on purpose.
    case anyBuild

    public var description: String {
        switch self {
        case .sameBuild: return ".sameBuild (\(Self.shown(WorkerTasks.executableBuildID)), this executable's)"
        case .build(let id): return ".build(\(Self.shown(id)))"
        case .anyBuild: return ".anyBuild"
        }
    }

    /// An ID as messages show it.
    static func shown(_ id: String) -> String { id.isEmpty ? "none" : id }
}
