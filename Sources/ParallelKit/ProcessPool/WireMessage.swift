/// What parent and worker say to each other, one per frame (see `FrameChannel`).
///
/// The conversation: the worker says `hello`; the parent may send `initialize` (answered by
/// `ready` or `failure`); then any number of `run` (answered by `result` or `failure`, with the
/// same id). The parent ends it by closing its end; the worker exits on end-of-file.
enum WireMessage: Codable, Sendable {
    case hello(WorkerHello)
    case initialize(task: String, payload: [UInt8])
    case ready
    case run(id: UInt64, task: String, payload: [UInt8])
    case result(id: UInt64, payload: [UInt8])
    case failure(id: UInt64, failure: BatchFailure)
}

/// A worker's first words: which protocol, which build, which tasks.
struct WorkerHello: Codable, Sendable, Equatable {
    /// Bumped whenever frames or messages change shape.
    static let currentProtocolVersion: UInt32 = 1

    var protocolVersion: UInt32
    /// The worker executable's GNU build-id, hex; empty when it has none.
    var buildID: String
    var pid: Int32
    /// Task name → signature (name and input/output types).
    var tasks: [String: String]
}
