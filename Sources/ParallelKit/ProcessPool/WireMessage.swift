/// What parent and worker say to each other, one per frame (see `FrameChannel`).
///
/// The conversation: the worker says `hello`; the parent may send `initialize` (answered by
/// `ready` or `failure`); then any number of `run` (answered by `result` or `failure`, with the
/// same id), and before the first `run` of a task the worker did not list, `resolve` (answered by
/// `resolved`). The parent ends it by closing its end; the worker exits on end-of-file.
enum WireMessage: Sendable, Equatable {
    case hello(WorkerHello)
    case initialize(task: String, payload: [UInt8])
    case ready
    case run(id: UInt64, task: String, payload: [UInt8])
    case result(id: UInt64, payload: [UInt8])
    case failure(id: UInt64, failure: BatchFailure)
    /// Find task `task` by its mangled type name `type` (see ``WorkerTasks/discover(task:type:)``).
    case resolve(task: String, type: String)
    /// The signature the worker now serves `task` under; empty when it found no such task.
    case resolved(task: String, signature: String)
}

extension WireMessage {
    /// The frame body: a kind byte, then fixed fields (`UInt64` ids, length-prefixed task names)
    /// and the payload as the rest. A fixed layout rather than `Codable` keyed containers: these
    /// messages are on every round trip.
    func encoded() throws(EncodingError) -> [UInt8] {
        try encoded(lengthPrefixed: false)
    }

    /// The frame as it goes on the wire: a little-endian `UInt32` body length, then the body —
    /// built in one buffer, so a large payload is not copied again to prefix it.
    func framed() throws(EncodingError) -> [UInt8] {
        try encoded(lengthPrefixed: true)
    }

    /// The body's size for the kinds that carry a payload, known without encoding (so that a
    /// message over the limit is refused before a copy of it is made); `nil` for the others.
    var payloadBodyBytes: Int? {
        switch self {
        case .initialize(let task, let payload): return 1 + 4 + task.utf8.count + payload.count
        case .run(_, let task, let payload): return 1 + 8 + 4 + task.utf8.count + payload.count
        case .result(_, let payload): return 1 + 8 + payload.count
        case .hello, .ready, .failure, .resolve, .resolved: return nil
        }
    }

    private func encoded(lengthPrefixed: Bool) throws(EncodingError) -> [UInt8] {
        let buffer = WireBuffer()
        if lengthPrefixed { buffer.appendUInt32(0) }
        switch self {
        case .hello(let hello):
            buffer.append(1)
            buffer.bytes.append(contentsOf: try WireCoder.encode(hello))
        case .initialize(let task, let payload):
            buffer.append(2)
            buffer.appendString(task)
            buffer.bytes.append(contentsOf: payload)
        case .ready:
            buffer.append(3)
        case .run(let id, let task, let payload):
            buffer.append(4)
            buffer.appendUInt64(id)
            buffer.appendString(task)
            buffer.bytes.append(contentsOf: payload)
        case .result(let id, let payload):
            buffer.append(5)
            buffer.appendUInt64(id)
            buffer.bytes.append(contentsOf: payload)
        case .failure(let id, let failure):
            buffer.append(6)
            buffer.appendUInt64(id)
            buffer.bytes.append(contentsOf: try WireCoder.encode(failure))
        case .resolve(let task, let type):
            buffer.append(7)
            buffer.appendString(task)
            buffer.appendString(type)
        case .resolved(let task, let signature):
            buffer.append(8)
            buffer.appendString(task)
            buffer.appendString(signature)
        }
        if lengthPrefixed { buffer.patchUInt32(UInt32(truncatingIfNeeded: buffer.bytes.count - 4), at: 0) }
        return buffer.bytes
    }

    /// Decodes a frame body, checking every length; throws on anything malformed.
    init(frame bytes: [UInt8]) throws(DecodingError) {
        let reader = WireReader(bytes)
        do {
            switch try reader.byte() {
            case 1: self = .hello(try WireCoder.decode(WorkerHello.self, from: Array(bytes[reader.offset...])))
            case 2: self = .initialize(task: try reader.string(), payload: Array(bytes[reader.offset...]))
            case 3:
                guard reader.remaining == 0 else { throw reader.corrupt([], "bytes after ready") }
                self = .ready
            case 4:
                let id = try reader.uint64()
                self = .run(id: id, task: try reader.string(), payload: Array(bytes[reader.offset...]))
            case 5:
                let id = try reader.uint64()
                self = .result(id: id, payload: Array(bytes[reader.offset...]))
            case 6:
                let id = try reader.uint64()
                self = .failure(id: id, failure: try WireCoder.decode(BatchFailure.self, from: Array(bytes[reader.offset...])))
            case 7:
                self = .resolve(task: try reader.string(), type: try reader.string())
                guard reader.remaining == 0 else { throw reader.corrupt([], "bytes after resolve") }
            case 8:
                self = .resolved(task: try reader.string(), signature: try reader.string())
                guard reader.remaining == 0 else { throw reader.corrupt([], "bytes after resolved") }
            case let kind: throw reader.corrupt([], "unknown message kind \(kind)")
            }
        } catch let error as DecodingError {
            throw error
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "\(error)"))
        }
    }
}

/// A worker's first words: which protocol, which build, which tasks.
struct WorkerHello: Codable, Sendable, Equatable {
    /// Bumped whenever frames or messages change shape (2: the `tooLarge` batch failure, the
    /// limit in the worker's environment; 3: `resolve`/`resolved`; 4: `run` payloads of shared
    /// maps, `SharedBatch`).
    static let currentProtocolVersion: UInt32 = 4

    var protocolVersion: UInt32
    /// The worker executable's GNU build-id, hex; empty when it has none.
    var buildID: String
    var pid: Int32
    /// Task name → signature (name and input/output types).
    var tasks: [String: String]
}
