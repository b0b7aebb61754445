/// Work that can run in another process: a named type with `Codable` input and output.
///
/// Closures cannot cross a process boundary; types can. Declare a task, call
/// ``WorkerTasks/serveIfWorker(_:)-(WorkerTask....)`` at the top of `main` (workers find the task by its type;
/// list it there only when it is `private` or `fileprivate`), then hand its inputs to a
/// ``ProcessPool``:
///
/// ```swift
/// struct CountInRange: WorkerTask {
///     struct Input: Codable, Sendable {          // several arguments: one small struct (starmap)
///         var row: [Int], minimum = 4, maximum = 8
///     }
///     static func run(_ input: Input) -> Int {
///         input.row.count { (input.minimum...input.maximum).contains($0) }
///     }
/// }
///
/// WorkerTasks.serveIfWorker()   // first line of main: a worker serves and exits here
/// let counts = try await withProcessPool { pool in
///     try await pool.map(CountInRange.self, rows.map { .init(row: $0) })
/// }
/// ```
public protocol WorkerTask: Sendable {
    /// What one call receives. Several arguments are the fields of one struct.
    associatedtype Input: Codable & Sendable
    /// What one call returns.
    associatedtype Output: Codable & Sendable

    /// The name the task is known by on the wire; by default the type's name. It must be the
    /// same in the parent and in the worker, and unique among the registered tasks.
    static var name: String { get }

    /// Runs one call, in a worker process (or in-process on the threads backend).
    static func run(_ input: Input) async throws -> Output

    /// Runs a batch of calls in a worker. Not for users to call or implement: the default
    /// implementation is inlinable so that each task's loop is specialized in its own module
    /// (an unspecialized loop spent ~100 ns an element on generic-metadata lookups).
    static func _runBatch(_ inputs: [Input]) async throws(WorkerBatchError) -> [Output]

    /// Runs a batch whose inputs and outputs live in shared memory (``Sharing``): initializes
    /// `outputs[i]` with the output of `inputs[i]`; after a throw at index `i`, `outputs[0..<i]`
    /// are initialized. Not for users to call or implement, inlinable as the other.
    static func _runBatch(
        _ inputs: UnsafeBufferPointer<Input>, initializing outputs: UnsafeMutablePointer<Output>
    ) async throws(WorkerBatchError)
}

/// Which call of a batch threw, and what. Not public API.
public struct WorkerBatchError: Error {
    public let index: Int
    public let error: any Error

    @inlinable
    public init(index: Int, error: any Error) {
        self.index = index
        self.error = error
    }
}

extension WorkerTask {
    public static var name: String { String(describing: Self.self) }

    @inlinable
    public static func _runBatch(_ inputs: [Input]) async throws(WorkerBatchError) -> [Output] {
        var outputs: [Output] = []
        outputs.reserveCapacity(inputs.count)
        var index = 0
        while index < inputs.count {
            do {
                outputs.append(try await run(inputs[index]))
            } catch {
                throw WorkerBatchError(index: index, error: error)
            }
            index += 1
        }
        return outputs
    }

    @inlinable
    public static func _runBatch(
        _ inputs: UnsafeBufferPointer<Input>, initializing outputs: UnsafeMutablePointer<Output>
    ) async throws(WorkerBatchError) {
        var index = 0
        while index < inputs.count {
            do {
                (outputs + index).initialize(to: try await run(inputs[index]))
            } catch {
                throw WorkerBatchError(index: index, error: error)
            }
            index += 1
        }
    }

    /// The name plus the input and output types: two builds agree on a task only if this does.
    @_spi(Backend) public static var signature: String {
        "\(name)(\(String(reflecting: Input.self))) -> \(String(reflecting: Output.self))"
    }
}

/// An error thrown inside a task in a worker process, as it arrives in the parent.
public struct RemoteTaskError: Error, Codable, Sendable, Equatable, CustomStringConvertible {
    /// The thrown error's type, e.g. `MyModule.ParseError`.
    public var typeName: String
    /// `String(describing:)` of the thrown error.
    public var message: String
    /// The worker's process ID.
    public var pid: Int32

    public var description: String { "\(typeName) in worker \(pid): \(message)" }
}

/// One registered task, type-erased: decodes a batch of inputs, runs each, encodes the outputs.
struct RegisteredTask: Sendable {
    let signature: String
    /// Runs a batch; on failure returns the index in the batch and the error.
    let runBatch: @Sendable ([UInt8]) async -> Result<[UInt8], BatchFailure>

