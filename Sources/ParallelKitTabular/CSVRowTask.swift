import ParallelKit

/// A CSV row function that runs in worker processes: the form of
/// ``ParallelKit/Parallel/mapCSVRows(_:from:to:options:header:chunkBytes:maxBuffered:)`` for
/// `.processes` (and every other backend), as a `WorkerTask` is for `map`.
///
/// Declare `transform`; the task's `run` is written for you. A worker process receives whole
/// chunks of the file (about 256 KiB of records each), parses them and runs `transform` on
/// each record, and sends the chunk's output back: one message per chunk, not per row.
///
/// ```swift
/// struct Totals: CSVRowTask {
///     static func transform(_ record: CSVRecord) throws -> [String] {
///         [try record.string(0), String(try record.double(2) * Double(try record.int(3)))]
///     }
/// }
///
/// WorkerTasks.serveIfWorker()   // first line of main, as for any worker task
/// let rows = try await Parallel(backend: .processes).mapCSVRows(
///     Totals.self, from: "orders.csv", to: "totals.csv", header: ["order", "total"])
/// ```
public protocol CSVRowTask: WorkerTask where Input == CSVChunkJob, Output == CSVApplyResult {
    /// The output record's fields for one input record (quoted when they need it); a throw fails
    /// the apply with the record's line (``CSVError/Code/rowFailed(_:)``, or a ``CSVError`` as it is).
    static func transform(_ record: CSVRecord) throws -> [String]
}

extension CSVRowTask {
    /// Parses the chunk and runs ``transform(_:)`` on each of its records, in order.
    public static func run(_ job: CSVChunkJob) -> CSVApplyResult {
        CSVApplyChunk.run(
            CSVChunk(bytes: job.bytes, index: 0, cutInsideRecord: job.cutInsideRecord), job.context, CSVChunkJob.buffers,
            transform)
    }
}

/// One chunk of a CSV apply on its way to a worker: its bytes and what parsing them needs. Public
/// only as a ``CSVRowTask``'s input; not for users to make or read.
public struct CSVChunkJob: Codable, Sendable {
    var bytes: [UInt8]
    var cutInsideRecord: Bool
    var context: CSVApplyContext

    /// A worker's field and output buffers, kept from one chunk to the next.
    static let buffers = CSVApplyBuffers(limit: 2)
}