    init<Task: WorkerTask>(_ task: Task.Type) {
        signature = Task.signature
        // Small batches of plain numbers are copied as raw bytes, without the coder's generic
        // code (a fifth of an unbatched MPI task's worker-side time went there).
        let packedInputs = PackedElements(Task.Input.self)
        let packedOutputs = PackedElements(Task.Output.self)
        runBatch = { payload in
            if SharedBatch.isShared(payload) { return await SharedBatch.run(Task.self, payload) }
            if let packedInputs, let packedOutputs, let count = payload.withUnsafeBytes({ packedInputs.count(in: $0) }),
                count <= packedBatchLimit
            {
                return await runPacked(Task.self, payload, count: count, packedInputs, packedOutputs)
            }
            let inputs: [Task.Input]
            do {
                inputs = try WireCoder.decode([Task.Input].self, from: payload)
            } catch {
                return .failure(BatchFailure(index: 0, kind: .undecodable, error: RemoteTaskError(error)))
            }
            let outputs: [Task.Output]
            do throws(WorkerBatchError) {
                outputs = try await Task._runBatch(inputs)
            } catch {
                return .failure(BatchFailure(index: error.index, kind: .thrown, error: RemoteTaskError(error.error)))
            }
            do {
                return .success(try WireCoder.encode(outputs))
            } catch {
                return .failure(BatchFailure(index: 0, kind: .unencodable, error: RemoteTaskError(error)))
            }
        }
    }
}

/// The most elements ``runPacked(_:_:count:_:_:)`` takes: past this a batch's fixed costs are
/// lost in its elements', and the array form ran 11% faster on 10,000,000 `Int`s through a
/// process pool (auto-shared's `.never` row, 159 against 176 ms, alternated).
private let packedBatchLimit = 4_096

/// A batch of plain numbers in and out: the inputs' bytes are copied from the payload into
/// raw memory, the task runs over them into raw memory (its pointer form of `_runBatch`), and
/// the outputs' bytes are copied into the answer. No array of a generic element is made and no
/// coder runs: in this unspecialized code each would look up generic metadata, which was a
/// fifth of what an unbatched task cost a worker.
private func runPacked<Task: WorkerTask>(
    _: Task.Type, _ payload: [UInt8], count: Int, _ packedInputs: PackedElements, _ packedOutputs: PackedElements
) async -> Result<[UInt8], BatchFailure> {
    let inputs = UnsafeMutableRawPointer.allocate(byteCount: max(count * packedInputs.stride, 1), alignment: 16)
    defer { inputs.deallocate() }
    let outputs = UnsafeMutableRawPointer.allocate(byteCount: max(count * packedOutputs.stride, 1), alignment: 16)
    defer { outputs.deallocate() }
    payload.withUnsafeBytes { source in
        inputs.copyMemory(from: source.baseAddress! + PackedElements.headerSize, byteCount: count * packedInputs.stride)
    }
    do throws(WorkerBatchError) {
        try await Task._runBatch(
            UnsafeBufferPointer(start: inputs.bindMemory(to: Task.Input.self, capacity: count), count: count),
            initializing: outputs.bindMemory(to: Task.Output.self, capacity: count))
    } catch {
        // Plain numbers: the outputs written before the throw need no deinitializing.
        return .failure(BatchFailure(index: error.index, kind: .thrown, error: RemoteTaskError(error.error)))
    }
    return .success(packedOutputs.encode(UnsafeRawBufferPointer(start: outputs, count: count * packedOutputs.stride), count: count))
}

/// Why a batch failed inside a worker (`@_spi(Backend)`: what ``WorkerTasks/runBatch(task:payload:)`` returns).
/// Other modules read it; only ParallelKit makes one (its memberwise initializer is internal).
@_spi(Backend) public struct BatchFailure: Codable, Sendable, Error, Equatable {
    public enum Kind: String, Codable, Sendable {
        /// The task threw.
        case thrown
        /// The inputs could not be decoded in the worker.
        case undecodable
        /// The outputs could not be encoded in the worker.
        case unencodable
        /// The outputs (or inputs) make a message over the limit; ``size`` says how large.
        case tooLarge
    }

    /// For ``Kind/tooLarge``: the message's size and the limit, in bytes, and what it held.
    public struct MessageSize: Codable, Sendable, Equatable {
        public var bytes: Int
        public var limit: Int
        /// `"result"` or `"inputs"`.
        public var holding: String
    }

    /// The index of the failing call within its batch.
    public var index: Int
    public var kind: Kind
    public var error: RemoteTaskError
    /// For ``Kind/tooLarge``.
    public var size: MessageSize?

    /// A batch whose `holding` (`"result"` or `"inputs"`) made a message of `bytes`, over
    /// `limit`, for the worker `pid`.
    static func tooLarge(bytes: Int, limit: Int, holding: String, pid: Int32) -> BatchFailure {
        let error = RemoteTaskError(
            typeName: "ParallelKit.MessageTooLarge",
            message: "the \(holding) is a message of \(bytes) bytes, over the limit of \(limit)", pid: pid)
        var failure = BatchFailure(index: 0, kind: .tooLarge, error: error)
        failure.size = MessageSize(bytes: bytes, limit: limit, holding: holding)
        return failure
    }
}

extension RemoteTaskError {
    init(_ error: any Error) {
        self.init(typeName: String(reflecting: type(of: error)), message: String(describing: error), pid: currentProcessID())
    }
}
